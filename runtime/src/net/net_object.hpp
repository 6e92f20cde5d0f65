// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <asio/error.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>

#include <exception>
#include <memory>
#include <string>

#include "actio/net/net_error.hpp"
#include "actio/unique_function.hpp"

namespace actio::detail {

class runtime_core;

/// Something on the I/O thread that the runtime closes before it stops the
/// reactor, so that no socket outlives the reactor with an operation
/// pending.
class net_object {
public:
  virtual ~net_object() = default;

  /// Closes the underlying socket(s). Runs on the I/O thread.
  virtual void close_now() = 0;
};

/// Registers `obj` with the runtime (weakly).
void register_net_object(runtime_core& rt, std::weak_ptr<net_object> obj);

/// Closes every registered object on the I/O thread (called by close()).
void close_net_objects(runtime_core& rt);

/// Throws actio::runtime_error under virtual time (I/O runs in real time).
void require_real_time(runtime_core& rt, const char* what);

/// Maps an asio error to actio's net_error, naming the endpoint.
std::exception_ptr to_net_error(const std::error_code& ec,
                                const std::string& where);

/// Runs `fn` on the runtime's loop actor (never on the I/O thread); runs it
/// right here if the runtime is already closing.
void on_loop(runtime_core& rt, unique_function<void()> fn);

} // namespace actio::detail
