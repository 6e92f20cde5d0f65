// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/any_future.hpp"

namespace actio {

/// The future of the task running on this thread (asyncio's
/// `current_task()`): its name, cancel and completion, from inside it.
/// Invalid (`valid()` false) outside any task: in `main`, a callback or a
/// closure actor.
any_future current_task();

} // namespace actio
