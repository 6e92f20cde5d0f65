// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/actor_ref.hpp"
#include "actio/future.hpp"

#include <cstdint>

namespace actio {

class runtime;

/// The seed's shared counter without a lock: the count lives in one actor,
/// and `inc`, `dec` and `add` are fire-and-forget messages to it, so any
/// number of tasks and threads can update it concurrently without losing
/// an update. Updates sent by one thread or task apply in the order sent;
/// `get` sees every update its caller sent before it. Copies of a handle
/// share one counter; the actor ends with the last handle.
class counter {
public:
  /// A counter starting at `initial` on the calling task's runtime (else
  /// the current one).
  explicit counter(std::int64_t initial = 0);

  /// A counter starting at `initial` on `rt`.
  explicit counter(runtime& rt, std::int64_t initial = 0);

  /// Adds one. Thread-safe, never waits.
  void inc() const;

  /// Subtracts one. Thread-safe, never waits.
  void dec() const;

  /// Adds `n` (a batch of increments in one message).
  void add(std::int64_t n) const;

  /// The count once every update sent before this call by the same thread
  /// or task has been applied; completed by the counter's actor.
  future<std::int64_t> get() const;

private:
  detail::actor_ref actor_; // strong
};

} // namespace actio
