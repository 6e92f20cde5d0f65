# SPDX-License-Identifier: Apache-2.0
# The multi-node crawl's host partition and messages, in process.
target_link_libraries(${TEST_TARGET} PRIVATE actio::crawl_cluster)
