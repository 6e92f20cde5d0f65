// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/remote/remote_options.hpp"

#include <chrono>
#include <cstddef>
#include <string>

namespace actio {

/// How CAF's scheduler shares work between its threads.
enum class scheduler_policy {
  /// One shared queue: workers sleep when idle. actio's default: measured
  /// here 8x faster than `stealing` on timer-heavy loads, whose idle
  /// workers spin in `take_tail`/`sched_yield`.
  sharing,
  /// CAF 0.17's default work stealing.
  stealing,
};

/// Everything a runtime can be configured with. Each field can also be set
/// on the command line (`--actio-<name>=value`) or in the environment
/// (`ACTIO_<NAME>=value`); the command line wins over the environment,
/// which wins over the values set in code.
struct runtime_options {
  /// `--actio-scheduler=sharing|stealing`.
  scheduler_policy policy = scheduler_policy::sharing;

  /// `--actio-threads=N`: scheduler threads; 0 means one per core (at
  /// least 2).
  std::size_t threads = 0;

  /// `--actio-max-throughput=N`: messages an actor may handle before it
  /// yields its thread; 0 keeps CAF's default (unbounded).
  std::size_t max_throughput = 0;

  /// `--actio-virtual-time`: CAF's deterministic test scheduler with a
  /// simulated clock. `run_until_complete` then runs every ready actor and
  /// jumps the clock to the next timer instead of waiting, so a program that
  /// sleeps for hours finishes at once, in a reproducible order.
  bool virtual_time = false;

  /// `--actio-no-signals`: leave SIGINT and SIGTERM alone.
  bool handle_signals = true;

  /// A runtime that a component runs privately beside the program's own
  /// (the crawler's demo server does): it never becomes
  /// `runtime::current()` (so actio calls made outside any task keep going
  /// to the program's runtime), reads no `ACTIO_*` environment variables
  /// and leaves signals alone. Code only: no command-line or environment
  /// name.
  bool embedded = false;

  /// `--actio-shutdown-timeout=MS`: how long `close()` waits for tasks to
  /// react to cancellation before it kills their actors, and then for the
  /// actors to end before it abandons them.
  duration shutdown_timeout = std::chrono::seconds(1);

  /// Remote actors (`--actio-remote=...`, `--actio-tls-*`,
  /// `--actio-heartbeat-interval`, `--actio-connection-timeout`); off by
  /// default, so a runtime that does not ask loads no network module.
  remote_options remote;

  /// Applies `ACTIO_*` environment variables. Throws `std::invalid_argument`
  /// on a malformed value.
  void read_environment();

  /// Applies `--actio-*` arguments and removes them from argv (so that the
  /// program's own parser never sees them). Throws `std::invalid_argument`
  /// on a malformed or unknown `--actio-` argument.
  void read_command_line(int& argc, char** argv);

  /// The effective number of scheduler threads.
  std::size_t effective_threads() const noexcept;
};

/// "sharing" or "stealing".
std::string to_string(scheduler_policy policy);

} // namespace actio
