# SPDX-License-Identifier: Apache-2.0
# Queue, semaphore, lock, event, condition, barrier, cache, counter and
# executor pool; also runs examples 07, 08 and 17 when they are built.
target_link_libraries(${TEST_TARGET} PRIVATE actio::sync)
foreach(name 07_executor 08_sync_and_communication 17_sync_primitives)
  if(TARGET example_${name})
    add_dependencies(${TEST_TARGET} example_${name})
  endif()
endforeach()
target_compile_definitions(${TEST_TARGET} PRIVATE
  ACTIO_EXAMPLES_DIR="${CMAKE_BINARY_DIR}/examples")
