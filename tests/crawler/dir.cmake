# SPDX-License-Identifier: Apache-2.0
# Tests of the crawler (in process, against the demo server) and of the
# actio-crawl program (run as a child process: SIGINT, SIGKILL + resume).
target_link_libraries(${TEST_TARGET} PRIVATE actio_actors_crawler)
if(TARGET actio-crawl)
  add_dependencies(${TEST_TARGET} actio-crawl)
  target_compile_definitions(${TEST_TARGET} PRIVATE
    ACTIO_CRAWL_BINARY="$<TARGET_FILE:actio-crawl>")
endif()
