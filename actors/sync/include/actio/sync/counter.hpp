// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/actor_ref.hpp"
#include "actio/detail/mailbox_gauge.hpp"
#include "actio/future.hpp"

#include <coroutine>
#include <cstdint>
#include <memory>

namespace actio {

class runtime;

/// The awaitable of a counter's bounded update (`send_add` and friends).
class [[nodiscard]] counter_send {
public:
  counter_send(detail::actor_ref actor,
               std::shared_ptr<detail::mailbox_gauge> gauge,
               std::int64_t n) noexcept;

  bool await_ready() noexcept;
  void await_suspend(std::coroutine_handle<> h);
  void await_resume();

private:
  detail::actor_ref actor_;
  std::shared_ptr<detail::mailbox_gauge> gauge_;
  detail::gauge_wait wait_;
  std::int64_t n_;
};

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

  /// Adds `n` from a task, with backpressure: the update goes out at once
  /// while the counter's mailbox holds fewer than the runtime's
  /// `mailbox_limit` of such updates; otherwise the task waits (never a
  /// thread) until the counter has worked its mailbox down to half that.
  /// Fire-and-forget `inc`/`dec`/`add` are unbounded: a producer faster
  /// than the counter grows its mailbox. Throws `cancelled_error` if the
  /// task is cancelled while it waits (the update is not sent) and
  /// `runtime_error` if the counter's actor has ended.
  counter_send send_add(std::int64_t n) const;

  /// `send_add(1)`.
  counter_send send_inc() const { return send_add(1); }

  /// `send_add(-1)`.
  counter_send send_dec() const { return send_add(-1); }

  /// The count once every update sent before this call by the same thread
  /// or task has been applied; completed by the counter's actor.
  future<std::int64_t> get() const;

private:
  detail::actor_ref actor_;                      // strong
  std::shared_ptr<detail::mailbox_gauge> gauge_; // null: unbounded
};

} // namespace actio
