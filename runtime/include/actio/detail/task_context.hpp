// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/detail/actor_ref.hpp"
#include "actio/detail/wait_label.hpp"
#include "actio/unique_function.hpp"

#include <coroutine>
#include <cstdint>

// The hooks by which awaitables suspend and resume the task whose actor is
// running them. Only actio's awaitables use these.
namespace actio::detail {

class task_context;
class runtime_core;

/// The task context of the actor running on this thread, or null outside
/// any actio task.
task_context* current_context() noexcept;

/// The current time of the runtime owning `ctx` (virtual under test).
time_point context_now(task_context& ctx) noexcept;

/// A parked coroutine: resumed by a message carrying `token` to its actor.
struct suspension {
  task_context* ctx = nullptr;
  std::uint64_t token = 0;
};

/// Parks `h` in the current task; the next `resume` with the returned token
/// resumes it on the task's actor. `what` is what the task dump says the
/// task waits for. Throws actio::runtime_error outside a task.
suspension suspend(std::coroutine_handle<> h, wait_label what = {});

/// Registers what to undo if the parked task is cancelled before it is
/// resumed (e.g. drop a timer). Runs on the task's actor.
void on_cancel(const suspension& s, unique_function<void()> hook);

/// Marks the parked awaitable of `s` as one that still resumes the task
/// once what it awaits has reacted to a cancel (a future): a deadline
/// scope's expiry then waits for that reaction before the task's
/// `co_await` throws, as asyncio's timeout waits for a cancelled task.
void resumes_after_cancel(const suspension& s) noexcept;

/// Called from `await_resume`: throws actio::cancelled_error if the task was
/// cancelled while parked, and forgets the cancel hook.
void finish(task_context& ctx);

/// `fn` bound to the current context (the running task's or callback's
/// context variables, see actio/context_var.hpp): it runs in that context
/// wherever it is called. Returns `fn` itself while no variable is set.
unique_function<void()> in_current_context(unique_function<void()> fn);

/// A thread-safe, copyable handle that resumes one suspension by message.
/// Invoking it after the task moved on (or ended) does nothing.
class resumer {
public:
  resumer() = default;
  explicit resumer(const suspension& s);

  /// Sends the resume message; callable from any thread, any number of
  /// times (only the first matching message resumes).
  void operator()() const;

private:
  actor_ref actor_;
  std::uint64_t token_ = 0;
};

/// Resumes `s` at `deadline` by a message from the runtime's timer service;
/// the timer is dropped if the task is cancelled first.
void resume_at(const suspension& s, time_point deadline);

/// Resumes `s` right from the current actor: the resume message goes to the
/// back of the actor's mailbox (used by `sleep(0)`).
void resume_soon(const suspension& s);

} // namespace actio::detail
