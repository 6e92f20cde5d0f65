# SPDX-License-Identifier: Apache-2.0
# Streams and servers (plain and TLS) on 127.0.0.1; the TLS tests generate a
# self-signed certificate with OpenSSL.
find_package(OpenSSL REQUIRED)
target_link_libraries(${TEST_TARGET} PRIVATE OpenSSL::SSL OpenSSL::Crypto)
# tls_context_cache_test.cpp looks at the runtime's private TLS context cache.
target_include_directories(${TEST_TARGET} PRIVATE ${PROJECT_SOURCE_DIR}/runtime/src)
target_link_libraries(${TEST_TARGET} PRIVATE Asio::asio)
# stream_test.cpp reads the task dump's JSON form back.
find_package(nlohmann_json 3 REQUIRED)
target_link_libraries(${TEST_TARGET} PRIVATE nlohmann_json::nlohmann_json)
