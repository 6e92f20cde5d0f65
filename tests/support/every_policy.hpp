// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/runtime_options.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <cstddef>

/// Repeats the enclosing test case once for each scheduler policy (a Catch2
/// generator): a race that one policy's timing hides shows under another.
#define ACTIO_EVERY_SCHEDULER_POLICY()                                         \
  GENERATE(actio::scheduler_policy::handoff, actio::scheduler_policy::sharing, \
           actio::scheduler_policy::stealing)

namespace actio::test {

/// Options for a real-time runtime under `policy` with `threads` workers,
/// signals left alone.
inline runtime_options real_time(scheduler_policy policy,
                                 std::size_t threads = 2) {
  auto o = real_time();
  o.policy = policy;
  o.threads = threads;
  return o;
}

} // namespace actio::test
