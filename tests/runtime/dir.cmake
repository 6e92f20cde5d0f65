# SPDX-License-Identifier: Apache-2.0
target_link_libraries(${TEST_TARGET} PRIVATE actio::runtime)
# The task dump's JSON form is read back with nlohmann's parser (tests only).
find_package(nlohmann_json 3 REQUIRED)
target_link_libraries(${TEST_TARGET} PRIVATE nlohmann_json::nlohmann_json)
