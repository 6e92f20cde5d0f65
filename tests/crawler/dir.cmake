# SPDX-License-Identifier: Apache-2.0
# Tests of the crawler (in process, against the demo server and the hostile
# test server of tests/support) and of the actio-crawl program (run as a
# child process: exit codes, SIGINT, SIGKILL + resume, its files; foreign
# SQLite databases are made with SQLite itself).
find_package(OpenSSL REQUIRED)
find_package(SQLite3 REQUIRED)
target_sources(${TEST_TARGET} PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/support/http_test_server.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/tls_self_signed.cpp)
target_link_libraries(${TEST_TARGET} PRIVATE actio_actors_crawler Asio::asio
  OpenSSL::SSL OpenSSL::Crypto SQLite::SQLite3)
if(TARGET actio-crawl)
  add_dependencies(${TEST_TARGET} actio-crawl)
  target_compile_definitions(${TEST_TARGET} PRIVATE
    ACTIO_CRAWL_BINARY="$<TARGET_FILE:actio-crawl>"
    ACTIO_PROJECT_VERSION="${PROJECT_VERSION}")
endif()
# redirect_chain_test.cpp pins the crawler's private redirect follower.
target_include_directories(${TEST_TARGET} PRIVATE
  ${PROJECT_SOURCE_DIR}/actors/src)
