# SPDX-License-Identifier: Apache-2.0
# Tests of the multi-node crawl: the host partition and cluster messages in
# process, and actio-crawl --listen/--join as three child processes
# crawling demo servers on 127.0.0.1, with and without a SIGKILL.
target_link_libraries(${TEST_TARGET} PRIVATE actio_actors_crawl_cluster)
if(TARGET actio-crawl)
  add_dependencies(${TEST_TARGET} actio-crawl)
  target_compile_definitions(${TEST_TARGET} PRIVATE
    ACTIO_CRAWL_BINARY="$<TARGET_FILE:actio-crawl>")
endif()
