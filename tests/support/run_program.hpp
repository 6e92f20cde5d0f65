// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "support/child_process.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

namespace actio::test {

/// What a finished child process left behind.
struct program_result {
  int exit_code = -1; // -1 if killed by a signal or timed out
  int signal = 0;     // the signal that ended it, if any
  bool timed_out = false;
  std::string out;    // stdout
  std::string err;    // stderr
  double seconds = 0; // wall time
};

/// Runs `argv` with stdout and stderr captured (stderr is passed on to the
/// test's stderr once the program ended, for the logs); sends `interrupt`
/// (if non-zero) after `interrupt_after`; kills it with SIGKILL after
/// `limit`.
inline program_result run_program(
    std::vector<std::string> args, std::chrono::milliseconds limit,
    int interrupt = 0,
    std::chrono::milliseconds interrupt_after = std::chrono::milliseconds{0}) {
  using std::chrono::milliseconds;
  using clock = std::chrono::steady_clock;
  program_result r;
  auto start = clock::now();
  child_process child{std::move(args), true};
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
  r.err = child.error_output();
  std::fputs(r.err.c_str(), stderr);
  r.exit_code = child.exit_code();
  r.signal = child.term_signal();
  return r;
}

} // namespace actio::test
