// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"

#include <cstdint>

namespace actio {

class runtime;
class condition;

namespace detail {
class lock_core;
} // namespace detail

/// asyncio.Lock as an actor: a semaphore of one unit (the same machinery as
/// `semaphore`) that also knows who holds it. Acquirers are served first
/// come, first served; acquire and release are messages to the lock's
/// actor, and every answer is a future completed exactly once by it.
///
/// Unlike asyncio, the lock cannot leak when its holder dies: a lock taken
/// inside a task belongs to that task and goes back when the task ends,
/// whether it returns, fails, is cancelled or its actor is killed. Copies
/// of a handle share one lock. When the runtime closes (or the last handle
/// goes), acquirers still waiting fail with `cancelled_error`.
class lock {
public:
  /// One acquisition of the lock, from `scoped()`: move-only; releases the
  /// lock (by a message, never blocking) when destroyed or `release`d,
  /// unless the lock was meanwhile released by `lock::release()`. Safe to
  /// destroy on any thread, also after the lock's actor has ended.
  class guard {
  public:
    guard() noexcept = default;
    guard(guard&& other) noexcept;
    guard& operator=(guard&& other) noexcept;
    guard(const guard&) = delete;
    guard& operator=(const guard&) = delete;
    ~guard();

    /// Releases the lock now; idempotent.
    void release() noexcept;

    /// Whether this object still stands for an acquisition.
    explicit operator bool() const noexcept { return core_ != nullptr; }

  private:
    friend class lock;
    guard(detail::closure_actor actor, detail::lock_core* core,
          std::uint64_t ticket) noexcept;

    detail::closure_actor actor_; // weak
    detail::lock_core* core_ = nullptr;
    std::uint64_t ticket_ = 0;
  };

  /// A lock on the calling task's runtime (else the current one).
  lock();

  /// A lock on `rt`.
  explicit lock(runtime& rt);

  /// Takes the lock (asyncio's `await lock.acquire()`): completes once the
  /// acquirers before it have been served and the lock is free; the caller
  /// then owes one `release()`, or the lock goes back when the calling task
  /// ends (outside a task it is held until `release()`). Cancelling it
  /// withdraws the request; if the awaiting task is cancelled just as the
  /// lock was granted, the lock passes on to the next acquirer.
  future<none> acquire();

  /// Takes the lock as `acquire()` does and completes with a guard that
  /// releases it when destroyed (asyncio's `async with lock:`): `auto g =
  /// co_await l.scoped();`. A guard delivered to a task cancelled before it
  /// could take it, or to a future nobody reads, releases at once.
  future<guard> scoped();

  /// Releases the lock, whoever holds it (asyncio's `release()`), waking
  /// the longest waiting acquirer. Fails with actio::runtime_error if the
  /// lock is not held (asyncio's RuntimeError). Fire and forget is fine for
  /// a lock the caller holds: calls from one thread apply in order.
  future<none> release();

  /// Whether the lock is held (or acquirers wait) when the actor handles
  /// the request (asyncio's `locked()`).
  future<bool> locked();

private:
  friend class condition;

  detail::closure_actor actor_;
  detail::lock_core* core_ = nullptr; // dereferenced only on actor_
};

} // namespace actio
