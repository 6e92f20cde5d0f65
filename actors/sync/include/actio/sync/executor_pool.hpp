// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/detail/closure_actor.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"
#include "actio/sync/detail/executor_job.hpp"
#include "actio/sync/executor_options.hpp"
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
