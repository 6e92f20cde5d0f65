// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/sync/lock.hpp"
#include "actio/task.hpp"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>

namespace actio {

class runtime;

/// asyncio.Condition over an actio `lock`: its waiters live in the lock's
/// actor, so giving the lock up and starting to wait is one step, and a
/// notified waiter queues for the lock like any acquirer. Copies of a
/// handle share one condition; several conditions may share one lock.
///
/// The lock must be held by the calling task (taken with `acquire()` or
/// `scoped()` in that task; outside any task, taken outside any task) to
/// wait or notify. When the runtime closes (or the lock's last handle
/// goes), waiters fail with `cancelled_error`.
class condition {
public:
  /// A condition over a new lock on the calling task's runtime.
  condition();

  /// A condition over a new lock on `rt`.
  explicit condition(runtime& rt);

  /// A condition over `l` (a copy of the handle: the same lock).
  explicit condition(lock l);

  /// The lock, to take and release it (`co_await c.get_lock().scoped()`).
  lock& get_lock() noexcept { return lock_; }

  /// As `lock::acquire()` on the condition's lock.
  future<none> acquire() { return lock_.acquire(); }

  /// As `lock::scoped()` on the condition's lock (`async with cond:`).
  future<lock::guard> scoped() { return lock_.scoped(); }

  /// As `lock::release()` on the condition's lock.
  future<none> release() { return lock_.release(); }

  /// As `lock::locked()` on the condition's lock.
  future<bool> locked() { return lock_.locked(); }

  /// Gives the lock up, waits until notified, then takes the lock again
  /// (asyncio's `await cond.wait()`); to `co_await` in the task that holds
  /// the lock. The same acquisition is restored, so a guard of it stays
  /// valid. Throws actio::runtime_error at once if the task does not hold
  /// the lock. If the task is cancelled while waiting, it still takes the
  /// lock again (waiting for it, ignoring further cancels) before
  /// `cancelled_error` is thrown, and a notification it had already got is
  /// passed on to the next waiter. If the lock's actor ends meanwhile, it
  /// throws `cancelled_error` without the lock.
  task<void> wait();

  /// Waits until `pred()` is true (asyncio's `wait_for(predicate)`):
  /// checks it first, then after every wake-up, always holding the lock;
  /// returns its last result. Cancel and errors as `wait()`.
  template <class Pred>
  task<std::decay_t<std::invoke_result_t<Pred&>>> wait_for(Pred pred) {
    return wait_for_impl(*this, std::move(pred));
  }

  /// Wakes up to `n` waiters, oldest first (asyncio's `notify(n)`); each
  /// returns from `wait()` once it holds the lock again. Fails with
  /// actio::runtime_error if the calling task does not hold the lock. Fire
  /// and forget is fine: it takes effect before a `release()` sent after it.
  future<none> notify(std::size_t n = 1);

  /// Wakes every waiter (asyncio's `notify_all()`).
  future<none> notify_all() {
    return notify(std::numeric_limits<std::size_t>::max());
  }

private:
  template <class Pred>
  static task<std::decay_t<std::invoke_result_t<Pred&>>>
  wait_for_impl(condition c, Pred pred) {
    auto result = pred();
    while (!result) {
      co_await c.wait();
      result = pred();
    }
    co_return result;
  }

  lock lock_;
  std::uint64_t id_;
};

} // namespace actio
