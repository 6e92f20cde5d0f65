// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"
#include "actio/sync/detail/waiter_state.hpp"

#include <cstddef>

namespace actio {

class runtime;

namespace detail {
class semaphore_core;
} // namespace detail

/// asyncio.Semaphore as an actor: the counter and the FIFO of waiting
/// acquirers live in one actor; acquire and release are messages to it.
///
/// Unlike asyncio, a permit cannot leak when its holder dies: `acquire`
/// yields a `permit` that gives itself back when destroyed, and a task's
/// locals are destroyed whenever the task ends, whether it returns, fails,
/// is cancelled, or its actor is killed (the runtime destroys the
/// coroutine frame then). Copies of a handle share one semaphore; its actor
/// ends when the last handle goes or the runtime begins to close.
class semaphore {
public:
  /// One acquired unit of the semaphore. Move-only; gives the unit back
  /// (by a message, never blocking) when destroyed or `release`d, unless
  /// `detach`ed. Safe to destroy on any thread, also after the semaphore's
  /// actor has ended.
  class permit {
  public:
    permit() noexcept = default;
    permit(permit&& other) noexcept;
    permit& operator=(permit&& other) noexcept;
    permit(const permit&) = delete;
    permit& operator=(const permit&) = delete;
    ~permit();

    /// Gives the unit back now; idempotent.
    void release() noexcept;

    /// Keeps the unit without giving it back automatically: the caller
    /// then owes one `semaphore::release()` (asyncio's manual style).
    void detach() noexcept;

    /// Whether this object still holds a unit.
    explicit operator bool() const noexcept { return core_ != nullptr; }

  private:
    friend class semaphore;
    friend class detail::semaphore_core;
    permit(detail::closure_actor actor, detail::semaphore_core* core) noexcept;

    detail::closure_actor actor_; // weak
    detail::semaphore_core* core_ = nullptr;
  };

  /// A semaphore with `value` units on the calling task's runtime (else the
  /// current one).
  explicit semaphore(std::size_t value = 1);

  /// A semaphore with `value` units on `rt`.
  explicit semaphore(runtime& rt, std::size_t value = 1);

  /// Takes one unit (asyncio's `await sem.acquire()`): completes with a
  /// permit at once if a unit is free and nobody waits, else when the
  /// acquirers before it have been served and a unit comes back. Cancelling
  /// it withdraws the request; a permit delivered to a task cancelled
  /// before it could take it, or to a future nobody reads, goes back. Fails
  /// with actio::runtime_error if the semaphore's actor ends first.
  future<permit> acquire();

  /// Gives back one unit acquired earlier and `detach`ed (asyncio's
  /// `release()`): wakes the longest waiting acquirer. On a
  /// `bounded_semaphore`, fails with `invalid_state_error` if that would
  /// raise the count above its initial value (asyncio's ValueError).
  future<none> release();

  /// Whether no unit is free (or acquirers are waiting) when the actor
  /// handles the request (asyncio's `locked()`).
  future<bool> locked();

  /// The number of free units when the actor handles the request.
  future<std::size_t> value();

protected:
  semaphore(runtime& rt, std::size_t value, bool bounded);

private:
  detail::closure_actor actor_;
  detail::semaphore_core* core_ = nullptr; // dereferenced only on actor_
};

/// asyncio.BoundedSemaphore: a semaphore whose `release()` fails instead of
/// raising the count above its initial value.
class bounded_semaphore : public semaphore {
public:
  /// A bounded semaphore with `value` units on the ambient runtime.
  explicit bounded_semaphore(std::size_t value = 1);

  /// A bounded semaphore with `value` units on `rt`.
  explicit bounded_semaphore(runtime& rt, std::size_t value = 1);
};

} // namespace actio
