// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/detail/deadline_scope.hpp"
#include "actio/task.hpp"

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace actio {

/// A handle to a deadline scope opened by `timeout` or `timeout_at`
/// (asyncio's `Timeout` object), passed to the scope's body if the body
/// takes it. Copies refer to the same scope; a copy may outlive it.
class deadline_scope {
public:
  /// A handle to no scope: `when()` is `time_point::max()`, `expired()`
  /// false, `reschedule` throws `invalid_state_error`.
  deadline_scope() noexcept = default;

  /// A handle to the open scope `st` (made by `timeout`/`timeout_at`).
  explicit deadline_scope(std::shared_ptr<detail::scope_state> st) noexcept
      : st_(std::move(st)) {}

  /// The deadline on the runtime's clock (`time_point::max()`: none); any
  /// thread, also after the scope ended.
  time_point when() const noexcept;

  /// Whether the deadline passed while the scope was open, so that the
  /// await pending then was cancelled; any thread, also after the end.
  bool expired() const noexcept;

  /// Moves the deadline to `when` (earlier or later; `time_point::max()`
  /// removes it; one already past expires the scope at the next `co_await`
  /// that suspends). Only from the scope's own task while it is open and
  /// not expired; otherwise throws `invalid_state_error`.
  void reschedule(time_point when) const;

private:
  std::shared_ptr<detail::scope_state> st_;
};

namespace detail {

/// `fn(scope, args...)` if `fn` takes the scope first, else `fn(args...)`.
template <class Fn, class... Args>
auto call_scoped(Fn& fn, const deadline_scope& scope, Args&... args) {
  if constexpr (std::is_invocable_v<Fn&, const deadline_scope&, Args&...>)
    return fn(scope, args...);
  else
    return fn(args...);
}

template <class Fn, class... Args>
using scoped_task_t =
    decltype(call_scoped(std::declval<Fn&>(), std::declval<deadline_scope&>(),
                         std::declval<Args&>()...));

/// The body of `timeout`/`timeout_at`: runs inline in the awaiting task.
template <class T, class When, class Fn, class... Args>
task<T> run_scoped(When when, Fn fn, Args... args) {
  scope_guard guard{when};
  std::exception_ptr error;
  if constexpr (std::is_void_v<T>) {
    try {
      co_await call_scoped(fn, deadline_scope{guard.state()}, args...);
    } catch (...) {
      error = std::current_exception();
    }
    guard.leave(std::move(error));
  } else {
    std::optional<T> result;
    try {
      result.emplace(
          co_await call_scoped(fn, deadline_scope{guard.state()}, args...));
    } catch (...) {
      error = std::current_exception();
    }
    guard.leave(std::move(error));
    co_return std::move(*result);
  }
}

template <class Fn, class... Args>
using scoped_value_t = typename scoped_task_t<Fn, Args...>::value_type;

} // namespace detail

/// Runs `fn(args...)` (or `fn(scope, args...)`, a function returning
/// `task<T>`) inline in the awaiting task, as one block under a deadline at
/// `when` on the runtime's clock (asyncio's `async with timeout_at(when)`):
/// no task of its own, so every `co_await` of the block belongs to the
/// awaiting task. When the deadline passes, the `co_await` pending in the
/// block is cancelled (one awaiting a future first waits for that future to
/// react to the cancel, as `wait_for` does) and, once the block has ended
/// with that cancel, the scope raises `timeout_error` on the task's actor. A
/// cancel of the task from outside stays a `cancelled_error`, also when the
/// deadline passed too (as asyncio counts cancel requests); a block that
/// catches the cancel and ends normally returns normally. Nested scopes each
/// have their own deadline: the first to pass expires first, and an inner
/// scope's `timeout_error` may be caught inside the outer one; when several
/// have passed, the outermost of them raises. A deadline already past
/// expires at the block's first `co_await` that suspends. Must be awaited
/// in an actio task: elsewhere it throws `actio::runtime_error`.
template <class Fn, class... Args>
task<detail::scoped_value_t<Fn, Args...>> timeout_at(time_point when, Fn fn,
                                                     Args... args) {
  return detail::run_scoped<detail::scoped_value_t<Fn, Args...>>(
      when, std::move(fn), std::move(args)...);
}

/// As `timeout_at`, with the deadline `delay` after the block starts
/// (asyncio's `async with timeout(delay)`); a zero or negative `delay`
/// expires at the first `co_await` that suspends, `duration::max()` never.
template <class Rep, class Period, class Fn, class... Args>
task<detail::scoped_value_t<Fn, Args...>>
timeout(std::chrono::duration<Rep, Period> delay, Fn fn, Args... args) {
  return detail::run_scoped<detail::scoped_value_t<Fn, Args...>>(
      std::chrono::duration_cast<duration>(delay), std::move(fn),
      std::move(args)...);
}

} // namespace actio
