// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/runtime_options.hpp"

#include <caf/fwd.hpp>

#include <cstddef>

namespace actio {

/// Makes a plain CAF 0.17 actor system (one that is not an actio runtime)
/// run on one of actio's scheduler policies, e.g. `handoff`, with `threads`
/// workers (0: one per core, at least 2). Call it on the configuration
/// before the `caf::actor_system` is constructed; the system's scheduler
/// threads then report `inside_scheduler` like an actio runtime's. Used by
/// the raw CAF benchmark peers to judge the policy apart from actio's task
/// actors.
void use_scheduler(caf::actor_system_config& config, scheduler_policy policy,
                   std::size_t threads = 0);

} // namespace actio
