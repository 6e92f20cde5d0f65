# SPDX-License-Identifier: Apache-2.0
# The actio-crawl program run as child processes: exit codes, messages, file
# checks, SIGINT, SIGKILL + resume; and the multi-node crawl (--listen /
# --join) as three processes crawling demo servers on 127.0.0.1, with and
# without a SIGKILL, plain and with TLS (a throw-away CA).
find_package(SQLite3 REQUIRED)
target_link_libraries(${TEST_TARGET} PRIVATE actio::crawler actio::crawl_demo
  actio::crawl_cluster SQLite::SQLite3)
add_dependencies(${TEST_TARGET} actio-crawl)
target_compile_definitions(${TEST_TARGET} PRIVATE
  ACTIO_CRAWL_BINARY="$<TARGET_FILE:actio-crawl>"
  ACTIO_PROJECT_VERSION="${PROJECT_VERSION}")
