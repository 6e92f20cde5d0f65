// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/future_state.hpp"
#include "actio/unique_function.hpp"

#include <atomic>
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
  /// back through `reclaim`: the task awaiting this very future was
  /// cancelled before it could take the value.
  void cancel_awaited() override {
    if (request_cancel())
      return;
    this->wait(); // a completion in progress publishes in a few instructions
    if (this->status() == future_status::value && reclaim &&
        !reclaimed_.exchange(true, std::memory_order_acq_rel))
      reclaim(std::move(this->peek_value()));
  }

  wait_label describe() const noexcept override { return label; }

  /// What a task awaiting this waiter waits for (for the task dump); set
  /// before the future escapes.
  wait_label label{"sync", 0};

  /// Tells the actor to drop this waiter.
  unique_function<void()> on_cancel;

  /// Gives a delivered but untaken value back to the actor.
  unique_function<void(V&&)> reclaim;

private:
  std::atomic<bool> reclaimed_{false};
};

/// A waiter's state on its way to its actor inside a posted closure: if the
/// closure is dropped unrun (the actor has ended), the waiter fails with
/// `cancelled_error` instead of hanging.
template <class S>
class waiter_in_transit {
public:
  explicit waiter_in_transit(state_ptr<S> st) noexcept : st_(std::move(st)) {}
  waiter_in_transit(waiter_in_transit&&) noexcept = default;
  waiter_in_transit& operator=(waiter_in_transit&&) noexcept = default;
  ~waiter_in_transit() {
    if (st_ && !st_->done())
      st_->set_exception(std::make_exception_ptr(
          cancelled_error("the primitive's actor is gone")));
  }

  /// The state, now in the actor's hands.
  state_ptr<S> take() noexcept { return std::move(st_); }

private:
  state_ptr<S> st_;
};

} // namespace detail

} // namespace actio
