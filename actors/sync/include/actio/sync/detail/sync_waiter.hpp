// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/future_state.hpp"
#include "actio/detail/task_context.hpp"
#include "actio/future.hpp"
#include "actio/unique_function.hpp"

#include <atomic>
#include <coroutine>
#include <utility>

namespace actio {

namespace detail {

/// Reports (on stderr) that a served value could not be handed back to its
/// actor, from a destructor that may not throw.
void report_reclaim_failure() noexcept;

/// The shared state of a future that waits inside a sync actor (a queue's
/// getter or putter, a semaphore's acquirer). `on_cancel` and `reclaim` are
/// set before the future escapes and each runs at most once: `on_cancel` on
/// the cancelling thread, `reclaim` on the cancelling thread or on the
/// thread that drops the last reference to a delivered value nobody read.
template <class V>
class sync_waiter_state final : public state<V> {
public:
  sync_waiter_state() = default;

  /// A value delivered by the actor but never read (its future was dropped,
  /// or a `wait_for` timed out, or a `gather` failed, just as it arrived)
  /// goes back to the actor instead of being lost.
  ~sync_waiter_state() override {
    if (this->status() != future_status::value || this->retrieved() ||
        !reclaim || reclaimed_.exchange(true, std::memory_order_acq_rel))
      return;
    try {
      reclaim(std::move(this->peek_value()));
    } catch (...) {
      report_reclaim_failure();
    }
  }

  /// Cancels a pending waiter and tells the actor to forget it; false if the
  /// waiter is already done (its value is then left alone).
  bool request_cancel() override {
    if (!this->set_cancelled())
      return false;
    if (on_cancel)
      on_cancel();
    return true;
  }

  /// As `request_cancel`, but a value the actor already delivered is handed
  /// back through `reclaim`: used when the task awaiting this very future
  /// is cancelled before it could take the value.
  void cancel_or_reclaim() {
    if (request_cancel())
      return;
    this->wait(); // a completion in progress publishes in a few instructions
    if (this->status() == future_status::value && reclaim &&
        !reclaimed_.exchange(true, std::memory_order_acq_rel))
      reclaim(std::move(this->peek_value()));
  }

  /// Tells the actor to drop this waiter.
  unique_function<void()> on_cancel;

  /// Gives a delivered but untaken value back to the actor.
  unique_function<void(V&&)> reclaim;

private:
  std::atomic<bool> reclaimed_{false};
};

} // namespace detail

/// A `future<T>` for a value handed out by a sync actor (an item of a
/// queue, a semaphore's permit). It is a plain future everywhere (copy it,
/// pass it to `gather`, `wait_for`, `run_until_complete`), with one extra
/// guarantee when `co_await`ed directly: if the awaiting task is cancelled
/// while the value is already on its way, the value goes back to the actor
/// (the item to the front of its queue, the permit to its semaphore)
/// instead of being lost. Cancelling the future by other means (`cancel()`,
/// `wait_for`'s timeout) withdraws a waiter that has not been served; a
/// value that was served but that nobody reads (the future is dropped, the
/// `wait_for` timed out or the `gather` failed as it arrived) goes back to
/// the actor when the last handle to it goes away.
template <class T>
class sync_future : public future<T> {
public:
  sync_future() noexcept = default;

  /// Wraps a waiter state (for actio's sync actors).
  explicit sync_future(detail::state_ptr<detail::sync_waiter_state<T>> st)
      : future<T>(detail::state_ptr<detail::state<T>>(std::move(st))) {}

  /// Awaits the value inside a task (see the class comment for cancel).
  auto operator co_await() const& noexcept { return awaiter{waiter(), {}}; }

  /// As above, letting the sole handle's value be moved out.
  auto operator co_await() && noexcept {
    auto st = waiter();
    future<T>::operator=(future<T>{});
    return awaiter{std::move(st), {}};
  }

private:
  struct awaiter {
    detail::state_ptr<detail::sync_waiter_state<T>> st;
    detail::suspension s;

    bool await_ready() const noexcept { return st->done(); }

    void await_suspend(std::coroutine_handle<> h) {
      s = detail::suspend(h);
      detail::on_cancel(s, [target = st] { target->cancel_or_reclaim(); });
      st->add_callback([r = detail::resumer{s}] { r(); });
    }

    T await_resume() {
      if (s.ctx != nullptr)
        detail::finish(*s.ctx);
      st->check_result();
      return st->consume();
    }
  };

  detail::state_ptr<detail::sync_waiter_state<T>> waiter() const noexcept {
    return detail::state_ptr<detail::sync_waiter_state<T>>(
        static_cast<detail::sync_waiter_state<T>*>(this->state().get()));
  }
};

} // namespace actio
