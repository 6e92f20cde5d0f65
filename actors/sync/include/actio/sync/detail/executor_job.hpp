// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/detail/closure_actor.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"
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

// Jobs and the dispatcher's handle behind an executor_pool; users include
// actio/sync/executor_pool.hpp.
namespace actio::detail {

class executor_core;
struct executor_registry;

/// A job's shared state: cancelling it succeeds only before a worker has
/// started the job, which then never runs.
template <class V>
class executor_job_state final : public state<V> {
public:
  wait_label describe() const noexcept override { return {"executor job", 0}; }

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

/// How a worker's turn with a job ended (`started`: the worker's first
/// report, before any job).
enum class job_end : std::uint8_t { started, not_run, returned, threw };

/// A type-erased job as the dispatcher and the workers see it.
class executor_job {
public:
  executor_job() = default;
  executor_job(const executor_job&) = delete;
  executor_job& operator=(const executor_job&) = delete;
  virtual ~executor_job();

  /// Runs the job on a worker thread unless it was cancelled, and says how
  /// it ended.
  virtual job_end run() noexcept = 0;

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

  job_end run() noexcept override {
    if (!st_->begin())
      return job_end::not_run;
    auto result = job_end::returned;
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
      result = job_end::threw;
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
  closure_actor actor_;
  executor_core* core_ = nullptr; // dereferenced only on actor_
  std::size_t size_ = 0;
  promise<none> keeper_;
};

} // namespace actio::detail
