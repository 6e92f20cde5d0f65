# SPDX-License-Identifier: Apache-2.0
# The crawler in process, against the demo server and the hostile test
# server of tests/support.
target_link_libraries(${TEST_TARGET} PRIVATE actio::crawler actio::crawl_demo
  Asio::asio)
# redirect_chain_test.cpp pins the crawler's private redirect follower.
target_include_directories(${TEST_TARGET} PRIVATE
  ${PROJECT_SOURCE_DIR}/actors/crawl/crawler/src)
