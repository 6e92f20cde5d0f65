# SPDX-License-Identifier: Apache-2.0
# Tests of the http engine and actio::http_client, and the hostile local
# HTTP(S) server they run against.
# zlib compresses the server's gzip route when its headers are installed
# (zlib1g-dev); without them the server writes stored-block gzip instead.
find_package(OpenSSL REQUIRED)
find_package(ZLIB)
target_sources(${TEST_TARGET} PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/support/http_test_server.cpp
  ${CMAKE_CURRENT_SOURCE_DIR}/support/tls_self_signed.cpp)
target_link_libraries(${TEST_TARGET} PRIVATE
  actio::http Asio::asio OpenSSL::SSL
  OpenSSL::Crypto)
if(ZLIB_FOUND)
  target_link_libraries(${TEST_TARGET} PRIVATE ZLIB::ZLIB)
  target_compile_definitions(${TEST_TARGET} PRIVATE ACTIO_TEST_HAVE_ZLIB)
endif()
# HTTP/2 against a real server: only when nginx (nginx-light) is installed.
find_program(ACTIO_NGINX nginx PATHS /usr/sbin /sbin)
if(ACTIO_NGINX)
  target_compile_definitions(${TEST_TARGET} PRIVATE
    ACTIO_TEST_NGINX="${ACTIO_NGINX}")
endif()
