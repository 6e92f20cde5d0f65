// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http/request.hpp"
#include "actio/http/result.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace asio {
class io_context;
} // namespace asio

namespace actio::http {

/// Engine-wide limits and the defaults for unset `request_options`.
struct engine_options {
  /// Open connections at most, over all hosts (0 = unlimited).
  long max_total_connections = 256;
  /// Open connections at most per host (0 = unlimited).
  long max_host_connections = 8;
  /// Requests handed to curl at once; later ones wait in a FIFO queue
  /// inside the engine until a slot frees.
  std::size_t max_in_flight = 64;
  /// Value of the User-Agent header.
  std::string user_agent = "actio-http/0.1";
  /// Default `request_options::connect_timeout`.
  std::chrono::milliseconds connect_timeout{10'000};
  /// Default `request_options::total_timeout`.
  std::chrono::milliseconds total_timeout{60'000};
  /// Default `request_options::low_speed_limit` (bytes per second).
  long low_speed_limit = 1;
  /// Default `request_options::low_speed_time`.
  std::chrono::seconds low_speed_time{30};
  /// Default `request_options::max_redirects`.
  long max_redirects = 10;
  /// Default `request_options::max_body_bytes` (0 = unlimited).
  std::size_t max_body_bytes = 64u << 20;
  /// Negotiates HTTP/2 over TLS (ALPN) when true; HTTP/1.1 only otherwise.
  bool allow_http2 = true;
  /// How long resolved addresses are cached.
  std::chrono::seconds dns_cache_timeout{60};
};

/// Counters of an engine; read from any thread, each value consistent on
/// its own but not with the others.
struct engine_stats {
  /// Submitted requests waiting for a slot in the in-flight window.
  std::size_t queued = 0;
  /// Requests currently handed to curl.
  std::size_t in_flight = 0;
  /// Callbacks invoked with a response.
  std::uint64_t completed = 0;
  /// Callbacks invoked with an error (cancelled and shutdown included).
  std::uint64_t failed = 0;
  /// TCP connections open now, in use or idle in curl's connection cache.
  std::size_t connections = 0;
};

/// Completion callback of one request.
using completion_handler = std::function<void(result)>;

/// An asynchronous HTTP client: libcurl's multi_socket interface driven by an
/// asio io_context that someone else owns and runs.
///
/// All curl work and every callback run on the io_context (serialized by a
/// strand). `submit`, `cancel`, `shutdown` and `stats` may be called from any
/// thread, including from inside a callback. Each submitted callback is
/// invoked exactly once, on the io_context's thread, with a response or an
/// error; exceptions thrown by a callback are swallowed, never propagated
/// into the io_context.
class engine {
public:
  /// Creates an idle engine bound to `io`; `io` must outlive the engine.
  /// Throws std::runtime_error if curl cannot be initialised.
  engine(asio::io_context& io, engine_options options = {});

  /// Shuts down (see `shutdown`) and returns after every outstanding
  /// callback has run. Allowed callers:
  /// - a thread not running `io`, while `io` runs: waits for the io thread;
  /// - the io thread or a callback: works inline (with several threads
  ///   running `io`, only from a callback); from inside a callback the other
  ///   callbacks run right after that callback returns;
  /// - any thread after `io.run()` returned: callbacks run on that thread.
  /// Never while `io` is neither running nor stopped: it would wait forever.
  ~engine();

  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// Queues `req` and returns its id; `on_done` is invoked exactly once on
  /// the io thread. The request is handed to curl when fewer than
  /// `max_in_flight` requests are with curl, in submission order; the total
  /// timeout starts then (and includes waiting inside curl for a connection
  /// when `max_host_connections` is reached). After `shutdown` the callback
  /// gets `error_kind::shutdown` without any network activity; so it does
  /// when the engine is destroyed before `io` ran the submission (then on
  /// the destroying thread).
  request_id submit(request req, completion_handler on_done);

  /// Aborts a queued or in-flight request; its callback gets
  /// `error_kind::cancelled`. Does nothing if the request already completed
  /// (its callback got the real result) or the id is unknown.
  void cancel(request_id id);

  /// Fails every queued and in-flight request with `error_kind::shutdown`,
  /// closes all connections and releases curl. Idempotent; returns at once,
  /// the work happens on the io thread.
  void shutdown();

  /// Returns the current counters.
  engine_stats stats() const noexcept;

private:
  class impl;
  std::shared_ptr<impl> impl_;
};

} // namespace actio::http
