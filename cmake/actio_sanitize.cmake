# SPDX-License-Identifier: Apache-2.0
# ACTIO_SANITIZE=address,undefined instruments every target of the build;
# ACTIO_SANITIZE=thread (clang-14, with CAF's libraries built with TSan by
# scripts/caf_tsan.sh and passed as CAF_<component>_LIBRARY) is the other
# choice: the two cannot be combined.
# UBSan checks stay recoverable so that tests/ubsan.supp can suppress the one
# known report inside CAF; tests still halt on any other error through
# UBSAN_OPTIONS=halt_on_error=1 (set on every test by tests/CMakeLists.txt).
if(ACTIO_SANITIZE)
  add_compile_options(-fsanitize=${ACTIO_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${ACTIO_SANITIZE})
endif()

# actio_sanitized_program(target): gives an executable of actio's own (tests,
# examples, apps) the LeakSanitizer suppressions of two known CAF leaks (see
# sanitize/caf_lsan_suppressions.cpp), or ThreadSanitizer's options and
# suppressions (sanitize/tsan_defaults.cpp). Does nothing without them.
function(actio_sanitized_program target)
  if(ACTIO_SANITIZE MATCHES "address")
    target_sources(${target} PRIVATE
      ${PROJECT_SOURCE_DIR}/cmake/sanitize/caf_lsan_suppressions.cpp)
  endif()
  if(ACTIO_SANITIZE MATCHES "thread")
    target_sources(${target} PRIVATE
      ${PROJECT_SOURCE_DIR}/cmake/sanitize/tsan_defaults.cpp)
  endif()
endfunction()
