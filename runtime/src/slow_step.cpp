// SPDX-License-Identifier: Apache-2.0
#include "actio/slow_step.hpp"

#include <chrono>

namespace actio {

namespace {

std::string place(const char* file, unsigned line) {
  return std::string{file} + ":" + std::to_string(line);
}

} // namespace

std::string to_string(const slow_step_report& r) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.held);
  std::string out = "actio: slow step: ";
  out += r.task_id != 0
             ? "task '" + r.task + "' (id " + std::to_string(r.task_id) + ")"
             : std::string{"a callback"};
  out += " held a scheduler thread for " + std::to_string(ms.count()) + " ms";
  if (r.task_id != 0) {
    out += r.resumed_file != nullptr
               ? ", from " + place(r.resumed_file, r.resumed_line)
               : std::string{", from its start"};
    out += r.suspended_file != nullptr
               ? " to " + place(r.suspended_file, r.suspended_line)
               : std::string{" to its end"};
  }
  out += " (blocking work belongs in run_in_executor)";
  return out;
}

} // namespace actio
