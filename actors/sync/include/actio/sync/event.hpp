// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"

namespace actio {

class runtime;

namespace detail {
class event_core;
} // namespace detail

/// asyncio.Event as an actor: a flag and the waiters for it live in one
/// actor; `set`, `clear` and `wait` are messages to it. Copies of a handle
/// share one event. When the runtime closes (or the last handle goes),
/// waiters still pending fail with `cancelled_error`.
class event {
public:
  /// An event, not set, on the calling task's runtime (else the current
  /// one).
  event();

  /// An event, not set, on `rt`.
  explicit event(runtime& rt);

  /// Sets the flag and wakes every waiter (asyncio's `set()`); fire and
  /// forget: calls from one thread apply in order, so a `wait()` or
  /// `is_set()` sent after it sees it.
  void set();

  /// Clears the flag (asyncio's `clear()`); later `wait()`s wait again.
  void clear();

  /// Whether the flag is set when the actor handles the request.
  future<bool> is_set();

  /// Completes once the flag is set (asyncio's `await event.wait()`): at
  /// once if it is set when the actor handles the request, else at the
  /// next `set()`, together with every other waiter, even if the flag is
  /// cleared again right after. Cancelling it withdraws the waiter.
  future<none> wait();

private:
  detail::closure_actor actor_;
  detail::event_core* core_ = nullptr; // dereferenced only on actor_
};

} // namespace actio
