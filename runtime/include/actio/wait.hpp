// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/call.hpp"
#include "actio/future.hpp"
#include "actio/timer_handle.hpp"

#include <atomic>
#include <optional>
#include <vector>

namespace actio {

/// When `wait` completes (asyncio's FIRST_COMPLETED and friends).
enum class return_when {
  all_completed,
  first_completed,
  first_exception,
};

/// What `wait` completes with: the handles done and still pending at that
/// moment, each in the order given.
template <class H>
struct wait_result {
  std::vector<H> done;
  std::vector<H> pending;
};

namespace detail {

template <class H>
class wait_state final : public state<wait_result<H>> {
public:
  wait_state(std::vector<H> children, return_when when)
      : children_(std::move(children)), when_(when),
        remaining_(children_.size()) {}

  void arm(std::optional<duration> timeout) {
    if (children_.empty()) {
      finish();
      return;
    }
    if (timeout)
      timer_ = timer_handle{schedule_call(
          ambient_runtime(), ambient_now() + *timeout,
          [self = state_ptr<wait_state>(this)] { self->finish(); })};
    for (auto& c : children_)
      detail::state_of(c)->add_callback(
          [self = state_ptr<wait_state>(this), st = detail::state_of(c).get()] {
            self->on_child(*st);
          });
  }

  bool request_cancel() override {
    if (!this->set_cancelled())
      return false;
    timer_.cancel();
    return true;
  }

  /// "wait", with how many futures are still pending.
  wait_label describe() const noexcept override {
    return {"wait", static_cast<std::uint64_t>(
                        remaining_.load(std::memory_order_relaxed))};
  }

private:
  void on_child(state_base& st) {
    bool last = remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1;
    if (last || when_ == return_when::first_completed ||
        (when_ == return_when::first_exception &&
         st.status() == future_status::error))
      finish();
  }

  void finish() {
    if (this->done())
      return;
    wait_result<H> r;
    for (auto& c : children_)
      (c.done() ? r.done : r.pending).push_back(c);
    if (this->set_value(std::move(r)))
      timer_.cancel();
  }

  std::vector<H> children_;
  return_when when_;
  std::atomic<std::size_t> remaining_;
  timer_handle timer_;
};

} // namespace detail

/// Waits for the handles (futures of one type, or `any_future`s) and
/// completes with the (done, pending) split (asyncio.wait). `when` picks the
/// moment: all done, the first done, or the first to fail (else all done).
/// On `timeout` it completes with whatever is done by then. It never
/// cancels the pending handles and never raises their errors: inspect the
/// done ones. Completes on the thread of the last event it waited for.
template <class H>
future<wait_result<H>> wait(std::vector<H> handles,
                            return_when when = return_when::all_completed,
                            std::optional<duration> timeout = std::nullopt) {
  auto st = detail::make_state<detail::wait_state<H>>(std::move(handles), when);
  st->arm(timeout);
  return future<wait_result<H>>{
      detail::state_ptr<detail::state<wait_result<H>>>(std::move(st))};
}

} // namespace actio
