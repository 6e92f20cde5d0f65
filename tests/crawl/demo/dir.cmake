# SPDX-License-Identifier: Apache-2.0
# The demo site, its server and the check of a crawl against it.
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
target_link_libraries(${TEST_TARGET} PRIVATE actio::crawl_demo
  SQLite::SQLite3 nlohmann_json::nlohmann_json)
