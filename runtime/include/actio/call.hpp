// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/timer_handle.hpp"
#include "actio/unique_function.hpp"

#include <chrono>
#include <tuple>
#include <utility>

namespace actio {

namespace detail {

class runtime_core;

/// Schedules `fn` on the loop actor of `rt` at `when` (`time_point::min()`:
/// as soon as possible). Returns a node with one reference for the caller.
/// Throws actio::runtime_error if the runtime is closed.
timer_node* schedule_call(runtime_core& rt, time_point when,
                          unique_function<void()> fn);

/// The ambient runtime (of the calling actor, else the current one).
runtime_core& ambient_runtime();

/// The ambient runtime's clock.
time_point ambient_now();

template <class Fn, class... Args>
unique_function<void()> bind_call(Fn fn, Args... args) {
  return [fn = std::move(fn),
          args = std::make_tuple(std::move(args)...)]() mutable {
    std::apply(fn, std::move(args));
  };
}

} // namespace detail

/// Runs `fn(args...)` on the runtime's loop actor as soon as possible
/// (asyncio's `call_soon`), from any thread, task or actor. Callbacks run
/// one at a time, in the order they become due.
template <class Fn, class... Args>
timer_handle call_soon(Fn fn, Args... args) {
  return timer_handle{detail::schedule_call(
      detail::ambient_runtime(), time_point::min(),
      detail::bind_call(std::move(fn), std::move(args)...))};
}

/// Runs `fn(args...)` on the runtime's loop actor at `when` on the
/// runtime's clock; equal deadlines run in scheduling order.
template <class Fn, class... Args>
timer_handle call_at(time_point when, Fn fn, Args... args) {
  return timer_handle{detail::schedule_call(
      detail::ambient_runtime(), when,
      detail::bind_call(std::move(fn), std::move(args)...))};
}

/// Runs `fn(args...)` on the runtime's loop actor after `delay`.
template <class Rep, class Period, class Fn, class... Args>
timer_handle call_later(std::chrono::duration<Rep, Period> delay, Fn fn,
                        Args... args) {
  return call_at(detail::ambient_now() +
                     std::chrono::duration_cast<duration>(delay),
                 std::move(fn), std::move(args)...);
}

} // namespace actio
