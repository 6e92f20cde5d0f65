// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace actio {
class runtime;
} // namespace actio

namespace actio::detail {

/// The runtime whose task, callback or actor is calling, else the
/// process's current one (for sync primitives constructed without one);
/// throws actio::runtime_error if there is none.
runtime& sync_ambient_runtime();

} // namespace actio::detail
