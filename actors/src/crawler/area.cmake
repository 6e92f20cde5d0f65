# SPDX-License-Identifier: Apache-2.0
# The crawler: a coordinator actor and worker tasks on actio's runtime,
# wiring actio::http_client, the crawl building blocks (frontier, robots,
# links), the state store and the JSON Lines sink.
target_link_libraries(${AREA_TARGET} PUBLIC actio::runtime actio::http
  actio_actors_crawl actio_actors_crawl_store actio::sync
  PRIVATE CURL::libcurl Asio::asio nlohmann_json::nlohmann_json)
target_compile_features(${AREA_TARGET} PUBLIC cxx_std_20)
