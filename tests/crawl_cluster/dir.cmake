# SPDX-License-Identifier: Apache-2.0
target_link_libraries(${TEST_TARGET} PRIVATE actio_actors_crawl_cluster)
