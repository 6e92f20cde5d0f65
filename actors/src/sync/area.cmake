# SPDX-License-Identifier: Apache-2.0
# Synchronisation and communication actors: queue, semaphore, cache, counter
# and the blocking-worker executor pool.
target_link_libraries(${AREA_TARGET} PUBLIC actio::runtime)
target_compile_features(${AREA_TARGET} PUBLIC cxx_std_20)
