// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/stream.hpp"
#include "net/net_object.hpp"

#include <caf/actor.hpp>

#include <memory>

namespace actio::detail {

class runtime_core;

/// Spawns the actor that owns a connected socket and returns the handle
/// behind an actio::stream. Callable from any thread.
std::shared_ptr<stream_handle>
spawn_stream(runtime_core& rt, std::shared_ptr<asio::ip::tcp::socket> sock);

} // namespace actio::detail
