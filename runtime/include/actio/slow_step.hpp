// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"

#include <cstdint>
#include <string>

namespace actio {

/// A task step or a callback that held a scheduler thread longer than
/// `runtime_options::slow_step` (asyncio's "Executing <Task ...> took 0.3
/// seconds" in debug mode, Seastar's stall report). Blocking work belongs
/// in an executor (`run_in_executor`), whose jobs are never reported.
struct slow_step_report {
  /// The task's name and id; empty and 0 for a callback (`call_soon`,
  /// `call_later`, a closure actor's message).
  std::string task;
  std::uint64_t task_id = 0;
  /// How long the thread was held (the wall clock, also under virtual time).
  duration held{};
  /// The `co_await` the step resumed from (null file: the task's start) and
  /// the one it suspended at (null file: the task ended in this step).
  const char* resumed_file = nullptr;
  unsigned resumed_line = 0;
  const char* suspended_file = nullptr;
  unsigned suspended_line = 0;
};

/// One line describing `r`: "actio: slow step: task 'fetch' (id 12) held
/// a scheduler thread for 312 ms, from main.cpp:40 to main.cpp:52".
std::string to_string(const slow_step_report& r);

} // namespace actio
