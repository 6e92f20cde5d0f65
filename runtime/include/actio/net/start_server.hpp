// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/future.hpp"
#include "actio/net/stream.hpp"
#include "actio/net/tls.hpp"
#include "actio/task.hpp"
#include "actio/unique_function.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace actio {

namespace detail {
class server_impl;
} // namespace detail

/// A listening TCP server from `start_server`. Copies refer to the same
/// server.
class server {
public:
  server() = default;
  explicit server(std::shared_ptr<detail::server_impl> impl)
      : impl_(std::move(impl)) {}

  /// The port it listens on (useful after binding port 0).
  std::uint16_t port() const;

  /// Connections whose handler is still running.
  std::size_t active_connections() const;

  /// Connections accepted so far.
  std::size_t accepted() const;

  /// TLS clients dropped because their handshake failed or timed out.
  std::size_t tls_handshake_failures() const;

  /// Closes the listening socket (new clients are refused) and leaves the
  /// running handlers alone: the first step of a graceful shutdown. The
  /// future completes, on the loop actor, once the socket is closed.
  /// Idempotent; `close()` still cancels the handlers.
  future<none> stop_accepting();

  /// Stops accepting and cancels every running handler; the returned
  /// future completes once all handlers have ended. Idempotent.
  future<none> close();

private:
  std::shared_ptr<detail::server_impl> impl_;
};

/// Limits of a server.
struct server_options {
  /// At most this many handlers run at once; further clients wait in the
  /// kernel's backlog until one ends.
  std::size_t max_connections = 1024;
  /// listen() backlog.
  int backlog = 512;
  /// Serve TLS with this certificate and key. The handshake runs before
  /// the handler starts, within `tls.handshake_timeout`; a client that
  /// fails it is dropped without running the handler.
  tls_server_options tls;
};

/// What runs for each client: a coroutine taking the connection.
using connection_handler = unique_function<task<void>(stream)>;

/// Listens on `host:port` (port 0 picks a free one) and runs
/// `handler(stream)` as a task of its own for every client
/// (asyncio.start_server); the connection is closed when the handler
/// ends. Fails with `net_errc::address_in_use` or `other` if it cannot
/// bind, `tls_failed` if the certificate or key cannot be loaded.
/// Completed exactly once, on the runtime's loop actor. The runtime's close
/// stops the server and cancels its handlers.
future<server> start_server(std::string host, std::uint16_t port,
                            connection_handler handler, server_options options);

/// `start_server` with the default options (an overload, not a default
/// argument, for the reason given at `open_connection`).
future<server> start_server(std::string host, std::uint16_t port,
                            connection_handler handler);

} // namespace actio
