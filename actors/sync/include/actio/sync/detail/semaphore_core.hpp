// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/detail/future_state.hpp"
#include "actio/sync/detail/close_registration.hpp"
#include "actio/unique_function.hpp"

#include <cstddef>
#include <deque>
#include <exception>

// The counter and FIFO of waiting acquirers shared by semaphore and lock
// (a lock is a semaphore of one unit with an owner, see lock_core); users
// include actio/sync/semaphore.hpp or lock.hpp.
namespace actio::detail {

/// A semaphore's state; lives in, and is only touched by, its actor.
class semaphore_core : public closure_body {
public:
  /// A waiting acquirer. `deliver` hands one unit to the waiter and returns
  /// false if the waiter was done meanwhile (the unit then stays free);
  /// `skipped`, if set, runs when the waiter is dropped because it was done
  /// (cancelled) before its turn. Destroyed while still pending (its
  /// message was dropped, or the actor ended), it fails its future with
  /// `ended`.
  struct acquirer {
    state_ptr<state_base> st;
    unique_function<bool()> deliver;
    unique_function<void()> skipped;
    std::exception_ptr ended;

    acquirer() = default;
    acquirer(acquirer&&) noexcept = default;
    acquirer& operator=(acquirer&&) noexcept = default;
    ~acquirer();
  };

  semaphore_core(std::size_t value, bool bounded) noexcept
      : value_(value), initial_(value), bounded_(bounded) {}

  ~semaphore_core() override;

  /// Sets the actor's weak handle (the first closure it runs) and ends the
  /// actor when its runtime begins to close.
  void start(closure_actor weak_self);

  /// Queues `a` behind every earlier acquirer and serves what it can.
  void acquire(acquirer a);

  /// A unit came back: serves the longest waiting acquirer.
  void give_back();

  /// Whether the count is at its initial value (a bounded semaphore then
  /// refuses a release).
  bool full() const noexcept { return bounded_ && value_ >= initial_; }

  /// Drops acquirers that are done (cancelled), passing on what they held.
  void purge();

  /// Whether no unit is free (or acquirers are waiting).
  bool locked() const noexcept { return value_ == 0 || !waiters_.empty(); }

  /// The number of free units.
  std::size_t value() const noexcept { return value_; }

  /// The actor's weak handle.
  const closure_actor& self() const noexcept { return self_; }

private:
  void wake();

  std::size_t value_;
  std::size_t initial_;
  bool bounded_;
  closure_actor self_; // weak
  close_registration closing_;
  std::deque<acquirer> waiters_;
};

} // namespace actio::detail
