# SPDX-License-Identifier: Apache-2.0
# Runs the example programs and checks what they print. The service
# examples run over TLS with a certificate the test generates.
file(GLOB _example_srcs ${PROJECT_SOURCE_DIR}/examples/[0-9][0-9]_*.cpp)
foreach(src IN LISTS _example_srcs)
  get_filename_component(name ${src} NAME_WE)
  if(TARGET example_${name})
    add_dependencies(${TEST_TARGET} example_${name})
  endif()
endforeach()
target_compile_definitions(${TEST_TARGET} PRIVATE
  ACTIO_EXAMPLES_DIR="${CMAKE_BINARY_DIR}/examples")
