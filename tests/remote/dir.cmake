# SPDX-License-Identifier: Apache-2.0
# Remote actors over CAF's middleman: option checks, TLS with a throw-away
# CA, and peers that die (a forked child killed with SIGKILL or stopped with
# SIGSTOP, or a second runtime closed in process).
find_package(OpenSSL REQUIRED)
target_sources(${TEST_TARGET} PRIVATE
  ${CMAKE_CURRENT_SOURCE_DIR}/support/tls_test_ca.cpp)
target_link_libraries(${TEST_TARGET} PRIVATE actio::runtime CAF::io
  OpenSSL::SSL OpenSSL::Crypto)
