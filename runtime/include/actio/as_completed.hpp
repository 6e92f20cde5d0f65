// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/future.hpp"
#include "actio/generator.hpp"

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

/// asyncio 3.13's `async for t in as_completed(aws)`: a generator that
/// yields the input futures themselves, in completion order, each already
/// done, so one failure does not end the loop:
/// `while (auto f = co_await done.next()) use(f->result());`. Each `next()`
/// waits for the next input to finish; nothing is cancelled, and a consumer
/// cancelled inside `next()` leaves the inputs running. Stopping early is
/// safe: the inputs not yet yielded are dropped, not cancelled.
template <class T>
generator<future<T>> as_completed_iter(std::vector<future<T>> inputs) {
  auto order =
      std::make_shared<detail::completion_order<future<T>>>(inputs.size());
  std::vector<future<future<T>>> out;
  out.reserve(inputs.size());
  for (auto& p : order->slots)
    out.push_back(p.get_future());
  for (auto& in : inputs) {
    auto* st = detail::state_of(in).get(); // alive while it runs callbacks
    st->add_callback([order, st] {
      order->slots[order->next.fetch_add(1, std::memory_order_acq_rel)]
          .set_value(future<T>{detail::state_ptr<detail::state<T>>(st)});
    });
  }
  inputs.clear();
  for (auto& f : out)
    co_yield co_await std::move(f);
}

} // namespace actio
