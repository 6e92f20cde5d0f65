# SPDX-License-Identifier: Apache-2.0
# actio::http_client: the http engine on the runtime's reactor, with futures
# that tasks await.
target_link_libraries(${AREA_TARGET} PUBLIC actio::runtime actio_actors_http)
target_compile_features(${AREA_TARGET} PUBLIC cxx_std_20)
