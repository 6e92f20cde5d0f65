# SPDX-License-Identifier: Apache-2.0
# The http engine and actio::http::client against the hostile local HTTP(S)
# server of tests/support.
target_link_libraries(${TEST_TARGET} PRIVATE actio::http Asio::asio)
# HTTP/2 against a real server: only when nginx (nginx-light) is installed.
find_program(ACTIO_NGINX nginx PATHS /usr/sbin /sbin)
if(ACTIO_NGINX)
  target_compile_definitions(${TEST_TARGET} PRIVATE
    ACTIO_TEST_NGINX="${ACTIO_NGINX}")
endif()
