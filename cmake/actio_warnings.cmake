# SPDX-License-Identifier: Apache-2.0
# actio::warnings: an INTERFACE target carrying the project's warning flags.
# Link it PRIVATE so that users of actio never inherit them.
add_library(actio_warnings INTERFACE)
target_compile_options(actio_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
  -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  -Wconversion -Wsign-conversion
  # GCC 12 reports std::atomic loads through inlined pointers as buffer
  # overflows at -O2/-O3 (a known false positive of its stringop analysis)
  $<$<CXX_COMPILER_ID:GNU>:-Wno-stringop-overflow>
  $<$<BOOL:${ACTIO_WERROR}>:-Werror>)
