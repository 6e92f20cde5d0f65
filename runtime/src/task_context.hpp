// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/detail/task_context.hpp"
#include "actio/detail/task_driver.hpp"
#include "context_values.hpp"

#include <caf/fwd.hpp>

#include <atomic>
#include <cstdint>
#include <memory>

namespace actio::detail {

class scope_state;

/// The per-actor state behind `current_context()`: the parked coroutine of
/// a task and what to do if the task is cancelled while parked.
class task_context {
public:
  runtime_core* rt = nullptr;
  caf::abstract_actor* self = nullptr; // a task's actor, or a closure actor
  std::coroutine_handle<> parked;
  std::uint64_t token = 0;
  unique_function<void()> cancel_hook;
  bool is_task = false;
  bool cancel_arrived = false;
  /// Cancel requests so far, from outside and from expired deadline scopes
  /// (asyncio's `Task.cancelling()`); any thread adds, scopes take back.
  std::atomic<std::uint32_t> cancel_requests{0};
  /// The innermost open deadline scope of this task (deadline_scope.cpp).
  scope_state* scopes = nullptr;
  /// The token of a suspension that is resumed once what it awaits reacted
  /// to a cancel (`resumes_after_cancel`).
  std::uint64_t resumes_after_cancel = 0;
  /// The context variables of a task, copied from its creator at launch,
  /// or of a closure actor, kept across its messages (context_values.cpp).
  context_ref values;

  // -- what the task dump shows (task_dump.cpp) ------------------------------
  // Written on the task's actor, read by a dump on any thread: each word is
  // atomic, and a dump may pair words from two moments (it is a picture of
  // a running program, not a consistent snapshot).

  /// Where the task is in its life.
  enum phase_t : std::uint8_t { created, running, suspended, ended };
  std::atomic<std::uint8_t> phase{created};
  /// When the task entered its phase, in nanoseconds on the dump clock
  /// (`runtime_core::dump_clock_ns`).
  std::atomic<std::int64_t> since{0};
  /// What the parked task waits for (`wait_label`).
  std::atomic<const char*> wait_kind{nullptr};
  std::atomic<std::uint64_t> wait_id{0};
  /// The `co_await` it is parked at.
  std::atomic<const char*> site_file{nullptr};
  std::atomic<unsigned> site_line{0};
  /// The coroutine the task runs (its function's name, file and line; null
  /// if it is not known): set once, when the task makes its first frame.
  std::atomic<unsigned> coro_line{0};
  std::atomic<const char*> coro_function{nullptr};
  std::atomic<const char*> coro_file{nullptr};
  /// The task that created it (0: none), and when; set before launch.
  std::uint64_t parent = 0;
  std::int64_t created_at = 0;
};

class task_actor;

/// Expires the deadline scopes of `self`'s task that are due and, if one
/// did, cancels the task's current `co_await` (deadline_scope.cpp).
void deliver_deadline(task_actor& self);

/// Makes `ctx` the current context for the lifetime of the scope, and its
/// task's context variables the current ones (not a callback's).
class context_scope {
public:
  explicit context_scope(task_context* ctx) noexcept;
  ~context_scope();
  context_scope(const context_scope&) = delete;
  context_scope& operator=(const context_scope&) = delete;

private:
  task_context* prev_;
  context_ref* prev_callback_values_;
};

/// Spawns a closure actor owning `body` (the runtime's loop actor: hidden,
/// no body).
caf::actor spawn_closure_actor(runtime_core& rt,
                               std::shared_ptr<closure_body> body, bool hidden);

/// Runs `fn` on `dest`, a closure actor (from `spawn_closure_actor` or a
/// `closure_actor`), after every closure posted to it before by the same
/// thread; dropped unrun if `dest` is invalid or has ended. Any thread.
void post_closure(const caf::actor& dest, unique_function<void()> fn);

/// Reports an exception that escaped a callback, as asyncio's "Exception in
/// callback".
void report_callback_error(const char* where, std::exception_ptr error);

} // namespace actio::detail
