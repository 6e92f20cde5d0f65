# SPDX-License-Identifier: Apache-2.0
# The crawler's persistence (SQLite state store), JSON Lines output and the
# embedded demo website with its HTTP server (standalone asio).
target_link_libraries(${AREA_TARGET} PRIVATE SQLite::SQLite3
  nlohmann_json::nlohmann_json Asio::asio)
target_compile_features(${AREA_TARGET} PUBLIC cxx_std_20)
