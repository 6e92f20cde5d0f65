// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/net/connection.hpp"
#include "net/transport.hpp"

#include <caf/actor.hpp>

#include <memory>

namespace actio::detail {

class runtime_core;

/// Spawns the actor that owns `conn` (an actio stream in push mode) and the
/// user's actor running `make`, and starts delivering input to it. Calls
/// `on_end` exactly once when the user's actor has ended (on the thread
/// that ended it, or right here if it ended already), after starting the
/// connection's graceful close. Returns the user's actor. Callable from
/// any thread; runs no user code itself.
caf::actor spawn_connection_actor(runtime_core& rt,
                                  std::shared_ptr<transport> conn,
                                  std::shared_ptr<connection_behavior> make,
                                  const connection_options& options,
                                  unique_function<void()> on_end);

} // namespace actio::detail
