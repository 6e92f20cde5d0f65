// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/task_dump.hpp"

#include <cstdint>
#include <string>
#include <vector>

// The task dump: a picture of every live task of a runtime.
namespace actio::detail {

class runtime_core;
class task_driver_base;

/// One live task as the dump shows it.
struct task_row {
  std::uint64_t id = 0;
  std::string name;
  std::uint64_t parent = 0; // 0: created outside any task
  const char* state = "ready";
  const char* wait_kind = nullptr; // null unless suspended
  std::uint64_t wait_id = 0;
  std::int64_t since_ns = 0;
  std::int64_t created_ns = 0;
  const char* site_file = nullptr;
  unsigned site_line = 0;
  /// The coroutine the task runs; null if not known.
  const char* coro_function = nullptr;
  const char* coro_file = nullptr;
  unsigned coro_line = 0;
};

/// Reads the row of the task `d` drives (task_actor.cpp); called under the
/// registry's lock, on any thread.
task_row row_of(task_driver_base& d);

/// The chains of tasks that await each other in a circle, each listed
/// from its smallest id.
std::vector<std::vector<std::uint64_t>>
find_await_cycles(const std::vector<task_row>& rows);

/// Every live task of `rt`, as text or JSON (see task_dump_format). Any
/// thread; takes the registry's lock while it reads.
std::string dump_tasks(runtime_core& rt, task_dump_format format);

} // namespace actio::detail
