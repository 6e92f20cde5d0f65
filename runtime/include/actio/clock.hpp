// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>

namespace actio {

/// The runtime's monotonic clock (asyncio's `loop.time()`); under virtual
/// time its `now` is the runtime's simulated time, not this clock's.
using clock = std::chrono::steady_clock;

/// A point on the runtime's monotonic clock.
using time_point = clock::time_point;

/// A span of time on the runtime's clock.
using duration = clock::duration;

} // namespace actio
