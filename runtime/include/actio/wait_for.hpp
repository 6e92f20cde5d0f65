// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/call.hpp"
#include "actio/errors.hpp"
#include "actio/future.hpp"
#include "actio/timer_handle.hpp"

#include <atomic>
#include <chrono>
#include <string>

namespace actio {

namespace detail {

template <class T>
class wait_for_state final : public state<T> {
public:
  explicit wait_for_state(future<T> inner) : inner_(std::move(inner)) {}

  void arm(duration timeout) {
    timeout_ = timeout;
    timer_ = timer_handle{
        schedule_call(ambient_runtime(), ambient_now() + timeout,
                      [self = state_ptr<wait_for_state>(this)] {
                        if (detail::state_of(self->inner_)->done())
                          return; // its callback completes this state
                        self->timed_out_.store(true, std::memory_order_release);
                        self->inner_.cancel();
                      })};
    // The one place this state completes: once the inner future is done,
    // whether it ended by itself or reacting to the timeout's cancel.
    detail::state_of(inner_)->add_callback(
        [self = state_ptr<wait_for_state>(this)] {
          self->timer_.cancel();
          auto& st = *detail::state_of(self->inner_);
          if (st.status() == future_status::value)
            self->set_value(st.consume());
          else if (st.status() == future_status::cancelled &&
                   self->timed_out_.load(std::memory_order_acquire))
            self->set_exception(std::make_exception_ptr(timeout_error(
                "wait_for: timed out after " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        self->timeout_)
                        .count()) +
                " ms")));
          else
            self->set_exception(st.error());
        });
  }

  bool request_cancel() override {
    if (this->done())
      return false;
    return inner_.cancel();
  }

  /// What the inner future waits for: `wait_for` only adds a deadline.
  wait_label describe() const noexcept override {
    return detail::state_of(inner_)->describe();
  }

private:
  future<T> inner_;
  timer_handle timer_;
  duration timeout_{};
  std::atomic<bool> timed_out_{false};
};

} // namespace detail

/// Completes with `f`'s result, or, if `timeout` passes first, cancels `f`
/// and fails with `timeout_error` once `f` has reacted to that cancel (its
/// cleanup ran, as asyncio's `wait_for` since 3.7): a `f` that answers the
/// cancel with a value or another error completes this future with it. It
/// completes exactly once, on the thread that completes `f` (a task's own
/// actor). A `f` that ignores cancels keeps this future pending until it
/// ends. Cancelling the returned future cancels `f` and completes it
/// cancelled once `f` is done.
template <class T, class Rep, class Period>
future<T> wait_for(future<T> f, std::chrono::duration<Rep, Period> timeout) {
  auto st = detail::make_state<detail::wait_for_state<T>>(std::move(f));
  st->arm(std::chrono::duration_cast<duration>(timeout));
  return future<T>{detail::state_ptr<detail::state<T>>(std::move(st))};
}

} // namespace actio
