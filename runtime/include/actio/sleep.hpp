// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/detail/task_context.hpp"

#include <chrono>
#include <coroutine>

namespace actio {

/// The awaitable returned by `sleep`.
class sleep_awaiter {
public:
  explicit sleep_awaiter(duration d) noexcept : d_(d) {}

  bool await_ready() const noexcept { return false; }

  void await_suspend(std::coroutine_handle<> h) {
    auto* ctx = detail::current_context();
    auto deadline =
        (ctx != nullptr ? detail::context_now(*ctx) : time_point{}) + d_;
    s_ = detail::suspend(
        h, {"sleep",
            static_cast<std::uint64_t>(deadline.time_since_epoch().count())});
    if (d_ <= duration::zero())
      detail::resume_soon(s_);
    else
      detail::resume_at(s_, deadline);
  }

  void await_resume() { detail::finish(*s_.ctx); }

private:
  duration d_;
  detail::suspension s_;
};

/// Suspends the calling task for `d` (asyncio.sleep): its actor receives a
/// timer message when the time is up, and no scheduler thread waits
/// meanwhile. `sleep(0s)` just yields to the other actors. If the task is
/// cancelled meanwhile, this throws `cancelled_error` at once and the timer
/// is dropped.
template <class Rep, class Period>
sleep_awaiter sleep(std::chrono::duration<Rep, Period> d) {
  return sleep_awaiter{std::chrono::duration_cast<duration>(d)};
}

} // namespace actio
