# SPDX-License-Identifier: Apache-2.0
# The state store, JSON Lines output and file locks; the tests open state
# files with SQLite and parse output lines with nlohmann-json directly to
# check what the library wrote.
find_package(SQLite3 REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
target_link_libraries(${TEST_TARGET} PRIVATE actio::crawl_store
  SQLite::SQLite3 nlohmann_json::nlohmann_json)
