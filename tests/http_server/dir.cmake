# SPDX-License-Identifier: Apache-2.0
# The HTTP server's request parser (pure) and the server on 127.0.0.1,
# with hostile clients written with plain POSIX sockets; the TLS test uses
# the self-signed certificates of tests/support.
find_package(OpenSSL REQUIRED)
target_link_libraries(${TEST_TARGET} PRIVATE
  actio::http_server OpenSSL::SSL OpenSSL::Crypto)
