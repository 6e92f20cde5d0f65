// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/runtime.hpp"

#include <chrono>

namespace actio::test {

/// Options for a runtime on CAF's deterministic scheduler with a simulated
/// clock: tests that involve time never sleep.
inline runtime_options virtual_time() {
  runtime_options o;
  o.virtual_time = true;
  o.handle_signals = false;
  return o;
}

/// Options for a real-time runtime that leaves signals alone.
inline runtime_options real_time() {
  runtime_options o;
  o.handle_signals = false;
  return o;
}

/// Seconds since `start` on `rt`'s clock.
inline double elapsed(runtime& rt, time_point start) {
  return std::chrono::duration<double>(rt.time() - start).count();
}

} // namespace actio::test
