# SPDX-License-Identifier: Apache-2.0
# actio::warnings: an INTERFACE target carrying the project's warning flags.
# Link it PRIVATE so that users of actio never inherit them.
add_library(actio_warnings INTERFACE)
target_compile_options(actio_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  -Wconversion -Wsign-conversion
  # GCC 12's middle-end bounds analysis reports std::atomic loads and
  # std::string copies inlined into coroutines as overflows at -O3 (known
  # false positives of that release); the front-end warnings stay on.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-stringop-overflow -Wno-stringop-overread
    -Wno-array-bounds -Wno-restrict>
  $<$<BOOL:${ACTIO_WERROR}>:-Werror>)
