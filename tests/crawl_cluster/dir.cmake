# SPDX-License-Identifier: Apache-2.0
# Tests of the multi-node crawl: the host partition and cluster messages in
# process, and actio-crawl --listen/--join as three child processes
# crawling demo servers on 127.0.0.1, with and without a SIGKILL, plain and
# with TLS (a throw-away CA), and their file checks (a foreign SQLite
# database is made with SQLite itself).
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
target_sources(${TEST_TARGET} PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/support/tls_test_ca.cpp)
target_link_libraries(${TEST_TARGET} PRIVATE actio_actors_crawl_cluster
  OpenSSL::SSL OpenSSL::Crypto SQLite::SQLite3)
if(TARGET actio-crawl)
  add_dependencies(${TEST_TARGET} actio-crawl)
  target_compile_definitions(${TEST_TARGET} PRIVATE
    ACTIO_CRAWL_BINARY="$<TARGET_FILE:actio-crawl>")
endif()
