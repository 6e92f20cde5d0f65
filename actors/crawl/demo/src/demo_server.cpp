// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/demo/demo_server.hpp"
#include "actio/detail/ascii.hpp"

#include <asio.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace actio::crawl {

using actio::detail::iequals;
using actio::detail::trim;

using asio::ip::tcp;

namespace {

/// What connections need of the server: the site, options and counters.
struct server_core {
  demo_site site;
  demo_server_options options;
  std::atomic<std::int64_t> latency_ms{0};
  std::atomic<std::uint64_t> accepted{0};
  mutable std::mutex stats_mtx;
  std::map<std::string, demo_host_stats, std::less<>> stats;

  server_core(demo_site s, demo_server_options o)
      : site(std::move(s)), options(std::move(o)) {
    latency_ms = options.latency.count();
  }

  void request_started(const std::string& host) {
    std::lock_guard<std::mutex> guard{stats_mtx};
    auto& st = stats[host];
    ++st.requests;
    ++st.in_flight;
    st.max_in_flight = std::max(st.max_in_flight, st.in_flight);
  }

  void request_finished(const std::string& host) {
    std::lock_guard<std::mutex> guard{stats_mtx};
    auto& st = stats[host];
    if (st.in_flight > 0)
      --st.in_flight;
  }
};

} // namespace

struct demo_server::impl : server_core {
  std::unique_ptr<asio::io_context> io;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> accept_retry;
  std::vector<std::thread> threads;
  std::mutex life_mtx;
  bool started = false;
  bool stopped = false;
  std::atomic<std::uint16_t> bound_port{0};

  using server_core::server_core;

  void accept();
};

namespace {

std::string_view reason_phrase(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 301:
    return "Moved Permanently";
  case 302:
    return "Found";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  default:
    return "Unknown";
  }
}

/// The stats key of a Host header: lower-case name without port.
std::string host_key(std::string_view host) {
  if (!host.empty() && host.front() != '[') {
    auto colon = host.rfind(':');
    if (colon != std::string_view::npos)
      host = host.substr(0, colon);
  }
  std::string out(host);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return out;
}

struct request {
  std::string method;
  std::string target;
  std::string host;
  bool keep_alive = true;
  std::size_t body_bytes = 0;
  int error_status = 0; // non-zero: answer this and close
};

/// Parses the head in `head` (without the final blank line).
request parse_head(std::string_view head) {
  request req;
  auto eol = head.find("\r\n");
  auto line = head.substr(0, eol);
  auto sp1 = line.find(' ');
  auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) {
    req.error_status = 400;
    return req;
  }
  req.method = std::string(line.substr(0, sp1));
  req.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
  auto version = line.substr(sp2 + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    req.error_status = 400;
    return req;
  }
  if (req.target.empty() || req.target.front() != '/' ||
      req.target.find(' ') != std::string::npos) {
    req.error_status = 400;
    return req;
  }
  req.keep_alive = version == "HTTP/1.1";
  bool have_host = false;
  std::size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
  while (pos < head.size()) {
    auto next = head.find("\r\n", pos);
    if (next == std::string_view::npos)
      next = head.size();
    auto hline = head.substr(pos, next - pos);
    pos = next + 2;
    auto colon = hline.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      req.error_status = 400;
      return req;
    }
    auto name = hline.substr(0, colon);
    auto value = trim(hline.substr(colon + 1));
    if (iequals(name, "host")) {
      req.host = std::string(value);
      have_host = true;
    } else if (iequals(name, "connection")) {
      if (iequals(value, "close"))
        req.keep_alive = false;
      else if (iequals(value, "keep-alive"))
        req.keep_alive = true;
    } else if (iequals(name, "content-length")) {
      std::size_t n = 0;
      auto [p, ec] =
          std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc{} || p != value.data() + value.size() ||
          n > (1u << 20)) {
        req.error_status = 400;
        return req;
      }
      req.body_bytes = n;
    } else if (iequals(name, "transfer-encoding")) {
      req.error_status = 501;
      return req;
    }
  }
  if (!have_host && version == "HTTP/1.1")
    req.error_status = 400;
  return req;
}

class connection : public std::enable_shared_from_this<connection> {
public:
  connection(server_core& srv, tcp::socket sock)
      : srv_(srv), sock_(std::move(sock)), timer_(sock_.get_executor()) {}

  void run() { process(); }

private:
  void read() {
    sock_.async_read_some(
        asio::buffer(rbuf_),
        [self = shared_from_this()](std::error_code ec, std::size_t n) {
          if (ec)
            return;
          self->in_.append(self->rbuf_.data(), n);
          self->process();
        });
  }

