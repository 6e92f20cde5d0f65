// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/metrics/metrics_registry.hpp"

#include <string>

namespace actio {

class runtime;

/// The registry of `rt`: the runtime's built-in metrics live here, and a
/// program adds its own. Valid as long as `rt`; thread-safe.
metrics_registry& metrics(runtime& rt) noexcept;

/// The registry of the ambient runtime (the calling task's, else
/// `runtime::current()`). Throws actio::runtime_error if there is none.
metrics_registry& metrics();

/// Where `rt` serves `/metrics` (`--actio-metrics`): "HOST:PORT" with the
/// port actually bound (so port 0 can be found out), or "" when the
/// endpoint is off.
std::string metrics_address(const runtime& rt);

} // namespace actio
