// SPDX-License-Identifier: Apache-2.0
#include "support/http_test_server.hpp"
#include "support/tls_self_signed.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include <asio/buffer.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#ifdef ACTIO_TEST_HAVE_ZLIB
#include <zlib.h>
#endif

namespace actio::test {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      auto hex = std::string(s.substr(i + 1, 2));
      out.push_back(static_cast<char>(std::stoi(hex, nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

std::string generated(std::size_t n) {
  std::string out(n, 'a');
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<char>('a' + i % 26);
  return out;
}

#ifdef ACTIO_TEST_HAVE_ZLIB
std::string gzip(const std::string& in) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END)
    throw std::runtime_error("deflate");
  return out;
}
#else
// Without zlib's headers: a valid gzip member made of stored (uncompressed)
// deflate blocks, which exercises the client's decoder just the same.
std::string gzip(const std::string& in) {
  std::uint32_t table[256];
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k)
      c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  std::uint32_t crc = 0xFFFFFFFFu;
  for (char ch : in)
    crc = table[(crc ^ static_cast<unsigned char>(ch)) & 0xFFu] ^ (crc >> 8);
  crc ^= 0xFFFFFFFFu;
  auto put32 = [](std::string& out, std::uint32_t v) {
    for (int k = 0; k < 4; ++k)
      out.push_back(static_cast<char>((v >> (8 * k)) & 0xFFu));
  };
  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
  std::size_t pos = 0;
  do {
    std::size_t len = std::min<std::size_t>(65535, in.size() - pos);
    bool last = pos + len == in.size();
    out.push_back(last ? '\x01' : '\x00');
    auto l = static_cast<std::uint16_t>(len);
    auto nl = static_cast<std::uint16_t>(~l);
    out.push_back(static_cast<char>(l & 0xFF));
    out.push_back(static_cast<char>(l >> 8));
    out.push_back(static_cast<char>(nl & 0xFF));
    out.push_back(static_cast<char>(nl >> 8));
    out.append(in, pos, len);
    pos += len;
  } while (pos < in.size());
  put32(out, crc);
  put32(out, static_cast<std::uint32_t>(in.size()));
  return out;
}
#endif

std::string reply(int status, std::string_view reason, std::string_view body,
                  std::string_view extra_headers = {}) {
  std::string out =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += extra_headers;
  out += "\r\n";
  out += body;
  return out;
}

} // namespace

std::string http_test_request::param(std::string_view key,
                                     std::string fallback) const {
  std::string_view q = query;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    auto eq = part.find('=');
    if (part.substr(0, eq) == key)
      return eq == std::string_view::npos ? std::string()
                                          : percent_decode(part.substr(eq + 1));
    if (amp == std::string_view::npos)
      break;
    q.remove_prefix(amp + 1);
  }
  return fallback;
}

std::string http_test_request::header(std::string_view name) const {
  auto it = headers.find(std::string(name));
  return it == headers.end() ? std::string() : it->second;
}

struct http_test_server::state {
  std::unique_ptr<tls_self_signed> cert;
  std::optional<asio::ssl::context> ssl;
  options opts;
  std::uint16_t port = 0;
  std::mutex routes_mutex;
  std::map<std::string,
           std::function<http_test_reply(const http_test_request&)>>
      routes;
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> connections{0};
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> max_open{0};
  std::atomic<std::size_t> active{0};
  std::atomic<std::size_t> max_active{0};
  std::atomic<std::uint64_t> huge_bytes{0};
  std::thread thread;
  std::optional<tcp::acceptor> acceptor;
  // Declared last, destroyed first: pending coroutine frames die while the
  // counters they touch are still alive.
  asio::io_context io;

  std::mutex alpn_mutex;
  std::string alpn_offered;

