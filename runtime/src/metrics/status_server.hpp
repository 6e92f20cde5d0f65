// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

// The runtime's status endpoint (`--actio-metrics`): a minimal HTTP/1.1
// GET responder on a thread of its own, apart from the scheduler and the
// reactor, so that it answers also while they are stalled.
namespace actio::detail {

/// The pages a status server serves, by path; thread-safe.
class status_pages {
public:
  struct page {
    std::string content_type;
    std::function<std::string()> render;
  };

  void add(std::string path, std::string content_type,
           std::function<std::string()> render);

  /// The page at `path`, or null.
  std::shared_ptr<const page> find(const std::string& path) const;

private:
  mutable std::mutex mtx_; // guards pages_
  std::map<std::string, std::shared_ptr<const page>> pages_;
};

/// A parsed `HOST:PORT` (`127.0.0.1:9464`, `[::1]:0`, `localhost:9464`).
struct status_address {
  std::string host; // numeric, without brackets
  std::uint16_t port = 0;
  bool ipv6 = false;
  bool loopback = false;
};

/// Parses `text`; throws std::invalid_argument naming `option` when it is
/// not an IP literal (or "localhost") with a port.
status_address parse_status_address(const std::string& option,
                                    const std::string& text);

/// Limits of the responder; the defaults serve Prometheus and actio-ps.
struct status_limits {
  std::size_t max_request = 8192; // bytes of request line and headers
  std::size_t max_clients = 32;   // open connections; others wait
  int timeout_ms = 5000;          // per connection, request to last byte
};

/// Listens on `address` and serves `pages` on its own thread until
/// destroyed. Answers GET and HEAD of a registered path with 200, other
/// paths with 404, other methods with 405, malformed requests with 400,
/// oversized ones with 431, a page whose render throws with 500; always
/// `Connection: close`. A client that is too slow is dropped at its
/// deadline.
class status_server {
public:
  /// Binds and starts the thread; throws actio::runtime_error if it cannot
  /// bind.
  status_server(const status_address& address,
                std::shared_ptr<status_pages> pages, status_limits limits = {});
  ~status_server();
  status_server(const status_server&) = delete;
  status_server& operator=(const status_server&) = delete;

  /// "HOST:PORT" actually bound (IPv6 hosts in brackets).
  const std::string& address() const noexcept { return bound_; }

  /// Stops and joins the thread, closing every connection; idempotent.
  void stop() noexcept;

private:
  void run();

  std::shared_ptr<status_pages> pages_;
  status_limits limits_;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::string bound_;
  std::thread thread_;
};

} // namespace actio::detail
