// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/runtime.hpp"
#include "actio/sleep.hpp"
#include "actio/task.hpp"

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

/// A task that lets every ready actor run before the (virtual) clock moves
/// on by 1 ms.
inline task<void> settle() {
  co_await sleep(std::chrono::milliseconds{1});
}

/// Runs `settle()` on `rt`: every actor that can run, runs.
inline void run_all(runtime& rt) {
  rt.run_until_complete(settle());
}

/// Seconds since `start` on `rt`'s clock.
inline double elapsed(runtime& rt, time_point start) {
  return std::chrono::duration<double>(rt.time() - start).count();
}

/// Runs a coroutine test body on a fresh virtual-time runtime and returns
/// what it returns: `body(rt)` must return a `task<T>`. The body may be a
/// capturing lambda: it lives here until its task has finished. Timers of
/// any length complete at once in real time, in deadline order.
template <class Body>
auto run_on_virtual_time(Body body) {
  runtime rt{virtual_time()};
  return rt.run_until_complete(body(rt));
}

} // namespace actio::test