  /// Records the protocols the client offers and picks http/1.1 (this
  /// server speaks nothing else); without http/1.1 on offer, ALPN is
  /// declined and the handshake goes on without it.
  static int select_alpn(SSL*, const unsigned char** out,
                         unsigned char* out_len, const unsigned char* in,
                         unsigned int in_len, void* arg) {
    auto* self = static_cast<state*>(arg);
    std::string offered;
    bool has_http11 = false;
    for (unsigned int i = 0; i < in_len;) {
      unsigned int n = in[i];
      if (i + 1 + n > in_len)
        break;
      std::string proto(reinterpret_cast<const char*>(in + i + 1), n);
      if (proto == "http/1.1") {
        has_http11 = true;
        *out = in + i + 1;
        *out_len = static_cast<unsigned char>(n);
      }
      offered += (offered.empty() ? "" : ",") + proto;
      i += 1 + n;
    }
    {
      std::lock_guard<std::mutex> lock(self->alpn_mutex);
      self->alpn_offered = offered;
    }
    return has_http11 ? SSL_TLSEXT_ERR_OK : SSL_TLSEXT_ERR_NOACK;
  }

  static void raise_max(std::atomic<std::size_t>& max, std::size_t value) {
    auto seen = max.load();
    while (value > seen && !max.compare_exchange_weak(seen, value)) {
    }
  }

  struct counter {
    std::atomic<std::size_t>& now;
    std::atomic<std::size_t>& max;
    counter(std::atomic<std::size_t>& n, std::atomic<std::size_t>& m)
        : now(n), max(m) {
      raise_max(max, ++now);
    }
    ~counter() { --now; }
    counter(const counter&) = delete;
    counter& operator=(const counter&) = delete;
  };

  awaitable<void> accept_loop() {
    for (;;) {
      tcp::socket sock = co_await acceptor->async_accept(use_awaitable);
      ++connections;
      asio::co_spawn(io, handle(std::move(sock)), asio::detached);
    }
  }

  awaitable<void> handle(tcp::socket sock) {
    counter c(open, max_open);
    try {
      if (ssl) {
        asio::ssl::stream<tcp::socket> stream(std::move(sock), *ssl);
        co_await stream.async_handshake(asio::ssl::stream_base::server,
                                        use_awaitable);
        co_await serve(stream);
      } else {
        co_await serve(sock);
      }
    } catch (...) {
      // The client went away or the server stops: nothing to report.
    }
  }

  template <class Stream>
  awaitable<void> serve(Stream& stream) {
    std::string buf;
    for (;;) {
      std::size_t n = co_await asio::async_read_until(
          stream, asio::dynamic_buffer(buf, 1 << 16), "\r\n\r\n",
          use_awaitable);
      http_test_request req = parse(std::string_view(buf).substr(0, n));
      buf.erase(0, n);
      std::size_t length = 0;
      if (auto cl = req.header("content-length"); !cl.empty())
        length = std::stoul(cl);
      if (buf.size() < length)
        co_await asio::async_read(stream, asio::dynamic_buffer(buf),
                                  asio::transfer_exactly(length - buf.size()),
                                  use_awaitable);
      req.body = buf.substr(0, length);
      buf.erase(0, length);
      ++requests;
      counter c(active, max_active);
      bool keep = co_await respond(stream, req);
      if (!keep || lower(req.header("connection")) == "close")
        co_return;
    }
  }

  static http_test_request parse(std::string_view head) {
    http_test_request req;
    auto eol = head.find("\r\n");
    auto line = head.substr(0, eol);
    auto sp1 = line.find(' ');
    auto sp2 = line.find(' ', sp1 + 1);
    req.method = std::string(line.substr(0, sp1));
    auto target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    auto q = target.find('?');
    req.path = std::string(target.substr(0, q));
    if (q != std::string_view::npos)
      req.query = std::string(target.substr(q + 1));
    head.remove_prefix(eol + 2);
    while (!head.empty()) {
      eol = head.find("\r\n");
      auto h = head.substr(0, eol);
      if (h.empty())
        break;
      auto colon = h.find(':');
      if (colon != std::string_view::npos)
        req.headers.emplace(lower(h.substr(0, colon)),
                            trim(h.substr(colon + 1)));
      if (eol == std::string_view::npos)
        break;
      head.remove_prefix(eol + 2);
    }
    return req;
  }

  template <class Stream>
  static awaitable<void> send(Stream& stream, std::string_view data) {
    co_await asio::async_write(stream, asio::buffer(data), use_awaitable);
  }

  template <class Stream>
  static void reset(Stream& stream) {
    auto& sock = stream.lowest_layer();
    asio::error_code ec;
    sock.set_option(asio::socket_base::linger(true, 0), ec);
    sock.close(ec);
  }

