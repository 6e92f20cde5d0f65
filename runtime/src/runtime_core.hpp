// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/mailbox_gauge.hpp"
#include "actio/detail/task_driver.hpp"
#include "actio/metrics/metrics_registry.hpp"
#include "actio/runtime.hpp"
#include "actio/runtime_options.hpp"
#include "metrics/status_server.hpp"
#include "sharded_counter.hpp"
#include "timer_service.hpp"

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <atomic>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

namespace asio {
class io_context;
} // namespace asio

namespace actio::detail {

class signal_watch;
class user_signals;
class net_object;

/// Wakes a thread blocked in `wait_on`; shared with callbacks so that it
/// outlives the runtime if a late completion fires after close.
struct waker {
  std::atomic<std::uint32_t> epoch{0};
  void wake() noexcept {
    epoch.fetch_add(1, std::memory_order_release);
    epoch.notify_all();
  }
};

/// Everything a runtime owns. Declared here so that actio's components can
/// reach the actor system, reactor and timers of their runtime.
class runtime_core {
public:
  explicit runtime_core(runtime_options options);
  ~runtime_core();

  runtime_options options;
  /// Owned apart from the runtime: an abandoned actor system (see close)
  /// keeps using it from the threads of its blocked detached actors.
  std::unique_ptr<caf::actor_system_config> config =
      std::make_unique<caf::actor_system_config>();
  std::unique_ptr<caf::actor_system> system;
  std::unique_ptr<timer_service> timers;
  std::shared_ptr<asio::io_context> io; // shared: sockets keep it alive
  std::thread io_thread;
  caf::actor loop; // runs call_soon/call_later callbacks
  std::shared_ptr<waker> wake = std::make_shared<waker>();
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> interrupted{false};
  std::atomic<bool> closing{false};
  std::atomic<int> waiters{0};
  time_point closed_at{}; // the virtual clock's last reading, after close //
                          // threads blocked in run_* right now
  actio::runtime* owner = nullptr;
  std::unique_ptr<signal_watch> signals;
  /// Signals the program handles itself; created with the runtime.
  std::unique_ptr<user_signals> handled_signals;
  std::mutex close_hooks_mtx; // guards close_hooks only
  std::vector<unique_function<void()>> close_hooks;
  std::mutex net_mtx; // guards net_objects only
  std::vector<std::weak_ptr<net_object>> net_objects;
  std::mutex gauges_mtx; // guards gauges only
  /// Bounded mailboxes by actor control block (see actio/caf/send.hpp); an
  /// entry goes when its actor ends.
  std::unordered_map<const void*, std::shared_ptr<mailbox_gauge>> gauges;

  /// The runtime's metrics (`actio::metrics(rt)`), the pages of its status
  /// endpoint, the endpoint when `--actio-metrics` is on (stopped first
  /// thing in `close`) and the runtime's own callback series.
  metrics_registry metrics;
  std::shared_ptr<status_pages> pages = std::make_shared<status_pages>();
  std::unique_ptr<status_server> status;
  std::vector<metrics_callback> own_metrics;
  std::vector<metrics_callback> scheduler_metrics; // reset before `system`

  /// Registers the built-in metrics and `/metrics`, and starts the endpoint
  /// if asked; throws std::invalid_argument or actio::runtime_error if it
  /// cannot. Called once, by `runtime`'s constructors.
  void start_metrics();

  /// The runtime's clock (virtual under test).
  time_point now() const noexcept;

  /// The clock of the task dump's "since" and "age", in nanoseconds: the
  /// virtual clock under test, else the kernel's coarse monotonic clock
  /// (the same epoch as `clock`, a few ms resolution, a few ns to read).
  std::int64_t dump_clock_ns() const noexcept;

  /// Tasks launched, and ended by how they ended (task_actor.cpp); live is
  /// launched minus the three others.
  sharded_counter tasks_launched;
  sharded_counter tasks_succeeded;
  sharded_counter tasks_failed;
  sharded_counter tasks_cancelled;

  /// Steps and callbacks that hold a thread this long are reported
  /// (`runtime_options::slow_step` resolved); 0: off.
  std::int64_t slow_step_ns = 0;

  /// Reports a slow step (on the thread that ran it).
  void report_slow_step(const slow_step_report& r) noexcept;

  /// Calls `fn(driver)` for every task in the registry, under its lock
  /// (a driver listed here stays alive until `fn` returns).
  template <class Fn>
  void for_each_task(Fn&& fn) {
    std::lock_guard<std::mutex> guard{tasks_mtx_};
    for (auto* d = tasks_; d != nullptr; d = d->next)
      fn(*d);
  }

  /// Registry of live tasks (for all_tasks and cancel-all).
  void add_task(task_driver_base* d);
  void remove_task(task_driver_base* d);
  std::vector<state_ptr<state_base>> live_tasks();
  std::size_t cancel_all_tasks();

  /// Virtual time: runs jobs and advances the clock until `done()` holds;
  /// throws actio::runtime_error if nothing is left to run.
  template <class Pred>
  void drive(Pred done);

  /// Virtual time: one round (run at most `max_runs` jobs, else fire the
  /// next timer); false when there is nothing left to do.
  bool
  drive_once(std::size_t max_runs = std::numeric_limits<std::size_t>::max());

  /// Called on the first SIGINT/SIGTERM (on the I/O thread).
  void on_interrupt();

  void close() noexcept;

private:
  std::mutex tasks_mtx_;
  task_driver_base* tasks_ = nullptr;
  std::size_t task_count_ = 0;
  std::atomic<bool> closed_{false};
};

template <class Pred>
void runtime_core::drive(Pred done) {
  while (!done()) {
    if (!drive_once())
      throw actio::runtime_error(
          "virtual time: nothing left to run, but the awaited result is not "
          "complete (a deadlock, or it waits on something outside actio)");
  }
}

/// The kernel's coarse monotonic clock in nanoseconds (a few ms resolution,
/// a few ns to read): for the task dump and the slow-step check.
std::int64_t coarse_clock_ns() noexcept;

/// Throws actio::runtime_error naming `what` when called on a thread that
/// runs a task, a callback or an actor (blocking there stalls the
/// scheduler).
void refuse_inside_runtime(const char* what);

/// The runtime core of the process's current runtime, or null.
runtime_core* current_core() noexcept;

} // namespace actio::detail
