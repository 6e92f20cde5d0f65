// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "scheduler/run_queues.hpp"

#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/execution_unit.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

// actio's scheduler for CAF 0.17, named `handoff` after its run-next slot
// (Go's `runnext`, Tokio's LIFO slot): an actor made runnable by a worker
// runs next on that same worker, so a request and its response, or two
// tasks handing values back and forth, stay on one thread with no wake-up.
// Besides the slot, each worker has a bounded local queue that idle workers
// steal half of; threads outside the scheduler go through one injection
// queue. Idle workers park on a futex (no spinning) and are woken one at a
// time, only when a job is waiting that a parked worker could take.
//
// It is a coordinator of its own rather than a policy for CAF's
// `coordinator<Policy>`: that template's worker loop runs a `dynamic_cast`
// and a logger lookup under a shared spinlock per job (Debian's CAF is built
// with logging), a sixth of the time of a request/response measured here.
namespace actio::detail::sched {

class handoff_coordinator;

/// One worker thread of the handoff scheduler.
class handoff_worker final : public caf::execution_unit {
public:
  handoff_worker(handoff_coordinator& parent, std::size_t id);

  /// Makes `job` runnable: on this worker's own thread it goes to the
  /// run-next slot; from any other thread to the injection queue.
  void exec_later(caf::resumable* job) override;

  std::size_t id() const noexcept { return id_; }

private:
  friend class handoff_coordinator;

  /// The worker's loop: runs jobs until the coordinator stops.
  void run();

  /// The next job to run, parking while there is none; null once stopping.
  caf::resumable* dequeue();

  /// Puts `job` into the run-next slot (calling thread = this worker); a
  /// job it displaces goes to the local queue and may wake an idle worker.
  void hand_off(caf::resumable* job);

  /// Appends to the local queue; when full, half of it and `job` go to the
  /// injection queue.
  void push_local(caf::resumable* job);

  /// The next job from the run-next slot, the local queue or the injection
  /// queue.
  caf::resumable* next_local();

  /// Takes half of another worker's local queue.
  caf::resumable* steal();

  /// Looks for work for up to `spin_time` before parking, counted as a
  /// searcher (so that producers meanwhile wake nobody), unless half the
  /// workers are searching already or no other worker is running a job
  /// (then new work can only come from another thread, which wakes a
  /// parked worker: spinning would only take the CPU that thread needs);
  /// returns the job found, else null.
  caf::resumable* spin();

  /// Parks until a job may be waiting; returns a job taken on the way (a
  /// stuck worker's run-next job), else null.
  caf::resumable* wait_for_work();

  /// A worker woken to search found a job: the last searcher wakes the next
  /// parked worker if more jobs are waiting.
  void found_work();

  handoff_coordinator& parent_;
  std::size_t id_;
  std::thread thread_;
  /// The job to run next; taken by this worker, or by an idle worker once
  /// this one has been stuck in one job for a while.
  std::atomic<caf::resumable*> run_next_{nullptr};
  /// Jobs started (read by idle workers to see whether this one is stuck).
  std::atomic<std::uint64_t> ticks_{0};
  local_queue queue_;
  parker park_;
  unsigned streak_ = 0;
  bool searching_ = false;
  std::uint32_t rng_;
};

/// The handoff scheduler: `threads` workers (CAF's `scheduler.max-threads`,
/// each resuming an actor for at most `scheduler.max-throughput` messages)
/// plus CAF's clock thread for delayed messages and CAF's own request
/// timeouts.
class handoff_coordinator final : public caf::scheduler::abstract_coordinator {
public:
  /// A run-next job is taken at most this many times in a row while other
  /// jobs wait in the worker's queues; then it goes to the back of the
  /// local queue (two actors handing off to each other cannot starve the
  /// rest).
  static constexpr unsigned max_run_next_streak = 8;

  /// Every this many jobs, a worker looks at the injection queue before its
  /// own queues (jobs of foreign threads are not starved by local work).
  static constexpr std::uint64_t injector_interval = 61;

  /// How long an idle worker lets a busy worker's run-next job wait before
  /// it takes that job.
  static constexpr std::chrono::microseconds stuck_wait{1000};

  /// How long a worker that ran out of work keeps looking before it parks
  /// (Go's spinning M): a job displaced from a busy worker's run-next slot
  /// every microsecond or so is then picked up without a futex wake-up and
  /// a context switch each time. Idle, this costs one such spin per burst
  /// of work.
  static constexpr std::chrono::microseconds spin_time{50};

  explicit handoff_coordinator(caf::actor_system& sys);
  ~handoff_coordinator() override;

  /// For `actor_system_config::module_factories`.
  static caf::actor_system::module* make(caf::actor_system& sys);

  /// From a worker of this scheduler: its run-next slot; from any other
  /// thread: the injection queue (waking a parked worker if needed).
  void enqueue(caf::resumable* job) override;

  caf::detail::thread_safe_actor_clock& clock() noexcept override;

  /// Jobs waiting in the workers' local queues (run-next slots included),
  /// read from any thread: a moment's approximation, for metrics.
  std::size_t local_queued() const noexcept;

  /// Jobs waiting in the injection queue (from other threads).
  std::size_t injected_queued() const noexcept { return inject_.size(); }

  /// Workers parked or about to park.
  std::size_t parked() const noexcept {
    auto n = sleeping_.load(std::memory_order_relaxed);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }

  /// Times a worker went idle to park, since the start.
  std::uint64_t parks() const noexcept {
    return parks_.load(std::memory_order_relaxed);
  }

protected:
  void start() override;
  void stop() override;

private:
  friend class handoff_worker;

  /// Queues a job from a thread that is not one of the workers.
  void inject(caf::resumable* job);

  /// Wakes one parked worker if any is parked and none is searching.
  void notify_one();

  /// Lists `w` as idle; false if work showed up meanwhile (then `w` is not
  /// listed, or was woken and is searching).
  bool enter_idle(handoff_worker& w);

  /// Removes `w` from the idle list; false if a notifier took it off first
  /// (and unparks it).
  bool leave_idle(handoff_worker& w);

  /// Whether any queue holds a job (run-next slots excepted).
  bool work_visible() const noexcept;

  /// How many jobs to take from the injection queue at once.
  std::size_t batch() const noexcept;

  caf::detail::thread_safe_actor_clock clock_;
  std::thread clock_thread_;
  std::vector<std::unique_ptr<handoff_worker>> workers_;
  injector inject_;
  /// Workers listed in `idle_` (parked or about to park).
  std::atomic<int> sleeping_{0};
  /// Workers woken to look for work that have not found any yet.
  std::atomic<int> searching_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> parks_{0};
  std::mutex idle_mtx_; // guards idle_
  std::vector<handoff_worker*> idle_;
};

} // namespace actio::detail::sched
