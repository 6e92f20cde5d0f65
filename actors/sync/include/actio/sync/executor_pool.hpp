// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/sync/detail/sync_actor.hpp"
#include "actio/unique_function.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace actio {

class runtime;

/// The error of a job that an `executor_pool` will not run or finish: it
/// was still queued when the pool shut down (or was submitted after), or it
/// was still running at the shutdown deadline.
class executor_shutdown : public std::runtime_error {
public:
  explicit executor_shutdown(const std::string& what)
      : std::runtime_error(what) {}
};

/// How an `executor_pool` is sized.
struct executor_options {
  /// Worker threads; 0 means asyncio's default, min(32, cores + 4).
  std::size_t threads = 0;

  /// Jobs that may wait for a worker; submissions beyond it wait for room
  /// (see `executor_pool::submit`). 0 means no bound.
  std::size_t max_queued = 0;
};

/// A snapshot of an `executor_pool`'s counters.
struct executor_stats {
  std::size_t workers = 0;      ///< worker threads
  std::size_t queued = 0;       ///< jobs waiting for a worker
  std::size_t waiting_room = 0; ///< submissions waiting for queue room
  std::size_t running = 0;      ///< jobs handed to a worker, not yet done
  std::uint64_t completed = 0;  ///< jobs that ran to the end (value or throw)
  std::uint64_t failed = 0;     ///< of those, jobs that threw
  std::uint64_t cancelled = 0;  ///< jobs cancelled before they started
  std::uint64_t rejected = 0;   ///< jobs failed by shutdown
  bool shut_down = false;       ///< whether shutdown has begun
};

namespace detail {

class executor_core;
struct executor_registry;

/// A job's shared state: cancelling it succeeds only before a worker has
/// started the job, which then never runs.
template <class V>
class executor_job_state final : public state<V> {
public:
  bool request_cancel() override {
    std::uint8_t expected = queued;
    if (!phase_.compare_exchange_strong(expected, cancelled,
                                        std::memory_order_acq_rel))
      return false;
    this->set_cancelled();
    if (on_cancel)
      on_cancel();
    return true;
  }

  /// Claims the job for a worker: false if it was cancelled first.
  bool begin() noexcept {
    std::uint8_t expected = queued;
    return phase_.compare_exchange_strong(expected, running,
                                          std::memory_order_acq_rel);
  }

  /// Tells the pool's dispatcher to drop the cancelled job.
  unique_function<void()> on_cancel;

private:
  static constexpr std::uint8_t queued = 0;
  static constexpr std::uint8_t running = 1;
  static constexpr std::uint8_t cancelled = 2;
  std::atomic<std::uint8_t> phase_{queued};
};

/// A type-erased job as the dispatcher and the workers see it.
class executor_job {
public:
  executor_job() = default;
  executor_job(const executor_job&) = delete;
  executor_job& operator=(const executor_job&) = delete;
  virtual ~executor_job();

  /// Runs the job on a worker thread unless it was cancelled; returns 0 if
  /// it did not run, 1 if it returned, 2 if it threw.
  virtual int run() noexcept = 0;

  /// Fails a job that will never run.
  virtual void reject(std::exception_ptr error) noexcept = 0;

  /// Whether its future is done (cancelled jobs are dropped from the queue).
  virtual bool done() const noexcept = 0;
};

/// A job calling `Fn` and completing a `V` state with its result.
template <class V, class Fn>
class executor_job_impl final : public executor_job {
public:
  executor_job_impl(Fn fn, state_ptr<executor_job_state<V>> st)
      : fn_(std::move(fn)), st_(std::move(st)) {}

  /// A job dropped unrun (its pool is gone) fails its future.
  ~executor_job_impl() override {
    if (!st_->done())
      st_->set_exception(std::make_exception_ptr(
          executor_shutdown("executor pool ended before running the job")));
  }

  int run() noexcept override {
    if (!st_->begin())
      return 0;
    int result = 1;
    try {
      if constexpr (std::is_same_v<V, none> &&
                    std::is_void_v<std::invoke_result_t<Fn&>>) {
        fn_();
        st_->set_value(none{});
      } else {
        st_->set_value(fn_());
      }
    } catch (...) {
      st_->set_exception(std::current_exception());
      result = 2;
    }
    return result;
  }

  void reject(std::exception_ptr error) noexcept override {
    st_->set_exception(std::move(error));
  }

  bool done() const noexcept override { return st_->done(); }

private:
  Fn fn_;
  state_ptr<executor_job_state<V>> st_;
};

/// What an `executor_pool` handle shares: the dispatcher actor.
class executor_handle {
public:
  /// Spawns the dispatcher and its workers on `rt`, plus a keeper task
  /// that the runtime's close cancels: that shuts the pool down and calls
  /// `on_close`.
  executor_handle(runtime& rt, executor_options opts,
                  unique_function<void(const executor_handle*)> on_close = {});
  executor_handle(const executor_handle&) = delete;
  executor_handle& operator=(const executor_handle&) = delete;
  /// Lets running jobs finish, fails queued ones, and ends the workers.
  ~executor_handle();

