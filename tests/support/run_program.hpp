// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "support/child_process.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>
#include <vector>

namespace actio::test {

/// What a finished child process left behind.
struct program_result {
  int exit_code = -1; // -1 if killed by a signal or timed out
  int signal = 0;     // the signal that ended it, if any
  bool timed_out = false;
  std::string out;    // stdout
  double seconds = 0; // wall time
};

/// Runs `argv` with stdout captured; sends `interrupt` (if non-zero) after
/// `interrupt_after`; kills it with SIGKILL after `limit`.
inline program_result run_program(
    std::vector<std::string> args, std::chrono::milliseconds limit,
    int interrupt = 0,
    std::chrono::milliseconds interrupt_after = std::chrono::milliseconds{0}) {
  using std::chrono::milliseconds;
  using clock = std::chrono::steady_clock;
  program_result r;
  auto start = clock::now();
  child_process child{std::move(args)};
  if (interrupt != 0 && !child.wait_exit(std::min(interrupt_after, limit)))
    child.signal(interrupt);
  auto left =
      limit - std::chrono::duration_cast<milliseconds>(clock::now() - start);
  if (!child.wait_exit(std::max(left, milliseconds{0}))) {
    child.signal(SIGKILL);
    r.timed_out = true;
    child.wait_exit(milliseconds{5000});
  }
  r.seconds = std::chrono::duration<double>(clock::now() - start).count();
  r.out = child.output();
  r.exit_code = child.exit_code();
  r.signal = child.term_signal();
  return r;
}

} // namespace actio::test
