// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace actio {

/// How `runtime::dump_tasks` writes the live tasks.
enum class task_dump_format {
  /// An indented tree, one task a line, for people (`--actio-dump-signal`).
  text,
  /// One JSON object: `{"time": s, "tasks": [{"id", "name", "parent",
  /// "state", "awaiting", "since", "age", "wait_kind", "site"}...],
  /// "deadlocks": [[id, ...]...]}`; times in seconds on the runtime's
  /// clock, `parent` null for a task created outside any task.
  json,
};

} // namespace actio