  /// Hands `job` to the dispatcher (thread-safe).
  void submit(std::shared_ptr<executor_job> job);

  /// What a cancelled job's state calls: tells the dispatcher to drop it.
  unique_function<void()> cancel_notifier() const;

  /// See `executor_pool::shutdown`.
  future<bool> shutdown(duration deadline);

  /// See `executor_pool::stats`.
  future<executor_stats> stats();

  /// The number of workers.
  std::size_t size() const noexcept { return size_; }

private:
  sync_actor actor_;
  executor_core* core_ = nullptr; // dereferenced only on actor_
  std::size_t size_ = 0;
  promise<none> keeper_;
};

} // namespace detail

/// A pool of blocking workers (asyncio's `loop.run_in_executor` with a
/// ThreadPoolExecutor): N CAF actors, each detached on its own thread, pull
/// jobs one at a time from a dispatcher actor that owns the job queue, the
/// counters and the shutdown. Blocking calls (files, blocking sockets,
/// CPU-heavy work) go here so that they never stall the cooperative
/// scheduler that runs tasks.
///
/// Copies of a handle share one pool. When the last handle goes, or the
/// runtime closes, the pool shuts down: queued jobs fail with
/// `executor_shutdown`, running ones finish on their threads. A worker
/// stuck in a job never hangs the runtime's `close()`: it is abandoned
/// after the runtime's shutdown timeout. Needs a real-time runtime (the
/// virtual clock cannot drive threads): construction on a virtual-time
/// runtime throws actio::runtime_error.
class executor_pool {
public:
  /// A pool on the calling task's runtime (else the current one).
  explicit executor_pool(executor_options opts = {});

  /// A pool on `rt`.
  explicit executor_pool(runtime& rt, executor_options opts = {});

  /// Runs `fn(args...)` on a worker and returns its future, completed on
  /// the worker's thread with the result or the exception it threw.
  /// Arguments are moved into the job. The job waits in FIFO order for a
  /// worker; with `max_queued` set and the queue full, the submission
  /// first waits (in order) for room: the returned future then simply
  /// completes later, so a producer that awaits its jobs is paced by the
  /// pool. Cancelling the future before a worker starts the job means it
  /// never runs; once started, cancel() returns false and the job runs to
  /// its end (a task awaiting it still ends cancelled). After shutdown the
  /// future fails at once with `executor_shutdown`.
  template <class Fn, class... Args>
  auto submit(Fn&& fn, Args&&... args) {
    using R = std::invoke_result_t<std::decay_t<Fn>&, std::decay_t<Args>...>;
    using V = value_or_none<R>;
    auto call =
        [fn = std::forward<Fn>(fn),
         args = std::make_tuple(std::forward<Args>(args)...)]() mutable -> R {
      return std::apply(fn, std::move(args));
    };
    auto st = detail::make_state<detail::executor_job_state<V>>();
    st->on_cancel = handle_->cancel_notifier();
    handle_->submit(
        std::make_shared<detail::executor_job_impl<V, decltype(call)>>(
            std::move(call), st));
    return future<V>{detail::state_ptr<detail::state<V>>(std::move(st))};
  }

  /// Stops taking jobs: later submissions and every job still queued fail
  /// with `executor_shutdown`; running jobs get until `deadline` (from now)
  /// to finish, after which their futures fail with `executor_shutdown`
  /// while their threads are left to end on their own. Completes (on the
  /// dispatcher) with true if every running job finished in time. Calling
  /// it again just reports the same outcome.
  future<bool> shutdown(duration deadline);

  /// The counters, as of when the dispatcher handles the request.
  future<executor_stats> stats();

  /// The number of worker threads.
  std::size_t size() const noexcept { return handle_->size(); }

  /// Whether both handles refer to the same pool.
  friend bool operator==(const executor_pool& a,
                         const executor_pool& b) noexcept {
    return a.handle_ == b.handle_;
  }

private:
  friend struct detail::executor_registry;
  explicit executor_pool(std::shared_ptr<detail::executor_handle> handle);

  std::shared_ptr<detail::executor_handle> handle_;
};

/// A handle to the default pool of `rt` (asyncio's default executor),
/// created on first use with `executor_options{}` unless
/// `set_default_executor` installed one, and shut down when the runtime
/// closes. Thread-safe.
executor_pool default_executor(runtime& rt);

/// Replaces the default pool of `rt` with a new one built from `opts`
/// (asyncio's `loop.set_default_executor`); the previous pool keeps running
/// the jobs it has and ends with its last handle. Thread-safe.
void set_default_executor(runtime& rt, executor_options opts);

/// Runs `fn(args...)` on the default pool of the calling task's runtime
/// (else the current one): asyncio's `loop.run_in_executor(None, fn,
/// *args)`. See `executor_pool::submit`.
template <class Fn, class... Args>
auto run_in_executor(Fn&& fn, Args&&... args) {
  return default_executor(detail::sync_ambient_runtime())
      .submit(std::forward<Fn>(fn), std::forward<Args>(args)...);
}

} // namespace actio
