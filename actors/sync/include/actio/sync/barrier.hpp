// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/errors.hpp"
#include "actio/future.hpp"
#include "actio/outcome.hpp"

#include <cstddef>
#include <string>

namespace actio {

class runtime;

namespace detail {
class barrier_core;
} // namespace detail

/// The error of `barrier::wait` on a broken barrier, and of every waiter
/// present when the barrier is aborted or reset (asyncio's
/// BrokenBarrierError, a RuntimeError).
class broken_barrier_error : public runtime_error {
public:
  explicit broken_barrier_error(const std::string& what = "barrier is broken")
      : runtime_error(what) {}
};

/// asyncio.Barrier as an actor: the count and the waiting parties live in
/// one actor; every call is a message to it. Copies of a handle share one
/// barrier. When the runtime closes (or the last handle goes), waiters
/// still pending fail with `cancelled_error`.
class barrier {
public:
  /// A barrier for `parties` (at least 1; 0 throws std::invalid_argument)
  /// on the calling task's runtime (else the current one).
  explicit barrier(std::size_t parties);

  /// A barrier for `parties` on `rt`.
  barrier(runtime& rt, std::size_t parties);

  /// Arrives and waits for the others (asyncio's `await barrier.wait()`):
  /// completes, for all of them at once, when the `parties`-th waiter
  /// arrives, each with its arrival index among them, 0 to `parties - 1`;
  /// the barrier is then empty and can be used again. Fails with
  /// `broken_barrier_error` if the barrier is broken, or gets aborted or
  /// reset while this waits. Cancelling it withdraws the waiter (the later
  /// arrivals are numbered as if it had never come); a waiter cancelled as
  /// the barrier trips leaves the others released.
  future<std::size_t> wait();

  /// Breaks the barrier (asyncio's `abort()`): every waiter and every later
  /// `wait()` fails with `broken_barrier_error` until `reset()`. Fire and
  /// forget.
  void abort();

  /// Returns the barrier to empty and unbroken (asyncio's `reset()`):
  /// waiters present fail with `broken_barrier_error`. Fire and forget.
  void reset();

  /// Whether the barrier is broken when the actor handles the request.
  future<bool> broken();

  /// The number of parties waiting when the actor handles the request.
  future<std::size_t> n_waiting();

  /// The number of parties given at construction; never changes.
  std::size_t parties() const noexcept { return parties_; }

private:
  detail::closure_actor actor_;
  detail::barrier_core* core_ = nullptr; // dereferenced only on actor_
  std::size_t parties_;
};

} // namespace actio
