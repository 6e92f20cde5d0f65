// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/net/tls.hpp"

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

namespace asio::ssl {
class context;
} // namespace asio::ssl

namespace actio::detail {

/// Completion of a transport read or write: error and bytes moved.
using io_handler = std::function<void(std::error_code, std::size_t)>;

/// A connected byte stream on the I/O thread: plain TCP, TLS over TCP, a
/// Unix-domain socket or a pipe. Every member is called on the I/O thread
/// only; at most one read and one write are in flight at a time.
class transport {
public:
  virtual ~transport() = default;

  /// What is at the other end, for messages: "address:port", a socket
  /// path, "pid 42 stdout".
  virtual std::string peer_name() = 0;

  /// Completes with some bytes, or `asio::error::eof` at the peer's end.
  virtual void async_read_some(asio::mutable_buffer buf, io_handler h) = 0;

  /// Completes once all of `buf` is written, or with the error.
  virtual void async_write(asio::const_buffer buf, io_handler h) = 0;

  /// Ends the sending side once queued writes are done (TCP FIN; TLS
  /// close_notify); reading goes on.
  virtual void shutdown_send() = 0;

  /// Ends the connection politely where the protocol has a way (TLS sends
  /// close_notify, bounded by a short timer), then closes the socket.
  /// Idempotent.
  virtual void close() = 0;

  /// Closes the socket at once; pending operations complete with
  /// `operation_aborted`. Idempotent.
  virtual void abort() = 0;
};

/// A transport over a TCP socket (plain or TLS).
class tcp_socket_transport : public transport {
public:
  /// The TCP socket underneath (to connect, accept and query endpoints).
  virtual asio::ip::tcp::socket& socket() = 0;

  /// "address:port" of the connected peer.
  std::string peer_name() override;
};

/// A plain TCP transport on `io`.
std::shared_ptr<tcp_socket_transport> make_tcp_transport(asio::io_context& io);

/// A TLS transport on `io` using `ctx` (kept alive by the transport).
std::shared_ptr<tcp_socket_transport>
make_tls_transport(asio::io_context& io,
                   std::shared_ptr<asio::ssl::context> ctx);

/// The client context for `options`: verification on unless switched off,
/// the CA file or the system trust store. Throws net_error (tls_failed)
/// naming the file it cannot load. Contexts are shared by every connection
/// with the same options (per process, thread-safe): loading Debian's
/// system trust store takes ~30 ms, which each connect used to pay on the
/// I/O thread; a CA file whose size or modification time changed is loaded
/// again (one rewritten to the same size within the file system's time
/// stamp granularity is not noticed), the system store is read once per
/// process.
std::shared_ptr<asio::ssl::context>
make_client_tls_context(const tls_client_options& options);

/// The server context for `options`. Throws net_error (tls_failed) naming
/// the certificate or key file it cannot load.
std::shared_ptr<asio::ssl::context>
make_server_tls_context(const tls_server_options& options);

/// Runs the TLS client handshake on `t` (a transport from
/// make_tls_transport), checking the certificate for `name` unless
/// `verify` is off; `done` gets null or a net_error naming `where`.
void tls_client_handshake(const std::shared_ptr<transport>& t,
                          const std::string& name, bool verify,
                          const std::string& where,
                          std::function<void(std::exception_ptr)> done);

/// Runs the TLS server handshake on `t`; `done` as above.
void tls_server_handshake(const std::shared_ptr<transport>& t,
                          const std::string& where,
                          std::function<void(std::exception_ptr)> done);

} // namespace actio::detail
