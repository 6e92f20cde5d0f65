# SPDX-License-Identifier: Apache-2.0
# Streams and servers (plain and TLS) on 127.0.0.1; the TLS tests generate a
# self-signed certificate with OpenSSL.
find_package(OpenSSL REQUIRED)
target_sources(${TEST_TARGET} PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/support/tls_self_signed.cpp)
target_link_libraries(${TEST_TARGET} PRIVATE
  actio::runtime OpenSSL::SSL OpenSSL::Crypto)
# tls_context_cache_test.cpp looks at the runtime's private TLS context cache.
find_package(Asio REQUIRED)
target_include_directories(${TEST_TARGET} PRIVATE ${PROJECT_SOURCE_DIR}/runtime/src)
target_link_libraries(${TEST_TARGET} PRIVATE Asio::asio)
