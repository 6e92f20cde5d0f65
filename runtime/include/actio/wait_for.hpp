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
    timer_ = timer_handle{schedule_call(
        ambient_runtime(), ambient_now() + timeout,
        [self = state_ptr<wait_for_state>(this), timeout] {
          if (!self->settle())
            return;
          self->set_exception(std::make_exception_ptr(timeout_error(
              "wait_for: timed out after " +
              std::to_string(
                  std::chrono::duration_cast<std::chrono::milliseconds>(timeout)
                      .count()) +
              " ms")));
          // only now: cancelling the inner future runs its callbacks, which
          // would otherwise complete this one as cancelled first
          self->inner_.cancel();
        })};
    detail::state_of(inner_)->add_callback(
        [self = state_ptr<wait_for_state>(this)] {
          // Lost to the timeout: leave the value unread in the inner state (a
          // queue's item then goes back to its queue).
          if (!self->settle())
            return;
          auto& st = *detail::state_of(self->inner_);
          bool won = st.status() == future_status::value
                         ? self->set_value(st.consume())
                         : self->set_exception(st.error());
          if (won)
            self->timer_.cancel();
        });
  }

  bool request_cancel() override {
    if (this->done())
      return false;
    return inner_.cancel();
  }

private:
  /// True for the first of the timeout and the inner completion only.
  bool settle() noexcept {
    return !settled_.exchange(true, std::memory_order_acq_rel);
  }

  future<T> inner_;
  timer_handle timer_;
  std::atomic<bool> settled_{false};
};

} // namespace detail

/// Completes with `f`'s result, or, if `timeout` passes first, cancels `f`
/// and fails with `timeout_error` (asyncio.wait_for). The timeout error is
/// raised at once; `f`'s task reacts to the cancel on its own actor
/// afterwards. Cancelling the returned future cancels `f`.
template <class T, class Rep, class Period>
future<T> wait_for(future<T> f, std::chrono::duration<Rep, Period> timeout) {
  auto st = detail::make_state<detail::wait_for_state<T>>(std::move(f));
  st->arm(std::chrono::duration_cast<duration>(timeout));
  return future<T>{detail::state_ptr<detail::state<T>>(std::move(st))};
}

} // namespace actio
