# SPDX-License-Identifier: Apache-2.0
# The http engine: libcurl's multi_socket interface driven by standalone asio.
target_link_libraries(${AREA_TARGET} PRIVATE CURL::libcurl Asio::asio)
target_compile_features(${AREA_TARGET} PUBLIC cxx_std_20)
