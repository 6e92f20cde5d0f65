// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/task_driver.hpp"

#include <type_traits>
#include <utility>

namespace actio {

/// Runs `fn(args...)` (a function returning `task<T>`) as a new task in its
/// own actor and returns its future. Inside a task or actor it spawns on
/// that actor's runtime; elsewhere on the process's current runtime. The
/// arguments are moved into the task and live as long as it runs.
///
/// Also takes a coroutine object, `create_task(f(x))`, as asyncio does; the
/// object's parameters live in it, but a lambda's captures do not: pass a
/// lambda itself (`create_task(lambda)`, `create_task(lambda, args...)`),
/// which the task then owns. `create_task(lambda())` with a capturing
/// lambda throws `std::invalid_argument` rather than run on a dead lambda.
///
/// A string first, `create_task("fetch example.org", f, args...)`, names the
/// task (asyncio's `name=`): the task dump, `future::get_name()` and the
/// report of an error nobody retrieved show it. Unnamed tasks are called
/// "Task-<id>".
template <class Fn, class... Args>
auto create_task(Fn&& fn, Args&&... args) {
  if constexpr (sizeof...(Args) == 0 &&
                detail::is_task<std::decay_t<Fn>>::value) {
    return detail::spawn_coroutine(detail::ambient_runtime(),
                                   std::forward<Fn>(fn));
  } else if constexpr (detail::is_task_name_v<Fn> && sizeof...(Args) >= 1) {
    return detail::create_named(detail::ambient_runtime(),
                                std::string{std::string_view{fn}},
                                std::forward<Args>(args)...);
  } else {
    return detail::spawn_call(detail::ambient_runtime(), std::forward<Fn>(fn),
                              std::forward<Args>(args)...);
  }
}

} // namespace actio
