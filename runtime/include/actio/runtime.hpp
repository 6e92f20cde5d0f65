// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/any_future.hpp"
#include "actio/call.hpp"
#include "actio/clock.hpp"
#include "actio/detail/task_driver.hpp"
#include "actio/future.hpp"
#include "actio/runtime_options.hpp"
#include "actio/task.hpp"
#include "actio/task_dump.hpp"
#include "actio/timer_handle.hpp"
#include "actio/unique_function.hpp"

#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

namespace asio {
class io_context;
} // namespace asio

namespace actio {

class runtime;

namespace detail {

/// Blocks (or, under virtual time, drives the test scheduler) until `st` is
/// done; throws keyboard_interrupt on SIGINT/SIGTERM.
void wait_on(runtime_core& rt, state_base& st);

/// Throws invalid_state_error: `run_until_complete` of a future that
/// refers to no result (default-constructed or moved from).
[[noreturn]] void refuse_empty_future();

/// Runs `fn` once when `rt` begins to close, on the closing thread, before
/// its tasks are cancelled (for components that own tasks or actors).
/// Runs it at once if `rt` is already closing.
void on_close(runtime_core& rt, unique_function<void()> fn);

/// The implementation behind `rt` (for actio's own components).
runtime_core& core_of(const runtime& rt) noexcept;

/// The runtime object that owns `rt`.
runtime& owner_of(runtime_core& rt) noexcept;

} // namespace detail

/// asyncio's event loop as an actor system: owns a CAF `actor_system` (the
/// cooperative scheduler that runs every task's actor), an asio
/// `io_context` on its own thread (the epoll reactor for network actors), a
/// timer service and a loop actor that runs `call_soon`/`call_later`
/// callbacks one at a time in deadline order.
///
/// Shutdown never hangs: `close()` (and the destructor) cancels every task,
/// waits up to `shutdown_timeout` for them, kills what is left, waits again,
/// and abandons any actor that still does not end (a detached actor blocked
/// in a system call) rather than waiting forever.
class runtime {
public:
  /// A runtime with default options (and `ACTIO_*` environment variables).
  runtime();

  /// Also reads `--actio-*` options from the command line, removing them.
  runtime(int& argc, char** argv);

  /// A runtime with the given options (environment variables still apply).
  explicit runtime(runtime_options options);

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;
  ~runtime();

  /// Runs `fn(args...)`, a function returning `task<T>`, as a new task in
  /// its own actor; returns its future. Thread-safe. As `actio::create_task`
  /// (a capturing lambda is passed itself, not called; a string first names
  /// the task).
  template <class Fn, class... Args>
  auto create_task(Fn&& fn, Args&&... args) {
    if constexpr (sizeof...(Args) == 0 &&
                  detail::is_task<std::decay_t<Fn>>::value) {
      return detail::spawn_coroutine(core(), std::forward<Fn>(fn));
    } else if constexpr (detail::is_task_name_v<Fn> && sizeof...(Args) >= 1) {
      return detail::create_named(core(), std::string{std::string_view{fn}},
                                  std::forward<Args>(args)...);
    } else {
      return detail::spawn_call(core(), std::forward<Fn>(fn),
                                std::forward<Args>(args)...);
    }
  }

  /// Runs until `f` is done and returns its value, or rethrows its error.
  /// Call from a thread that is not an actor (typically `main`). Throws
  /// `keyboard_interrupt` on the first SIGINT/SIGTERM, leaving tasks
  /// running so that the caller can cancel them.
  template <class T>
  T run_until_complete(const future<T>& f) {
    if (!f.valid())
      detail::refuse_empty_future();
    detail::wait_on(core(), *detail::state_of(f));
    detail::state_of(f)->check_result();
    if constexpr (std::is_copy_constructible_v<T>)
      return detail::state_of(f)->value();
    else
      return detail::state_of(f)->consume();
  }

  /// As above, moving the value out when this was the last handle.
  template <class T>
  T run_until_complete(future<T>&& f) {
    auto st = detail::state_of(f);
    f = future<T>{};
    if (!st)
      detail::refuse_empty_future();
    detail::wait_on(core(), *st);
    st->check_result();
    return st->consume();
  }

  /// Spawns the coroutine as a task and runs until it completes. A
  /// capturing lambda may be called here (`run_until_complete(f())`): the
  /// call blocks until the task ends, while the lambda is still alive.
  template <class T>
  value_or_none<T> run_until_complete(task<T>&& coro) {
    return run_until_complete(detail::spawn_coroutine(
        core(), std::move(coro), detail::closure_use::caller_outlives));
  }