  template <class Stream>
  awaitable<void> sleep_ms(Stream& stream, long ms) {
    asio::steady_timer t(stream.get_executor());
    t.expires_after(std::chrono::milliseconds(ms));
    co_await t.async_wait(use_awaitable);
  }

  /// Writes the answer to `req`; returns false to close the connection.
  template <class Stream>
  awaitable<bool> respond(Stream& stream, const http_test_request& req) {
    std::function<http_test_reply(const http_test_request&)> custom;
    {
      std::lock_guard<std::mutex> lock(routes_mutex);
      if (auto it = routes.find(req.path); it != routes.end())
        custom = it->second;
    }
    if (custom) {
      auto r = custom(req);
      co_await send(stream, r.raw);
      co_return !r.close_after;
    }
    const auto& p = req.path;
    if (p == "/hello") {
      co_await send(stream, reply(200, "OK", "hello world",
                                  "Content-Type: text/plain\r\n"));
    } else if (p == "/bytes") {
      co_await send(stream,
                    reply(200, "OK", generated(std::stoul(req.param("n", "0"))),
                          "Content-Type: application/octet-stream\r\n"));
    } else if (p == "/echo") {
      std::string body = req.method + " " + req.path;
      if (!req.query.empty())
        body += "?" + req.query;
      body += "\n";
      for (auto& [k, v] : req.headers)
        body += k + ": " + v + "\n";
      body += "\n" + req.body;
      co_await send(stream, reply(200, "OK", body));
    } else if (p == "/chunked") {
      auto n = std::stoul(req.param("n", "1000"));
      auto chunk =
          std::max<std::size_t>(1, std::stoul(req.param("chunk", "100")));
      auto data = generated(n);
      co_await send(stream, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                            "Content-Type: text/plain\r\n\r\n");
      for (std::size_t i = 0; i < n; i += chunk) {
        auto part = std::string_view(data).substr(i, chunk);
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", part.size());
        co_await send(stream, std::string(size) + std::string(part) + "\r\n");
      }
      co_await send(stream, "0\r\n\r\n");
    } else if (p == "/gzip") {
      auto data = generated(std::stoul(req.param("n", "1000")));
      if (req.header("accept-encoding").find("gzip") != std::string::npos)
        co_await send(stream, reply(200, "OK", gzip(data),
                                    "Content-Encoding: gzip\r\n"
                                    "Content-Type: text/plain\r\n"));
      else
        co_await send(stream, reply(200, "OK", data));
    } else if (p == "/redirect") {
      auto n = std::stol(req.param("n", "0"));
      if (n <= 0)
        co_await send(stream, reply(200, "OK", "done", "X-Final: yes\r\n"));
      else
        co_await send(stream,
                      reply(302, "Found", "",
                            "Location: /redirect?n=" + std::to_string(n - 1) +
                                "\r\nX-Hop: " + std::to_string(n) + "\r\n"));
    } else if (p == "/loop") {
      co_await send(stream, reply(302, "Found", "", "Location: /loop\r\n"));
    } else if (p == "/ping" || p == "/pong") {
      co_await send(stream, reply(301, "Moved", "",
                                  p == "/ping" ? "Location: /pong\r\n"
                                               : "Location: /ping\r\n"));
    } else if (p == "/redirect_to") {
      co_await send(stream, reply(302, "Found", "",
                                  "Location: " + req.param("url") + "\r\n"));
    } else if (p == "/slow") {
      co_await sleep_ms(stream, std::stol(req.param("ms", "100")));
      co_await send(stream, reply(200, "OK", "slow"));
    } else if (p == "/stall") {
      co_await send(stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n");
      char tmp[64];
      for (;;) // returns (throws) when the client closes
        co_await stream.async_read_some(asio::buffer(tmp), use_awaitable);
    } else if (p == "/truncated") {
      co_await send(stream, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" +
                                generated(100));
      co_return false;
    } else if (p == "/reset") {
      reset(stream);
      co_return false;
    } else if (p == "/reset_mid") {
      co_await send(stream,
                    "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" +
                        generated(1000));
      co_await sleep_ms(stream, 20);
      reset(stream);
      co_return false;
    } else if (p == "/status") {
      auto code = std::stoi(req.param("code", "500"));
      co_await send(stream,
                    reply(code, "Status", "status " + std::to_string(code)));
    } else if (p == "/huge") {
      std::uint64_t total = std::stoull(req.param("mb", "50")) << 20;
      co_await send(stream, "HTTP/1.1 200 OK\r\nContent-Length: " +
                                std::to_string(total) + "\r\n\r\n");
      auto block = generated(64 << 10);
      for (std::uint64_t sent = 0; sent < total;) {
        auto n = std::min<std::uint64_t>(block.size(), total - sent);
        co_await send(stream, std::string_view(block).substr(
                                  0, static_cast<std::size_t>(n)));
        sent += n;
        huge_bytes += n;
      }
    } else if (p == "/malformed_status") {
      co_await send(stream,
                    "HTTP/1.1 2x0 Very OK\r\nContent-Length: 2\r\n\r\nok");
      co_return false;
    } else if (p == "/malformed_header") {
      using namespace std::string_literals;
      co_await send(stream, "HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\n"
                            "Content-Length: 2\r\n\r\nok"s);
      co_return false;
    } else if (p == "/close") {
      co_await send(stream, reply(200, "OK", "bye", "Connection: close\r\n"));
      co_return false;
    } else {
      co_await send(stream, reply(404, "Not Found", "no route " + p));
    }
    co_return true;
  }
};

http_test_server::http_test_server() : http_test_server(options{}) {}

http_test_server::http_test_server(options opts)
    : state_(std::make_shared<state>()) {
  auto& s = *state_;
  s.opts = std::move(opts);
  if (s.opts.tls) {
    s.cert = std::make_unique<tls_self_signed>();
    s.ssl.emplace(asio::ssl::context::tls_server);
    s.ssl->use_certificate_chain(asio::buffer(s.cert->cert_pem));
    s.ssl->use_private_key(asio::buffer(s.cert->key_pem),
                           asio::ssl::context::pem);
    SSL_CTX_set_alpn_select_cb(s.ssl->native_handle(), &state::select_alpn,
                               state_.get());
  }
  tcp::endpoint ep(asio::ip::make_address(s.opts.address), 0);
  s.acceptor.emplace(s.io);
  s.acceptor->open(ep.protocol());
  s.acceptor->set_option(tcp::acceptor::reuse_address(true));
  s.acceptor->bind(ep);
  s.acceptor->listen(1024);
  s.port = s.acceptor->local_endpoint().port();
  asio::co_spawn(s.io, s.accept_loop(), asio::detached);
  s.thread = std::thread([st = state_] { st->io.run(); });
}

http_test_server::~http_test_server() {
  state_->io.stop();
  if (state_->thread.joinable())
    state_->thread.join();
  state_->acceptor.reset();
}

std::uint16_t http_test_server::port() const {
  return state_->port;
}

std::string http_test_server::origin() const {
  return std::string(state_->opts.tls ? "https://" : "http://") +
         state_->opts.address + ":" + std::to_string(state_->port);
}

std::string http_test_server::url(std::string_view target) const {
  return origin() + std::string(target);
}

std::string http_test_server::ca_file() const {
  return state_->cert ? state_->cert->cert_file : std::string();
}

void http_test_server::route(
    std::string path,
    std::function<http_test_reply(const http_test_request&)> fn) {
  std::lock_guard<std::mutex> lock(state_->routes_mutex);
  state_->routes[std::move(path)] = std::move(fn);
}

std::uint64_t http_test_server::request_count() const {
  return state_->requests.load();
}
std::uint64_t http_test_server::connection_count() const {
  return state_->connections.load();
}
std::string http_test_server::alpn_offered() const {
  std::lock_guard<std::mutex> lock(state_->alpn_mutex);
  return state_->alpn_offered;
}

std::size_t http_test_server::open_connections() const {
  return state_->open.load();
}
std::size_t http_test_server::max_concurrent_connections() const {
  return state_->max_open.load();
}
std::size_t http_test_server::max_concurrent_requests() const {
  return state_->max_active.load();
}
std::uint64_t http_test_server::huge_bytes_written() const {
  return state_->huge_bytes.load();
}

} // namespace actio::test
