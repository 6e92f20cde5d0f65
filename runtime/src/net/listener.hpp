// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "net/transport.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

namespace actio::detail {

/// Completion of an accept: the new client's transport, or the error.
using accept_handler =
    std::function<void(std::error_code, std::shared_ptr<transport>)>;

/// A listening socket on the I/O thread, TCP or Unix-domain: what a server
/// accepts clients from. Every member runs on the I/O thread.
class listener {
public:
  virtual ~listener() = default;

  /// Accepts the next client; at most one accept is pending at a time.
  virtual void async_accept(accept_handler h) = 0;

  /// Closes the listening socket (a pending accept completes with
  /// `operation_aborted`); a Unix listener also removes its socket file if
  /// it is still the one it made. Idempotent.
  virtual void close() = 0;

  /// The TCP port it listens on; 0 for a Unix socket.
  virtual std::uint16_t port() const = 0;

  /// "host:port" or the socket's path.
  virtual std::string address() const = 0;
};

/// Binds and listens on `host:port` (TCP, SO_REUSEADDR); its clients are
/// TLS transports on `tls` when it is set. Throws net_error
/// (`address_in_use`, `resolve_failed`, `other`).
std::unique_ptr<listener>
open_tcp_listener(asio::io_context& io, const std::string& host,
                  std::uint16_t port, int backlog,
                  std::shared_ptr<asio::ssl::context> tls);

/// Binds and listens on the Unix-domain socket `path`. A socket file left
/// at `path` by a server that is gone (connecting to it is refused) is
/// removed first; a live server's socket, or a file that is not a socket,
/// is `address_in_use`. A path longer than the system's limit, or one in a
/// directory that cannot be written, throws net_error (`other`) saying so.
std::unique_ptr<listener>
open_unix_listener(asio::io_context& io, const std::string& path, int backlog);

/// Checks that `path` fits a Unix-domain socket address; throws net_error
/// (`other`) naming the path and the limit otherwise. `what` says who asks.
void check_unix_path(const std::string& path, const char* what);

} // namespace actio::detail
