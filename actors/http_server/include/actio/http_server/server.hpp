// SPDX-License-Identifier: Apache-2.0
#pragma once

// An HTTP/1.1 server: one actor per connection (an actio protocol), the
// requests of a connection answered in order (keep-alive and pipelining),
// handlers as tasks, as plain functions on the connection's actor, or as
// CAF actors. See docs/http_server.md.

#include "actio/clock.hpp"
#include "actio/future.hpp"
#include "actio/http_server/request.hpp"
#include "actio/http_server/request_parser.hpp"
#include "actio/http_server/response.hpp"
#include "actio/net/start_server.hpp"
#include "actio/outcome.hpp"
#include "actio/task.hpp"
#include "actio/unique_function.hpp"

#include <caf/actor.hpp>
#include <caf/behavior.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace actio::http_server {

namespace detail {
class server_core;
} // namespace detail

/// Limits and timeouts of a server.
struct server_options {
  /// `max_connections`, `backlog` and TLS (`net.tls.cert_file`/`key_file`)
  /// as for `actio::start_server`.
  actio::server_options net;
  /// Sizes a request must keep (413, 414, 431 otherwise).
  parser_limits limits;
  /// A request's line and header fields must arrive within this of its
  /// first byte (of the connection's start, for the first request);
  /// otherwise the client gets 408 and the connection is closed. A client
  /// that trickles its headers (slowloris) is dropped after this however
  /// steadily it sends.
  duration header_timeout = std::chrono::seconds(10);
  /// The body must arrive within this of the headers; else 408 and close.
  duration body_timeout = std::chrono::seconds(30);
  /// An idle keep-alive connection is closed after this.
  duration keep_alive_timeout = std::chrono::seconds(5);
  /// A client that leaves more than 64 KiB of responses unread for this
  /// long is disconnected.
  duration write_timeout = std::chrono::seconds(30);
  /// A handler (task or actor) that has not answered within this gets
  /// its task cancelled and the client a 503.
  duration handler_timeout = std::chrono::seconds(60);
};

/// A handler run as a task of its own for every request
/// (`co_return response`); it may await anything. If it throws, the client
/// gets 500 (the exception's text is not sent); if the client disconnects
/// first, the task is cancelled.
using handler = unique_function<task<response>(request)>;

/// A handler run right on the connection's actor, for answers that need no
/// waiting: it must not block (it holds up its connection's actor and one
/// CAF worker thread). Cheapest per request: no task, no extra message.
using inline_handler = unique_function<response(request&)>;

/// Makes the CAF actor that serves one connection's requests: spawned when
/// the connection is made, sent each `request` as a CAF request and
/// expected to answer with a `response` (a `caf::result<response>`, so it
/// may delegate, e.g. to a pool); it receives an exit message
/// (`caf::exit_reason::user_shutdown`) when its connection ends.
using actor_factory = unique_function<caf::behavior(caf::event_based_actor*)>;

/// A running HTTP server. Copies refer to the same server.
class server {
public:
  server() = default;
  explicit server(std::shared_ptr<detail::server_core> core)
      : core_(std::move(core)) {}

  /// The TCP port it listens on (0 for a Unix socket).
  std::uint16_t port() const;

  /// Connections open now.
  std::size_t active_connections() const;

  /// Connections accepted since the server started, closed ones included.
  std::size_t connections_accepted() const;

  /// Responses written so far, error responses included.
  std::size_t responses() const;

  /// Graceful shutdown: stops accepting at once (new clients are
  /// refused), closes idle connections, lets each connection finish the
  /// request it is serving (its response says "Connection: close") and
  /// closes it; connections still open after `grace` are aborted. The
  /// future completes, on the runtime's loop actor, once every connection
  /// is gone. Idempotent.
  future<none> shutdown(duration grace = std::chrono::seconds(10));

  /// Stops accepting and aborts every connection; running handler tasks
  /// are cancelled. Completes once all connections are gone.
  future<none> close();

private:
  std::shared_ptr<detail::server_core> core_;
};

/// Serves HTTP/1.1 on `host:port` (TLS if `options.net.tls` says so),
/// running `h` as a task for every request. Fails as
/// `actio::start_server` does (`address_in_use`, `tls_failed`, ...).
/// Completed exactly once, on the runtime's loop actor; the runtime's
/// close closes the server.
future<server> start_server(std::string host, std::uint16_t port, handler h,
                            server_options options);

/// `start_server` with an inline handler.
future<server> start_server(std::string host, std::uint16_t port,
                            inline_handler h, server_options options);

/// `start_server` sending every request to the CAF actor `target` (one
/// for all connections, e.g. a pool's front) as a CAF request answered
/// with a `response`; an error answer or a timeout gives the client 500 or
/// 503.
future<server> start_server(std::string host, std::uint16_t port,
                            caf::actor target, server_options options);

/// `start_server` with one CAF actor per connection made by `make`.
future<server> start_server(std::string host, std::uint16_t port,
                            actor_factory make, server_options options);

/// `start_server` on the Unix-domain socket `path` (handled as
/// `actio::start_unix_server` says).
future<server> start_unix_server(std::string path, handler h,
                                 server_options options);

} // namespace actio::http_server
