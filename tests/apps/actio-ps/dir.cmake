# SPDX-License-Identifier: Apache-2.0
# The actio-ps program run as a child process against test servers that
# serve /tasks documents: the tree, malformed JSON, a server that is not
# actio's, an unreachable port, --watch.
add_dependencies(${TEST_TARGET} actio-ps)
target_compile_definitions(${TEST_TARGET} PRIVATE
  ACTIO_PS_BINARY="$<TARGET_FILE:actio-ps>")
# ... and against example 21, running, with its endpoint on.
if(TARGET example_21_task_tree)
  add_dependencies(${TEST_TARGET} example_21_task_tree)
  target_compile_definitions(${TEST_TARGET} PRIVATE
    ACTIO_EXAMPLE_21="$<TARGET_FILE:example_21_task_tree>")
endif()
