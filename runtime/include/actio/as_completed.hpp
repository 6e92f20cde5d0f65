// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/future.hpp"

#include <atomic>
#include <memory>
#include <vector>

namespace actio {

namespace detail {

template <class T>
struct completion_order {
  explicit completion_order(std::size_t n) : slots(n) {}
  std::vector<promise<T>> slots;
  std::atomic<std::size_t> next{0};
};

} // namespace detail

/// Returns one future per input, in completion order: the first returned
/// future completes with the result (value or error) of whichever input
/// finishes first, and so on (asyncio.as_completed). Await them in order:
/// `for (auto& f : as_completed(tasks)) use(co_await f);`. Nothing is
/// cancelled; results are moved when the input handle is the only one left.
template <class T>
std::vector<future<T>> as_completed(std::vector<future<T>> inputs) {
  auto order = std::make_shared<detail::completion_order<T>>(inputs.size());
  std::vector<future<T>> out;
  out.reserve(inputs.size());
  for (auto& p : order->slots)
    out.push_back(p.get_future());
  for (auto& in : inputs) {
    auto st = detail::state_of(in);
    in = future<T>{};
    auto* raw = st.get();
    raw->add_callback([order, st = std::move(st)]() mutable {
      auto& slot =
          order->slots[order->next.fetch_add(1, std::memory_order_acq_rel)];
      if (st->status() == detail::future_status::value)
        slot.set_value(st->consume());
      else
        slot.set_exception(st->error());
      st = {};
    });
  }
  return out;
}

} // namespace actio
