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
  /// Scheduler threads of the server's private runtime (at least 1).
  std::size_t threads = 1;
  /// Delay before the site answers each request (also settable later with
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
  /// Requests received whose answer the site has not produced yet (the
  /// latency included); a request whose client goes away stops counting.
  std::size_t in_flight = 0;
  /// Highest `in_flight` observed: a polite crawler keeps it at its
  /// per-host connection limit.
  std::size_t max_in_flight = 0;
};

/// Serves a `demo_site` over HTTP/1.1 with actio's HTTP server
/// (`actio::http_server`) on a private runtime of its own, so that a test
/// or program can run it beside its own runtime (it never becomes
/// `runtime::current()` nor handles signals): keep-alive and pipelining,
/// Content-Length and chunked request bodies, HEAD, 404 for unknown hosts
/// and paths, and the HTTP server's answers to broken requests (400, 431
/// for heads over `max_request_bytes`, 413, 408 for a client that stalls;
/// docs/http_server.md).
///
/// Life cycle: construct, `start()`, use `port()`, `stop()` (or destroy);
/// call them from threads that are not actors of an actio runtime (they
/// block). Counters are readable from any thread at any time.
class demo_server {
public:
  /// Creates a stopped server for `site`.
  explicit demo_server(demo_site site, demo_server_options options = {});

  /// Stops the server (see `stop`).
  ~demo_server();

  demo_server(const demo_server&) = delete;
  demo_server& operator=(const demo_server&) = delete;

  /// Starts the private runtime, binds and listens; returns once
  /// connections are accepted. Throws std::system_error if the address
  /// cannot be bound (`std::errc::address_in_use` when the port is taken)
  /// and std::logic_error if called twice or after `stop()`.
  void start();

  /// The bound port (0 before `start()`).
  std::uint16_t port() const noexcept;

  /// Closes the listener and every connection (requests in progress are
  /// dropped without response, their handlers cancelled) and closes the
  /// private runtime, joining its threads. Callable from any thread that
  /// is not one of the server's, any number of times; the first call does
  /// the work, later ones return at once.
  void stop();

  /// Counters of `host` (all zero if it was never requested).
  demo_host_stats stats(std::string_view host) const;

  /// Counters of every host requested so far.
  std::map<std::string, demo_host_stats, std::less<>> all_stats() const;

  /// Requests over all hosts.
  std::uint64_t total_requests() const;

  /// TCP connections accepted so far (kept after `stop()`).
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
