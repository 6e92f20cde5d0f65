# SPDX-License-Identifier: Apache-2.0
# The multi-node crawl: which node owns which host (rendezvous hashing) and
# the coordinator's membership actor (joins, deaths, views).
target_link_libraries(${AREA_TARGET} PUBLIC actio::runtime)
target_compile_features(${AREA_TARGET} PUBLIC cxx_std_20)