  /// Runs until `stop()` is called (from any thread or actor). Throws
  /// `keyboard_interrupt` on the first SIGINT/SIGTERM.
  void run_forever();

  /// Makes `run_forever` return; thread-safe, idempotent per run.
  void stop() noexcept;

  /// Cancels every task and shuts the runtime down (see the class comment).
  /// Idempotent; the destructor calls it.
  void close() noexcept;

  /// Whether `close()` has begun.
  bool closed() const noexcept;

  /// Calls `callback` on the loop actor each time signal `signo` arrives
  /// (asyncio's `loop.add_signal_handler`), replacing an earlier handler
  /// for it; a handler for SIGINT or SIGTERM replaces the runtime's own
  /// handling of that signal (interrupt, then exit). The signal is caught
  /// by the time this returns; thread-safe. Throws actio::runtime_error for
  /// a signal that cannot be caught (SIGKILL, SIGSTOP, a number out of
  /// range) or on a closed runtime. `close()` removes every handler.
  void add_signal_handler(int signo, unique_function<void()> callback);

  /// Removes the handler for `signo` (asyncio's
  /// `loop.remove_signal_handler`): the signal's default action, or for
  /// SIGINT/SIGTERM the runtime's own handling, applies again. Returns
  /// whether there was one.
  bool remove_signal_handler(int signo);

  /// Runs `fn(args...)` on the loop actor as soon as possible, after
  /// callbacks already due. Thread-safe (so it is `call_soon_threadsafe`
  /// too).
  template <class Fn, class... Args>
  timer_handle call_soon(Fn fn, Args... args) {
    return call_at(time_point::min(), std::move(fn), std::move(args)...);
  }

  /// The same as `call_soon`: every actio call is thread-safe.
  template <class Fn, class... Args>
  timer_handle call_soon_threadsafe(Fn fn, Args... args) {
    return call_soon(std::move(fn), std::move(args)...);
  }

  /// Runs `fn(args...)` on the loop actor after `delay`. Callbacks due at
  /// the same time run in the order they were scheduled.
  template <class Fn, class... Args>
  timer_handle call_later(duration delay, Fn fn, Args... args) {
    return call_at(time() + delay, std::move(fn), std::move(args)...);
  }

  /// As `call_later`, with an absolute deadline on the runtime's clock.
  template <class Fn, class... Args>
  timer_handle call_at(time_point when, Fn fn, Args... args) {
    return timer_handle{detail::schedule_callable(
        core(), when, detail::bind_call(std::move(fn), std::move(args)...))};
  }

  /// Convenience for `call_later` with a duration in any unit.
  template <class Rep, class Period, class Fn, class... Args>
  timer_handle call_later(std::chrono::duration<Rep, Period> delay, Fn fn,
                          Args... args) {
    return call_later(std::chrono::duration_cast<duration>(delay),
                      std::move(fn), std::move(args)...);
  }

  /// The runtime's monotonic clock (asyncio's `loop.time()`); simulated
  /// under virtual time.
  time_point time() const noexcept;

  /// Every task that has not finished yet.
  std::vector<any_future> all_tasks() const;

  /// A picture of every live task (asyncio's `python -m asyncio pstree`,
  /// in process): each task's id, name, state (running, ready or
  /// suspended), what it awaits (a sleep and when it is due, another task,
  /// a gather and how many are pending, a queue, a lock, a request to an
  /// actor, an executor job, ...) and at which `co_await`, since when, its
  /// age, and the task that created it; tasks that await each other in a
  /// circle are reported as a deadlock. Thread-safe, callable while every
  /// scheduler thread is stuck; the words of one task are read without
  /// stopping it, so a task that moves on meanwhile may show a mix.
  std::string
  dump_tasks(task_dump_format format = task_dump_format::text) const;

  /// The CAF actor system, for spawning your own actors.
  caf::actor_system& system() noexcept;

  /// The asio reactor (runs on the runtime's I/O thread).
  asio::io_context& io_context() noexcept;

  /// The options in force.
  const runtime_options& options() const noexcept;

  /// The runtime created last that is still alive, or null.
  static runtime* current() noexcept;

private:
  friend detail::runtime_core& detail::core_of(const runtime& rt) noexcept;

  detail::runtime_core& core() const noexcept { return *core_; }

  std::unique_ptr<detail::runtime_core> core_;
};

} // namespace actio
