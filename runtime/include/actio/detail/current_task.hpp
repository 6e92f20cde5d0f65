// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/future_state.hpp"

namespace actio::detail {

/// The shared state of the future of the task running on this thread
/// (asyncio's `current_task()`), for primitives that tie what a task holds
/// to its life; null outside any task (in `main`, a callback or a closure
/// actor). The state completes once, when the task ends however it ends.
state_ptr<state_base> current_task_state() noexcept;

} // namespace actio::detail
