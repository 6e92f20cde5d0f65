// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

// The `/tasks` document of a running actio process, and its rendering as
// a tree.
namespace actio_ps {

/// `/tasks` is not the JSON actio serves.
class malformed_tasks : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One task as `/tasks` lists it.
struct task_info {
  std::int64_t id = 0;
  std::string name;
  std::optional<std::int64_t> parent;
  std::string state; // running, ready or suspended
  std::string awaiting;
  std::string coroutine; // what the task runs; empty if not known or not sent
  double since = 0;      // seconds in this state
  double age = 0;        // seconds since created
};

/// The whole document.
struct task_snapshot {
  double time = 0; // the runtime's clock, seconds
  std::vector<task_info> tasks;
  std::vector<std::vector<std::int64_t>> deadlocks;
};

/// Parses `/tasks`; throws malformed_tasks naming what is wrong.
task_snapshot parse_tasks(const std::string& json);

/// "850ms", "12.3s", "4m05s", "2h07m".
std::string format_age(double seconds);

/// The tree, indented like pstree: a task whose parent is null or not in
/// the list (it ended) is a root; children follow their parent in id
/// order. Each line: name, [id], state, age, and what it awaits and for
/// how long. Deadlocks (cycles of tasks awaiting each other) follow.
std::string render_tree(const task_snapshot& snap);

} // namespace actio_ps
