// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/timer_handle.hpp"
#include "actio/unique_function.hpp"

#include <chrono>
#include <cstddef>
#include <new>
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

/// How a callback stored inside its timer node runs and is destroyed.
struct call_ops {
  void (*call)(void*);
  void (*destroy)(void*) noexcept;
};

/// The operations for a callback of type `F` stored inside its timer node;
/// `call` runs it on the loop actor (at most once, the node claimed first),
/// `destroy` runs once, when it ran, was cancelled or the runtime closed.
template <class F>
inline constexpr call_ops call_ops_for{
    [](void* p) { static_cast<void>((*static_cast<F*>(p))()); },
    [](void* p) noexcept { static_cast<F*>(p)->~F(); }};

/// The largest callback stored inside its timer node (one block for both);
/// a larger one gets a block of its own.
inline constexpr std::size_t max_inline_call = 192;

/// A timer node of `rt` with room for a callback of `bytes` bytes (at most
/// `max_inline_call`) inside it, not yet scheduled. Throws
/// actio::runtime_error if the runtime is closed.
timer_node* make_call_node(runtime_core& rt, std::size_t bytes);

/// Where the callback of a node from `make_call_node` is constructed.
void* call_storage(timer_node* node) noexcept;

/// Frees a node from `make_call_node` whose callback was never constructed.
void discard_call_node(timer_node* node) noexcept;

/// Schedules a node from `make_call_node` whose callback is constructed
/// (run and destroyed through `ops`), as `schedule_call` does.
timer_node* schedule_call_node(runtime_core& rt, timer_node* node,
                               time_point when, const call_ops& ops);

/// As `schedule_call`, with `fn` stored inside the timer node when it fits
/// (one allocation per timer instead of two).
template <class F>
timer_node* schedule_callable(runtime_core& rt, time_point when, F fn) {
  if constexpr (sizeof(F) <= max_inline_call &&
                alignof(F) <= alignof(std::max_align_t)) {
    auto* node = make_call_node(rt, sizeof(F));
    try {
      ::new (call_storage(node)) F(std::move(fn));
    } catch (...) {
      discard_call_node(node);
      throw;
    }
    return schedule_call_node(rt, node, when, call_ops_for<F>);
  } else {
    return schedule_call(rt, when, unique_function<void()>(std::move(fn)));
  }
}

/// The ambient runtime (of the calling actor, else the current one).
runtime_core& ambient_runtime();

/// The ambient runtime's clock.
time_point ambient_now();

/// `fn` with `args` bound, as one callable taking no argument.
template <class Fn, class... Args>
auto bind_call(Fn fn, Args... args) {
  if constexpr (sizeof...(Args) == 0) {
    return fn;
  } else {
    return [fn = std::move(fn),
            args = std::make_tuple(std::move(args)...)]() mutable {
      std::apply(fn, std::move(args));
    };
  }
}

} // namespace detail

/// Runs `fn(args...)` on the runtime's loop actor as soon as possible
/// (asyncio's `call_soon`), from any thread, task or actor. Callbacks run
/// one at a time, in the order they become due.
template <class Fn, class... Args>
timer_handle call_soon(Fn fn, Args... args) {
  return timer_handle{detail::schedule_callable(
      detail::ambient_runtime(), time_point::min(),
      detail::bind_call(std::move(fn), std::move(args)...))};
}

/// Runs `fn(args...)` on the runtime's loop actor at `when` on the
/// runtime's clock; equal deadlines run in scheduling order.
template <class Fn, class... Args>
timer_handle call_at(time_point when, Fn fn, Args... args) {
  return timer_handle{detail::schedule_callable(
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
