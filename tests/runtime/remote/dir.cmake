# SPDX-License-Identifier: Apache-2.0
# Remote actors over CAF's middleman: option checks, TLS with a throw-away
# CA, and peers that die (a forked child killed with SIGKILL or stopped with
# SIGSTOP, or a second runtime closed in process).
target_link_libraries(${TEST_TARGET} PRIVATE CAF::io)
