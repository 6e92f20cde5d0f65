// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/future_state.hpp"
#include "actio/detail/task_context.hpp"
#include "actio/outcome.hpp"

#include <coroutine>
#include <functional>
#include <utility>

namespace actio {

template <class T>
class future;

namespace detail {

/// The shared state behind `f` (for actio's combinators and components).
template <class T>
const state_ptr<state<T>>& state_of(const future<T>& f) noexcept;

} // namespace detail

/// A handle to a result that some producer completes exactly once: a task,
/// an executor job, a combinator or a `promise` (asyncio's Future and Task).
/// Handles are cheap to copy and safe to use from any thread; the result
/// lives as long as any handle does.
template <class T>
class future {
public:
  using value_type = T;

  future() noexcept = default;

  explicit future(detail::state_ptr<detail::state<T>> st) noexcept
      : st_(std::move(st)) {}

  /// Whether this handle refers to a result at all.
  bool valid() const noexcept { return static_cast<bool>(st_); }

  /// Whether the result is in: a value, an error or cancellation.
  bool done() const noexcept { return st_->done(); }

  /// Whether it completed by cancellation.
  bool cancelled() const noexcept {
    return st_->status() == detail::future_status::cancelled;
  }

  /// Asks the producer to cancel (a task: its current `co_await` throws
  /// `cancelled_error`). Returns false if already done, true otherwise; the
  /// future completes later, once the producer has reacted.
  bool cancel() const { return st_->request_cancel(); }

  /// The name of the task behind this future (asyncio's
  /// `Task.get_name()`), given to `create_task` or "Task-<id>"; empty for a
  /// future that is not a task's. Thread-safe.
  std::string get_name() const { return st_->task_name(); }

  /// Renames the task behind this future (asyncio's `Task.set_name()`);
  /// false, and nothing changes, if it is not a task's. Thread-safe.
  bool set_name(std::string name) const {
    return st_->set_task_name(std::move(name));
  }

  /// The value; rethrows the error (or `cancelled_error`) of a failed
  /// future; throws `invalid_state_error` while pending.
  const T& result() const {
    st_->check_result();
    return st_->value();
  }

  /// The error of a failed future, null for a value; throws
  /// `cancelled_error` if cancelled, `invalid_state_error` while pending.
  std::exception_ptr exception() const {
    if (!done())
      throw invalid_state_error("future is not done yet");
    if (cancelled())
      throw cancelled_error();
    return st_->error();
  }

  /// Calls `fn(handle, args...)` once the future is done: on the thread
  /// that completes it (a task's own actor), in registration order; right
  /// away on this thread if it is already done. It runs in the context
  /// (context variables) of the code that added it. Exceptions thrown by `fn`
  /// are reported on stderr and otherwise ignored.
  template <class Fn, class... Args>
  void add_done_callback(Fn fn, Args... args) const {
    st_->add_callback(
        detail::in_current_context([self = *this, fn = std::move(fn),
                                    ... args = std::move(args)]() mutable {
          std::invoke(fn, self, args...);
        }));
  }

  /// Blocks the calling thread until done. Never call this from inside an
  /// actor or task: `co_await` the future instead.
  void wait() const noexcept { st_->wait(); }

  /// Awaits the result inside a task: suspends the task's actor until the
  /// future is done, then returns its value or rethrows its error. If the
  /// awaiting task is cancelled meanwhile, the awaited future is cancelled
  /// too (as in asyncio).
  auto operator co_await() const& noexcept { return awaiter{st_, {}}; }

  /// As above; awaiting a temporary lets a sole result be moved, not
  /// copied.
  auto operator co_await() && noexcept { return awaiter{std::move(st_), {}}; }

private:
  template <class U>
  friend const detail::state_ptr<detail::state<U>>&
  detail::state_of(const future<U>& f) noexcept;

  struct awaiter {
    detail::state_ptr<detail::state<T>> st;
    detail::suspension s;

    bool await_ready() const noexcept { return st->done(); }

    void await_suspend(std::coroutine_handle<> h) {
      s = detail::suspend(h, st->describe());
      detail::on_cancel(s, [target = st] { target->cancel_awaited(); });
      detail::resumes_after_cancel(s);
      st->add_callback([r = detail::resumer{s}] { r(); });
    }

    T await_resume() {
      if (s.ctx != nullptr)
        detail::finish(*s.ctx);
      st->check_result();
      return st->consume();
    }
  };

  detail::state_ptr<detail::state<T>> st_;
};

namespace detail {

template <class T>
const state_ptr<state<T>>& state_of(const future<T>& f) noexcept {
  return f.st_;
}

} // namespace detail

/// The producer's side of a future made by hand (asyncio's
/// `loop.create_future()` plus `set_result`): complete it exactly once from
/// any thread. A promise destroyed before completing fails its future with
/// a `broken_promise` error instead of leaving awaiters hanging.
template <class T>
class promise {
public:
  promise() : st_(detail::make_state<detail::state<T>>()) {}
  promise(promise&&) noexcept = default;
  promise& operator=(promise&& other) noexcept {
    abandon();
    st_ = std::move(other.st_);
    return *this;
  }
  promise(const promise&) = delete;
  promise& operator=(const promise&) = delete;
  ~promise() { abandon(); }

  /// A handle to the future this promise completes.
  future<T> get_future() const { return future<T>{st_}; }

  /// Completes with a value; false if the future was already done (for
  /// example, cancelled by a consumer).
  template <class U = T>
  bool set_value(U&& value) {
    return st_->set_value(std::forward<U>(value));
  }

  /// Completes with an error; false if already done.
  bool set_exception(std::exception_ptr error) {
    return st_->set_exception(std::move(error));
  }

private:
  void abandon() noexcept {
    if (st_ && !st_->done())
      st_->set_exception(std::make_exception_ptr(
          runtime_error("broken promise: dropped before completing")));
  }

  detail::state_ptr<detail::state<T>> st_;
};

} // namespace actio
