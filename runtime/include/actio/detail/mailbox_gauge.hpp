// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/task_context.hpp"

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

// The counter behind a bounded mailbox: how many messages sent through
// actio's awaitable sends are in an actor's mailbox, and the tasks waiting
// for room. Used by `actio::send` and the sync actors; not by users.
namespace actio::detail {

/// A task waiting for room in a bounded mailbox; lives in the task's
/// coroutine frame while it waits.
struct gauge_waiter {
  enum class state : std::uint8_t { waiting, granted, closed };

  resumer wake;
  gauge_waiter* next = nullptr;
  gauge_waiter* prev = nullptr;
  state st = state::waiting; // written under the gauge's mutex
};

/// Counts the messages in one actor's mailbox that went through a bounded
/// send. A sender may add one while fewer than `limit` are in; otherwise it
/// waits, first come first served, until the receiver has drained down to
/// half the limit. Thread-safe.
class mailbox_gauge {
public:
  explicit mailbox_gauge(std::size_t limit) noexcept;
  mailbox_gauge(const mailbox_gauge&) = delete;
  mailbox_gauge& operator=(const mailbox_gauge&) = delete;

  /// Counts one message in if there is room and nobody waits; false
  /// otherwise (also once closed).
  bool try_acquire() noexcept;

  /// Queues `w` behind earlier waiters, unless there is room now: then it
  /// counts the message in and returns true without queueing.
  bool wait(gauge_waiter& w);

  /// Withdraws `w` (its task was cancelled): a slot it was granted already
  /// is given back.
  void withdraw(gauge_waiter& w);

  /// One counted message left the mailbox (handled, dropped or bounced):
  /// once the count is down to half the limit, waiters are granted slots in
  /// order and resumed. Called on the receiver's thread.
  void release() noexcept;

  /// The receiver has ended: every waiter and every later sender fails.
  void close();

  bool closed() const noexcept {
    return closed_.load(std::memory_order_acquire);
  }

  /// Messages counted in and not yet released.
  std::size_t pending() const noexcept {
    return pending_.load(std::memory_order_acquire);
  }

  std::size_t limit() const noexcept {
    return limit_.load(std::memory_order_relaxed);
  }

  /// Changes the limit (at least 1); waiters are re-examined.
  void set_limit(std::size_t limit);

private:
  /// Grants waiters, in order, the room there is, and appends their
  /// resumers to `wake` (to be called outside the lock: a granted task may
  /// run, and its waiter go away, as soon as the lock is released). Under
  /// `mtx_`.
  void grant_locked(std::vector<resumer>& wake);

  static void resume_all(std::vector<resumer>& wake) noexcept;

  std::atomic<std::size_t> pending_{0};
  std::atomic<std::size_t> limit_;
  std::atomic<std::size_t> waiting_{0};
  std::atomic<bool> closed_{false};
  std::mutex mtx_; // guards the waiter list and waiter states
  gauge_waiter* head_ = nullptr;
  gauge_waiter* tail_ = nullptr;
};

/// The waiting part of a bounded send, for awaitables: `ready()` in
/// `await_ready`, `suspend()` in `await_suspend`, `finish()` in
/// `await_resume`; the awaitable delivers its message when `finish()`
/// returns true. A null gauge means unbounded.
class gauge_wait {
public:
  explicit gauge_wait(std::shared_ptr<mailbox_gauge> gauge) noexcept
      : gauge_(std::move(gauge)) {}

  /// Whether the task need not wait: room was counted in, or the receiver
  /// has ended (then `finish` throws), or there is no bound.
  bool ready() noexcept;

  /// Parks the calling task until granted, withdrawn by a cancel, or the
  /// receiver ends.
  void suspend(std::coroutine_handle<> h);

  /// Throws `cancelled_error` if the task was cancelled while waiting (no
  /// slot is kept), `runtime_error` if the receiver has ended; otherwise
  /// true: the message is counted in and must be delivered now.
  bool finish();

private:
  std::shared_ptr<mailbox_gauge> gauge_;
  gauge_waiter waiter_;
  suspension s_;
  bool closed_ = false;
};

} // namespace actio::detail
