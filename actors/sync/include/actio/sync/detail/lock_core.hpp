// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/future_state.hpp"
#include "actio/outcome.hpp"
#include "actio/sync/detail/semaphore_core.hpp"
#include "actio/sync/detail/waiter_state.hpp"

#include <cstdint>
#include <deque>
#include <exception>
#include <optional>
#include <unordered_map>

// The state behind a lock's actor and the conditions over it; users include
// actio/sync/lock.hpp or condition.hpp.
namespace actio::detail {

/// A process-wide unique number naming one acquisition of a lock, one
/// condition or one condition wait.
std::uint64_t next_lock_ticket() noexcept;

/// A lock's state: a semaphore of one unit plus who holds it. Lives in, and
/// is only touched by, the lock's actor.
class lock_core final : public semaphore_core {
public:
  /// One acquisition: its ticket and the task that made it (null outside a
  /// task). The lock goes back when that task ends, however it ends.
  struct holding {
    std::uint64_t ticket = 0;
    state_ptr<state_base> owner;
  };

  /// A task in `condition::wait` that gave the lock up: `st` completes once
  /// it is notified and holds the lock again; if the task is cancelled
  /// first, `reacquired` completes once it holds the lock again anyway.
  struct cond_waiter {
    std::uint64_t cond = 0;
    std::uint64_t wait_id = 0;
    state_ptr<sync_waiter_state<none>> st;
    state_ptr<state<none>> reacquired;
    holding h;

    cond_waiter() = default;
    cond_waiter(cond_waiter&&) noexcept = default;
    cond_waiter& operator=(cond_waiter&&) noexcept = default;
    ~cond_waiter();
  };

  lock_core() noexcept : semaphore_core(1, true) {}

  /// Queues an acquirer that, when served, becomes the holder `h` and
  /// completes through `grant` (false if its waiter was done meanwhile).
  void acquire(state_ptr<state_base> st, unique_function<bool()> grant,
               holding h);

  /// Gives the lock back if it is held (by acquisition `ticket`, unless 0);
  /// false if it was not.
  bool release(std::uint64_t ticket);

  /// The task `owner` ended: the lock goes back if it still holds it.
  void owner_ended(state_base* owner);

  /// Whether the lock is held by `owner` (null: outside any task).
  bool held_by(const state_base* owner) const noexcept;

  /// `condition::wait`: fails `w.st` with actio::runtime_error unless
  /// `caller` holds the lock, else gives the lock up and queues `w`.
  void cond_wait(cond_waiter w, const state_ptr<state_base>& caller);

  /// The task in wait `wait_id` was cancelled before it was notified: it
  /// queues for the lock at once (to complete `reacquired`); nothing if it
  /// already left the condition.
  void cond_cancelled(std::uint64_t wait_id);

  /// Wakes up to `n` waiters of condition `cond`, oldest first: each then
  /// queues for the lock.
  void notify(std::uint64_t cond, std::size_t n);

private:
  void watch(const state_ptr<state_base>& owner);
  void requeue(cond_waiter w, bool notified);

  std::optional<holding> holder_;
  std::unordered_map<state_base*, state_ptr<state_base>> watched_;
  std::deque<cond_waiter> cond_waiters_;
};

} // namespace actio::detail
