# SPDX-License-Identifier: Apache-2.0
# The multi-node crawl: which node owns which host (rendezvous hashing), a
# node's router and actor, and the coordinator's actor (membership, deaths
# and hand-over, termination).
target_link_libraries(${AREA_TARGET} PUBLIC actio::runtime actio_actors_crawler
  actio_actors_crawl actio_actors_crawl_store
  PRIVATE nlohmann_json::nlohmann_json)
target_compile_features(${AREA_TARGET} PUBLIC cxx_std_20)
