// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/net/stream.hpp"
#include "net/net_object.hpp"
#include "net/transport.hpp"

#include <caf/actor.hpp>

#include <memory>

namespace actio::detail {

class runtime_core;

/// Spawns the actor that owns a connected (and, for TLS, handshaken)
/// transport and returns the handle behind an actio::stream. Callable from
/// any thread.
std::shared_ptr<stream_handle> spawn_stream(runtime_core& rt,
                                            std::shared_ptr<transport> conn);

} // namespace actio::detail
