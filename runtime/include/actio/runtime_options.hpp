// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/remote/remote_options.hpp"
#include "actio/slow_step.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace actio {

/// How the scheduler shares work between its threads (see
/// docs/scheduler.md).
enum class scheduler_policy {
  /// CAF 0.17's one shared queue: workers sleep when idle, and every
  /// hand-off between actors goes through its mutex and condition variable.
  sharing,
  /// CAF 0.17's default work stealing: idle workers poll (measured here 8x
  /// slower than `sharing` on timer-heavy loads).
  stealing,
  /// actio's own scheduler, the default: an actor made runnable by a
  /// worker runs next on that worker (a run-next slot), per-worker queues
  /// with stealing, one injection queue for other threads, and idle
  /// workers parked on a futex, woken one at a time only for waiting work.
  handoff,
};

/// Everything a runtime can be configured with. Each field can also be set
/// on the command line (`--actio-<name>=value`) or in the environment
/// (`ACTIO_<NAME>=value`); the command line wins over the environment,
/// which wins over the values set in code.
struct runtime_options {
  /// `--actio-scheduler=sharing|stealing|handoff`.
  scheduler_policy policy = scheduler_policy::handoff;

  /// `--actio-threads=N`: scheduler threads; 0 means one per core (at
  /// least 2).
  std::size_t threads = 0;

  /// `--actio-max-throughput=N`: messages an actor may handle before it
  /// yields its thread; 0 keeps the policy's default (CAF's unbounded for
  /// `sharing` and `stealing`, 128 for `handoff`).
  std::size_t max_throughput = 0;

  /// `--actio-mailbox-limit=N`: how many messages sent with `actio::send`
  /// (and the sync actors' awaitable sends) an actor's mailbox may hold
  /// before senders wait for it to drain; 0 means unbounded. An actor's own
  /// limit (`set_mailbox_limit`) wins. Plain CAF sends are never counted.
  std::size_t mailbox_limit = 4096;

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

  /// `--actio-slow-step=100ms`: report every task step or callback that
  /// holds a scheduler thread at least this long (see `slow_step_report`);
  /// zero turns it off. Negative (the default) means 100 ms in a debug
  /// build of actio (without NDEBUG) and off otherwise. Accepts `us`, `ms`
  /// and `s` (a plain number is milliseconds).
  duration slow_step{-1};

  /// Where slow steps are reported, on the thread that ran the step, right
  /// after it; by default a line on stderr (`to_string(report)`). Code
  /// only.
  std::function<void(const slow_step_report&)> on_slow_step;

  /// `--actio-dump-signal=SIGUSR1`: print the task dump
  /// (`runtime::dump_tasks`) to stderr each time this signal arrives, as a
  /// JVM prints its threads on SIGQUIT. Printed from the runtime's I/O
  /// thread, so it shows a program whose scheduler threads are all stuck.
  /// 0 (the default) installs nothing.
  int dump_signal = 0;

  /// `--actio-metrics=HOST:PORT`: serve `/metrics` (the Prometheus text
  /// format) and the runtime's status pages over HTTP on this address, from
  /// a thread of the runtime's own (see docs/observability.md); port 0
  /// picks a free one (`actio::metrics_address` tells which). Empty, the
  /// default, serves nothing. HOST is an IP address or `localhost`, and
  /// must be a loopback address unless `metrics_public` is set.
  std::string metrics_address;

  /// `--actio-metrics-public`: allow a `metrics_address` that is not a
  /// loopback address (the pages carry task names and counts, and the
  /// endpoint has no authentication).
  bool metrics_public = false;

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

/// "sharing", "stealing" or "handoff".
std::string to_string(scheduler_policy policy);

} // namespace actio
