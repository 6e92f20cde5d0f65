// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/demo/demo_site.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace actio::crawl {

/// Options of a `demo_server`.
struct demo_server_options {
  /// Address to listen on.
  std::string address = "127.0.0.1";
  /// Port to listen on; 0 picks an ephemeral one (see `demo_server::port`).
  std::uint16_t port = 0;
  /// Threads running the server's event loop.
  std::size_t threads = 1;
  /// Delay added before every response is sent (also settable later with
  /// `demo_server::set_latency`); the request counts as in flight meanwhile.
  std::chrono::milliseconds latency{0};
  /// Requests whose head (request line and headers) exceeds this get 431
  /// and the connection is closed.
  std::size_t max_request_bytes = 64 * 1024;
};

/// Request counters of one host (the Host header's name, lower-cased,
/// without port).
struct demo_host_stats {
  /// Requests received (complete heads parsed).
  std::uint64_t requests = 0;
  /// Requests received whose response is not completely written yet.
  std::size_t in_flight = 0;
  /// Highest `in_flight` observed: a polite crawler keeps it at its
  /// per-host connection limit.
  std::size_t max_in_flight = 0;
};

/// An embedded HTTP/1.1 server that serves a `demo_site` on its own
/// thread(s): keep-alive (HTTP/1.1 default, `Connection: close` honoured),
/// pipelined requests answered in order, Content-Length bodies, HEAD, 404 for
/// unknown hosts and paths, 400 for malformed requests, 431 for oversized
/// heads, 501 for chunked request bodies.
///
/// Life cycle: construct, `start()`, use `port()`, `stop()` (or destroy).
/// Counters are readable from any thread at any time.
class demo_server {
public:
  /// Creates a stopped server for `site`.
  explicit demo_server(demo_site site, demo_server_options options = {});

  /// Stops the server (see `stop`).
  ~demo_server();

  demo_server(const demo_server&) = delete;
  demo_server& operator=(const demo_server&) = delete;

  /// Binds, listens and starts the threads; returns once connections are
  /// accepted. Throws std::system_error if the address cannot be bound and
  /// std::logic_error if called twice or after `stop()`.
  void start();

  /// The bound port (0 before `start()`).
  std::uint16_t port() const noexcept;

  /// Closes the listener and every connection (requests in progress are
  /// dropped without response) and joins the threads. Callable from any
  /// thread, any number of times; the first call does the work, later ones
  /// return at once.
  void stop();

  /// Counters of `host` (all zero if it was never requested).
  demo_host_stats stats(std::string_view host) const;

  /// Counters of every host requested so far.
  std::map<std::string, demo_host_stats, std::less<>> all_stats() const;

  /// Requests over all hosts.
  std::uint64_t total_requests() const;

  /// TCP connections accepted so far.
  std::uint64_t connections_accepted() const noexcept;

  /// Zeroes all counters except requests currently in flight.
  void reset_stats();

  /// Changes the delay before each response; applies to requests received
  /// afterwards.
  void set_latency(std::chrono::milliseconds latency) noexcept;

  /// The site being served.
  const demo_site& site() const noexcept;

  /// "http://<host>:<port>/", the home page of `host` on this server.
  std::string url_of(std::string_view host) const;

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

} // namespace actio::crawl