  /// Answers the next complete request in `in_`, or reads more.
  void process() {
    auto end = in_.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (in_.size() > srv_.options.max_request_bytes) {
        send_error(431);
        return;
      }
      read();
      return;
    }
    if (end > srv_.options.max_request_bytes) {
      send_error(431);
      return;
    }
    auto req = parse_head(std::string_view(in_).substr(0, end));
    if (req.error_status != 0) {
      send_error(req.error_status);
      return;
    }
    if (in_.size() < end + 4 + req.body_bytes) {
      read(); // wait for the whole body
      return;
    }
    in_.erase(0, end + 4 + req.body_bytes);
    keep_alive_ = req.keep_alive;
    host_ = host_key(req.host);
    srv_.request_started(host_);
    auto resp = srv_.site.respond(req.host, req.method, req.target);
    build(resp, req.method == "HEAD");
    auto latency = srv_.latency_ms.load();
    if (latency > 0) {
      timer_.expires_after(std::chrono::milliseconds(latency));
      timer_.async_wait(
          [self = shared_from_this()](std::error_code) { self->write(true); });
    } else {
      write(true);
    }
  }

  void build(demo_response& resp, bool head_only) {
    head_.clear();
    head_ += "HTTP/1.1 ";
    head_ += std::to_string(resp.status);
    head_ += ' ';
    head_ += reason_phrase(resp.status);
    head_ += "\r\n";
    for (auto& [k, v] : resp.headers) {
      head_ += k;
      head_ += ": ";
      head_ += v;
      head_ += "\r\n";
    }
    head_ += "Content-Length: ";
    head_ += std::to_string(resp.body.size());
    head_ += keep_alive_ ? "\r\nConnection: keep-alive\r\n\r\n"
                         : "\r\nConnection: close\r\n\r\n";
    body_ = head_only ? std::string{} : std::move(resp.body);
  }

  void send_error(int status) {
    keep_alive_ = false;
    demo_response resp;
    resp.status = status;
    resp.headers.emplace_back("Content-Type", "text/plain");
    resp.body = std::string(reason_phrase(status)) + "\n";
    build(resp, false);
    write(false);
  }

  void write(bool counted) {
    std::array<asio::const_buffer, 2> bufs{asio::buffer(head_),
                                           asio::buffer(body_)};
    asio::async_write(
        sock_, bufs,
        [self = shared_from_this(), counted](std::error_code ec, std::size_t) {
          if (counted)
            self->srv_.request_finished(self->host_);
          if (ec)
            return;
          if (!self->keep_alive_) {
            std::error_code ignored;
            self->sock_.shutdown(tcp::socket::shutdown_both, ignored);
            self->sock_.close(ignored);
            return;
          }
          self->process();
        });
  }

  server_core& srv_;
  tcp::socket sock_;
  asio::steady_timer timer_;
  std::array<char, 16 * 1024> rbuf_{};
  std::string in_;
  std::string head_;
  std::string body_;
  std::string host_;
  bool keep_alive_ = true;
};

} // namespace

void demo_server::impl::accept() {
  acceptor->async_accept([this](std::error_code ec, tcp::socket sock) {
    if (ec == asio::error::operation_aborted || !acceptor->is_open())
      return;
    if (ec) {
      // Out of descriptors or similar: try again shortly.
      accept_retry->expires_after(std::chrono::milliseconds(10));
      accept_retry->async_wait([this](std::error_code wec) {
        if (!wec)
          accept();
      });
      return;
    }
    ++accepted;
    std::error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
    std::make_shared<connection>(*this, std::move(sock))->run();
    accept();
  });
}

demo_server::demo_server(demo_site site, demo_server_options options)
    : impl_(std::make_shared<impl>(std::move(site), std::move(options))) {}

demo_server::~demo_server() {
  stop();
}

void demo_server::start() {
  std::lock_guard<std::mutex> guard{impl_->life_mtx};
  if (impl_->started || impl_->stopped)
    throw std::logic_error("demo_server::start called twice or after stop");
  auto& d = *impl_;
  d.io =
      std::make_unique<asio::io_context>(static_cast<int>(d.options.threads));
  tcp::endpoint ep{asio::ip::make_address(d.options.address), d.options.port};
  d.acceptor = std::make_unique<tcp::acceptor>(*d.io);
  d.acceptor->open(ep.protocol());
  d.acceptor->set_option(tcp::acceptor::reuse_address(true));
  d.acceptor->bind(ep);
  d.acceptor->listen(asio::socket_base::max_listen_connections);
  d.bound_port = d.acceptor->local_endpoint().port();
  d.accept_retry = std::make_unique<asio::steady_timer>(*d.io);
  d.accept();
  d.started = true;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, d.options.threads); ++i)
    d.threads.emplace_back([io = d.io.get()] { io->run(); });
}

std::uint16_t demo_server::port() const noexcept {
  return impl_->bound_port;
}

void demo_server::stop() {
  std::lock_guard<std::mutex> guard{impl_->life_mtx};
  auto& d = *impl_;
  if (d.stopped)
    return;
  d.stopped = true;
  if (!d.started)
    return;
  d.io->stop();
  for (auto& t : d.threads) {
    if (t.get_id() == std::this_thread::get_id())
      t.detach(); // unreachable: no user code runs on server threads
    else
      t.join();
  }
  d.threads.clear();
  std::error_code ignored;
  d.acceptor->close(ignored);
  d.accept_retry.reset();
  d.acceptor.reset();
  d.io.reset(); // destroys pending handlers, hence connections and sockets
}

demo_host_stats demo_server::stats(std::string_view host) const {
  std::lock_guard<std::mutex> guard{impl_->stats_mtx};
  auto i = impl_->stats.find(host);
  return i == impl_->stats.end() ? demo_host_stats{} : i->second;
}

std::map<std::string, demo_host_stats, std::less<>>
demo_server::all_stats() const {
  std::lock_guard<std::mutex> guard{impl_->stats_mtx};
  return impl_->stats;
}

std::uint64_t demo_server::total_requests() const {
  std::lock_guard<std::mutex> guard{impl_->stats_mtx};
  std::uint64_t n = 0;
  for (auto& [_, st] : impl_->stats)
    n += st.requests;
  return n;
}

std::uint64_t demo_server::connections_accepted() const noexcept {
  return impl_->accepted;
}

void demo_server::reset_stats() {
  std::lock_guard<std::mutex> guard{impl_->stats_mtx};
  for (auto& [_, st] : impl_->stats) {
    st.requests = 0;
    st.max_in_flight = st.in_flight;
  }
}

void demo_server::set_latency(std::chrono::milliseconds latency) noexcept {
  impl_->latency_ms = latency.count();
}

const demo_site& demo_server::site() const noexcept {
  return impl_->site;
}

std::string demo_server::url_of(std::string_view host) const {
  return demo_site::home_url(host, port());
}

} // namespace actio::crawl
