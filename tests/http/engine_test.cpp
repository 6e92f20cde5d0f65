// SPDX-License-Identifier: Apache-2.0
#include "actio/http/engine.hpp"

#include "http/http_fixture.hpp"
#include "support/http_test_server.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include <chrono>
#include <fcntl.h>
#include <sys/socket.h>

#include <asio/ip/tcp.hpp>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::http::engine;
using actio::http::engine_options;
using actio::http::error_kind;
using actio::http::request;
using actio::http::result;
using actio::test::collector;
using actio::test::eventually;
using actio::test::fetch;
using actio::test::get;
using actio::test::http_test_reply;
using actio::test::http_test_request;
using actio::test::http_test_server;
using actio::test::io_thread;

namespace {

std::string generated(std::size_t n) {
  std::string out(n, 'a');
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<char>('a' + i % 26);
  return out;
}

std::string header(const actio::http::response& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? std::string("<absent>") : it->second;
}

#define REQUIRE_ERROR(res, expected_kind)                                      \
  do {                                                                         \
    INFO((res.has_value() ? std::string("got a response")                      \
                          : res.error().message));                             \
    REQUIRE_FALSE(res.has_value());                                            \
    CHECK(res.error().kind == expected_kind);                                  \
  } while (false)

#define REQUIRE_RESPONSE(res)                                                  \
  do {                                                                         \
    INFO((res.has_value() ? std::string("ok") : res.error().message));         \
    REQUIRE(res.has_value());                                                  \
  } while (false)

} // namespace

TEST_CASE("a GET returns status, headers, body, final URL and content type",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto r = fetch(e, get(server.url("/hello")));
  REQUIRE_RESPONSE(r);
  CHECK(r.value().status == 200);
  CHECK(r.value().body == "hello world");
  CHECK(r.value().final_url == server.url("/hello"));
  CHECK(r.value().content_type == "text/plain");
  CHECK(header(r.value(), "content-length") == "11");
  CHECK(r.value().redirect_count == 0);
  CHECK(r.value().timings.total >= r.value().timings.first_byte);
  CHECK(r.value().timings.first_byte > 0us);
}

TEST_CASE("sequential requests reuse one keep-alive connection", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  for (int i = 0; i < 20; ++i) {
    auto r = fetch(e, get(server.url("/hello")));
    REQUIRE_RESPONSE(r);
  }
  CHECK(server.request_count() == 20);
  CHECK(server.connection_count() == 1);
}

TEST_CASE("a POST sends its body, method and extra headers", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  request req = get(server.url("/echo?x=1"));
  req.method = "POST";
  req.body = "payload=42";
  req.headers.emplace("X-Test", "yes");
  auto r = fetch(e, req);
  REQUIRE_RESPONSE(r);
  const auto& body = r.value().body;
  CHECK(body.rfind("POST /echo?x=1\n", 0) == 0);
  CHECK(body.find("x-test: yes\n") != std::string::npos);
  CHECK(body.find("user-agent: actio-http/") != std::string::npos);
  CHECK(body.substr(body.size() - 10) == "payload=42");

  req.method = "PUT";
  auto put = fetch(e, req);
  REQUIRE_RESPONSE(put);
  CHECK(put.value().body.rfind("PUT /echo?x=1\n", 0) == 0);
}

TEST_CASE("a chunked body is reassembled", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto r = fetch(e, get(server.url("/chunked?n=100000&chunk=777")));
  REQUIRE_RESPONSE(r);
  CHECK(header(r.value(), "Transfer-Encoding") == "chunked");
  CHECK(r.value().body == generated(100000));
}

TEST_CASE("a gzip body is decoded when compression is accepted", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto r = fetch(e, get(server.url("/gzip?n=200000")));
  REQUIRE_RESPONSE(r);
  CHECK(header(r.value(), "Content-Encoding") == "gzip");
  CHECK(r.value().body == generated(200000));

  request plain = get(server.url("/gzip?n=1000"));
  plain.options.accept_compressed = false;
  auto p = fetch(e, plain);
  REQUIRE_RESPONSE(p);
  CHECK(header(p.value(), "Content-Encoding") == "<absent>");
  CHECK(p.value().body == generated(1000));
}

TEST_CASE("a redirect chain is followed and only the last headers are kept",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto r = fetch(e, get(server.url("/redirect?n=3")));
  REQUIRE_RESPONSE(r);
  CHECK(r.value().status == 200);
  CHECK(r.value().body == "done");
  CHECK(r.value().final_url == server.url("/redirect?n=0"));
  CHECK(r.value().redirect_count == 3);
  CHECK(header(r.value(), "X-Final") == "yes");
  CHECK(header(r.value(), "X-Hop") == "<absent>");
  CHECK(header(r.value(), "Location") == "<absent>");
}

TEST_CASE("a redirect to another host and port is followed", "[http]") {
  http_test_server server;
  http_test_server other({"127.0.0.2", false});
  io_thread t;
  engine e(t.io);
  auto r = fetch(e, get(server.url("/redirect_to?url=" + other.url("/hello"))));
  REQUIRE_RESPONSE(r);
  CHECK(r.value().body == "hello world");
  CHECK(r.value().final_url == other.url("/hello"));
  CHECK(other.request_count() == 1);
}

TEST_CASE("redirect loops are detected before the redirect limit", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto self = fetch(e, get(server.url("/loop")));
  REQUIRE_ERROR(self, error_kind::redirect_loop);
  CHECK(self.error().message.find("/loop") != std::string::npos);
  auto ping = fetch(e, get(server.url("/ping")));
  REQUIRE_ERROR(ping, error_kind::redirect_loop);
  CHECK(server.request_count() == 2 + 3); // loop, loop; ping, pong, ping

  // Post/redirect/get to the same URL changes the method: not a loop.
  server.route("/form", [](const http_test_request& req) {
    if (req.method == "POST")
      return http_test_reply{"HTTP/1.1 303 See Other\r\nLocation: /form\r\n"
                             "Content-Length: 0\r\n\r\n"};
    return http_test_reply{"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ngot"};
  });
  request post = get(server.url("/form"));
  post.method = "POST";
  post.body = "a=1";
  auto prg = fetch(e, post);
  REQUIRE_RESPONSE(prg);
  CHECK(prg.value().body == "got");
  CHECK(prg.value().redirect_count == 1);
}

TEST_CASE("more redirects than allowed fail with too_many_redirects",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  request req = get(server.url("/redirect?n=5"));
  req.options.max_redirects = 2;
  auto r = fetch(e, req);
  REQUIRE_ERROR(r, error_kind::too_many_redirects);

  req.options.max_redirects = 0;
  auto unfollowed = fetch(e, req);
  REQUIRE_RESPONSE(unfollowed);
  CHECK(unfollowed.value().status == 302);
  CHECK(header(unfollowed.value(), "Location") == "/redirect?n=4");
}

TEST_CASE("404 and 500 are responses, not errors", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  for (int code : {404, 500, 503}) {
    auto r = fetch(e, get(server.url("/status?code=" + std::to_string(code))));
    REQUIRE_RESPONSE(r);
    CHECK(r.value().status == code);
    CHECK(r.value().body == "status " + std::to_string(code));
  }
}

TEST_CASE("a slow server hits the total timeout with kind timeout",
          "[http][timeout]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  request req = get(server.url("/slow?ms=3000"));
  req.options.total_timeout = 200ms;
  auto start = std::chrono::steady_clock::now();
  auto r = fetch(e, req);
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_ERROR(r, error_kind::timeout);
  CHECK(took < 2s);
  CHECK(r.error().message.find(server.url("/slow")) != std::string::npos);
  CHECK(e.stats().in_flight == 0);
}

TEST_CASE("headers followed by a stall end in a timeout", "[http][timeout]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  SECTION("total timeout") {
    request req = get(server.url("/stall"));
    req.options.total_timeout = 300ms;
    auto r = fetch(e, req);
    REQUIRE_ERROR(r, error_kind::timeout);
  }
  SECTION("low-speed limit") {
    request req = get(server.url("/stall"));
    req.options.low_speed_limit = 1000;
    req.options.low_speed_time = 1s;
    auto start = std::chrono::steady_clock::now();
    auto r = fetch(e, req);
    REQUIRE_ERROR(r, error_kind::timeout);
    CHECK(r.error().message.find("too slow") != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - start < 5s);
  }
}

TEST_CASE("a body shorter than its Content-Length is truncated", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto r = fetch(e, get(server.url("/truncated")));
  REQUIRE_ERROR(r, error_kind::truncated);
}

TEST_CASE("a connection reset is reported as reset", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  SECTION("before the response") {
    auto r = fetch(e, get(server.url("/reset")));
    REQUIRE_ERROR(r, error_kind::reset);
  }
  SECTION("in the middle of the body") {
    auto r = fetch(e, get(server.url("/reset_mid")));
    REQUIRE_ERROR(r, error_kind::reset);
  }
}

TEST_CASE("a body over the size limit is aborted while the server still sends",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  request req = get(server.url("/huge?mb=50"));
  req.options.max_body_bytes = 1 << 20;
  auto r = fetch(e, req);
  REQUIRE_ERROR(r, error_kind::too_large);
  CHECK(server.huge_bytes_written() < (50u << 20));
  CHECK(r.error().message.find("1048576") != std::string::npos);

  SECTION("the limit applies to the decoded body") {
    request gz = get(server.url("/gzip?n=300000"));
    gz.options.max_body_bytes = 100000;
    auto g = fetch(e, gz);
    REQUIRE_ERROR(g, error_kind::too_large);
  }
}

TEST_CASE("a body of exactly the limit is accepted", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  request req = get(server.url("/bytes?n=5000"));
  req.options.max_body_bytes = 5000;
  auto r = fetch(e, req);
  REQUIRE_RESPONSE(r);
  CHECK(r.value().body.size() == 5000);
}

TEST_CASE("a malformed status line or header fails with kind malformed",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto status = fetch(e, get(server.url("/malformed_status")));
  REQUIRE_ERROR(status, error_kind::malformed);
  auto hdr = fetch(e, get(server.url("/malformed_header")));
  REQUIRE_ERROR(hdr, error_kind::malformed);
  server.route("/garbage", [](const http_test_request&) {
    return http_test_reply{"SPAM SPAM SPAM\r\n\r\n", true};
  });
  auto garbage = fetch(e, get(server.url("/garbage")));
  REQUIRE_ERROR(garbage, error_kind::malformed);

  const char* variants[] = {
      "HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 2\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok",
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "zz\r\nok\r\n0\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
      "Content-Length: 5\r\n\r\nhello",
      "HTTP/2.5 200 OK\r\nContent-Length: 2\r\n\r\nok",
  };
  int i = 0;
  for (const char* v : variants) {
    std::string path = "/variant" + std::to_string(i++);
    std::string raw = v;
    server.route(path, [raw](const http_test_request&) {
      return http_test_reply{raw, true};
    });
    auto r = fetch(e, get(server.url(path)));
    INFO(raw);
    REQUIRE_ERROR(r, error_kind::malformed);
  }
}

TEST_CASE("a self-signed certificate is rejected by default and accepted "
          "with its CA file",
          "[http][tls]") {
  http_test_server server({"127.0.0.1", true});
  io_thread t;
  engine e(t.io);
  auto rejected = fetch(e, get(server.url("/hello")));
  REQUIRE_ERROR(rejected, error_kind::tls);

  request req = get(server.url("/hello"));
  req.options.ca_file = server.ca_file();
  auto ok = fetch(e, req);
  REQUIRE_RESPONSE(ok);
  CHECK(ok.value().body == "hello world");
  CHECK(ok.value().timings.tls > 0us);

  request unverified = get(server.url("/chunked?n=5000"));
  unverified.options.verify_tls = false;
  auto u = fetch(e, unverified);
  REQUIRE_RESPONSE(u);
  CHECK(u.value().body == generated(5000));
}

TEST_CASE("invalid URLs and forbidden schemes fail with invalid_url",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto bad = fetch(e, get("not a url"));
  REQUIRE_ERROR(bad, error_kind::invalid_url);
  auto ftp = fetch(e, get("ftp://127.0.0.1/x"));
  REQUIRE_ERROR(ftp, error_kind::invalid_url);
  auto file = fetch(e, get(server.url("/redirect_to?url=file:///etc/passwd")));
  REQUIRE_ERROR(file, error_kind::invalid_url);
  CHECK(file.error().message.find("file") != std::string::npos);
}

TEST_CASE("a refused connection fails with connect_refused", "[http]") {
  std::string url;
  {
    http_test_server gone;
    url = gone.url("/hello");
  }
  io_thread t;
  engine e(t.io);
  REQUIRE_ERROR(fetch(e, get(url)), error_kind::connect_refused);
}

TEST_CASE("a listener whose accept queue is full causes connect_timeout",
          "[http][timeout]") {
  // Nobody accepts and the backlog is full: the kernel drops further SYNs.
  asio::io_context plain;
  asio::ip::tcp::acceptor full(plain);
  asio::ip::tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
  full.open(ep.protocol());
  full.bind(ep);
  full.listen(0);
  ep = full.local_endpoint();
  std::vector<asio::ip::tcp::socket> fillers;
  for (int i = 0; i < 4; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(fd >= 0);
    fillers.emplace_back(plain, asio::ip::tcp::v4(), fd);
    static_cast<void>(
        ::connect(fd, ep.data(), static_cast<socklen_t>(ep.size())));
  }
  io_thread t;
  engine e(t.io);
  request req = get("http://127.0.0.1:" + std::to_string(ep.port()) + "/");
  req.options.connect_timeout = 300ms;
  auto start = std::chrono::steady_clock::now();
  auto r = fetch(e, req);
  REQUIRE_ERROR(r, error_kind::connect_timeout);
  CHECK(std::chrono::steady_clock::now() - start < 3s);
}

TEST_CASE("cancel aborts an in-flight request, its callback runs once",
          "[http][cancel]") {
  http_test_server server;
  io_thread t;
  collector c(2, t.id());
  engine e(t.io);
  auto id = e.submit(get(server.url("/stall")), c.slot(0));
  REQUIRE(eventually([&] { return server.request_count() == 1; }));
  e.cancel(id);
  REQUIRE(c.wait(1));
  REQUIRE_ERROR(c.at(0), error_kind::cancelled);
  e.cancel(id); // already done: no effect
  e.submit(get(server.url("/hello")), c.slot(1));
  REQUIRE(c.wait(2));
  REQUIRE_RESPONSE(c.at(1));
  CHECK(c.calls(0) == 1);
  CHECK(c.calls(1) == 1);
  CHECK_FALSE(c.wrong_thread());
  CHECK(e.stats().failed == 1);
  CHECK(e.stats().completed == 1);
  CHECK(eventually([&] { return server.open_connections() <= 1; }));
}

TEST_CASE("cancel removes a queued request before it starts",
          "[http][cancel]") {
  http_test_server server;
  io_thread t;
  collector c(3, t.id());
  engine_options o;
  o.max_in_flight = 1;
  engine e(t.io, o);
  e.submit(get(server.url("/slow?ms=100")), c.slot(0));
  auto queued = e.submit(get(server.url("/hello?queued")), c.slot(1));
  e.submit(get(server.url("/hello")), c.slot(2));
  e.cancel(queued);
  REQUIRE(c.wait(3));
  REQUIRE_RESPONSE(c.at(0));
  REQUIRE_ERROR(c.at(1), error_kind::cancelled);
  REQUIRE_RESPONSE(c.at(2));
  CHECK(server.request_count() == 2);
  CHECK(c.calls(1) == 1);
}

TEST_CASE("shutdown fails queued and in-flight requests exactly once",
          "[http][shutdown]") {
  http_test_server server;
  io_thread t;
  collector c(7, t.id());
  engine_options o;
  o.max_in_flight = 2;
  engine e(t.io, o);
  for (std::size_t i = 0; i < 6; ++i)
    e.submit(get(server.url("/stall")), c.slot(i));
  REQUIRE(eventually([&] { return server.request_count() == 2; }));
  CHECK(e.stats().in_flight == 2);
  CHECK(e.stats().queued == 4);
  e.shutdown();
  e.shutdown(); // idempotent
  REQUIRE(c.wait(6));
  e.submit(get(server.url("/hello")), c.slot(6));
  REQUIRE(c.wait(7));
  for (std::size_t i = 0; i < 7; ++i) {
    REQUIRE_ERROR(c.at(i), error_kind::shutdown);
    CHECK(c.calls(i) == 1);
  }
  CHECK_FALSE(c.wrong_thread());
  CHECK(e.stats().in_flight == 0);
  CHECK(e.stats().queued == 0);
  CHECK(e.stats().failed == 7);
  CHECK(server.request_count() == 2);
  CHECK(eventually([&] { return server.open_connections() == 0; }));
}

TEST_CASE("destroying the engine runs every outstanding callback first",
          "[http][shutdown]") {
  http_test_server server;
  io_thread t;
  collector c(4, t.id());
  {
    engine_options o;
    o.max_in_flight = 2;
    engine e(t.io, o);
    for (std::size_t i = 0; i < 4; ++i)
      e.submit(get(server.url("/stall")), c.slot(i));
    REQUIRE(eventually([&] { return server.request_count() == 2; }));
  }
  CHECK(c.done() == 4);
  for (std::size_t i = 0; i < 4; ++i)
    CHECK(c.calls(i) == 1);
}

TEST_CASE("a submission the io_context never ran fails when the engine goes",
          "[http][shutdown]") {
  auto io = std::make_unique<asio::io_context>();
  int calls = 0;
  error_kind kind = error_kind::other;
  {
    engine e(*io);
    e.submit(get("http://127.0.0.1:9/"), [&](result r) {
      ++calls;
      kind = r.error().kind;
    });
    io->stop();
    CHECK(calls == 0);
  }
  CHECK(calls == 1);
  CHECK(kind == error_kind::shutdown);
  io.reset();
  CHECK(calls == 1);
}

TEST_CASE("the engine never has more than max_in_flight requests at the server",
          "[http][window]") {
  http_test_server server;
  io_thread t;
  constexpr std::size_t n = 40;
  collector c(n, t.id());
  engine_options o;
  o.max_in_flight = 4;
  o.max_host_connections = 0;
  engine e(t.io, o);
  for (std::size_t i = 0; i < n; ++i)
    e.submit(get(server.url("/slow?ms=20")), c.slot(i));
  REQUIRE(c.wait(n));
  for (std::size_t i = 0; i < n; ++i)
    REQUIRE_RESPONSE(c.at(i));
  CHECK(server.max_concurrent_requests() == 4);
  CHECK(server.max_concurrent_connections() <= 4);
}

TEST_CASE("connections the server closes after each response are replaced",
          "[http]") {
  http_test_server server;
  io_thread t;
  constexpr std::size_t n = 200;
  collector c(n, t.id());
  engine_options o;
  o.max_in_flight = 16;
  engine e(t.io, o);
  for (std::size_t i = 0; i < n; ++i)
    e.submit(get(server.url("/close")), c.slot(i));
  REQUIRE(c.wait(n));
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE_RESPONSE(c.at(i));
    CHECK(c.at(i).value().body == "bye");
  }
  CHECK(server.connection_count() == n);
}

TEST_CASE("a throwing callback does not disturb the engine", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  e.submit(get(server.url("/hello")),
           [](result) { throw std::runtime_error("callback bug"); });
  auto r = fetch(e, get(server.url("/hello")));
  REQUIRE_RESPONSE(r);
}

TEST_CASE("1000 requests against the local server all complete",
          "[http][load]") {
  http_test_server server;
  io_thread t;
  constexpr std::size_t n = 1000;
  collector c(n, t.id());
  engine e(t.io);
  for (std::size_t i = 0; i < n; ++i)
    e.submit(get(server.url("/bytes?n=" + std::to_string(i % 100))), c.slot(i));
  REQUIRE(c.wait(n, 60s));
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE_RESPONSE(c.at(i));
    CHECK(c.at(i).value().body.size() == i % 100);
    CHECK(c.calls(i) == 1);
  }
  CHECK(e.stats().completed == n);
  CHECK(server.max_concurrent_connections() <= 8);
}

TEST_CASE("a host name resolved by curl's resolver thread works", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  auto r = fetch(
      e, get("http://localhost:" + std::to_string(server.port()) + "/hello"));
  REQUIRE_RESPONSE(r);
  CHECK(r.value().body == "hello world");
}

TEST_CASE("a HEAD request returns headers without a body", "[http]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  request req = get(server.url("/bytes?n=1234"));
  req.method = "HEAD";
  auto r = fetch(e, req);
  REQUIRE_RESPONSE(r);
  CHECK(r.value().status == 200);
  CHECK(r.value().body.empty());
  CHECK(header(r.value(), "Content-Length") == "1234");
}

TEST_CASE("callbacks may submit follow-up requests and destroy the engine",
          "[http]") {
  http_test_server server;
  io_thread t;
  collector c(3, t.id());
  auto e = std::make_unique<engine>(t.io);
  auto second = c.slot(1);
  auto third = c.slot(2);
  e->submit(get(server.url("/hello")), [&, first = c.slot(0)](result r) {
    first(std::move(r));
    e->submit(get(server.url("/bytes?n=3")), [&](result r2) {
      e->submit(get(server.url("/stall")), third);
      second(std::move(r2));
      e.reset(); // destroys the engine inside its own callback
    });
  });
  REQUIRE(c.wait(3));
  REQUIRE_RESPONSE(c.at(0));
  REQUIRE_RESPONSE(c.at(1));
  CHECK(c.at(1).value().body == "abc");
  REQUIRE_ERROR(c.at(2), error_kind::shutdown);
  CHECK_FALSE(c.wrong_thread());
}

TEST_CASE("the engine is correct when two threads run the io_context",
          "[http]") {
  http_test_server server;
  asio::io_context io;
  auto guard = asio::make_work_guard(io);
  std::thread a([&] { io.run(); });
  std::thread b([&] { io.run(); });
  {
    engine e(io);
    std::atomic<int> ok{0};
    std::atomic<int> calls{0};
    std::atomic<int> inside{0};
    std::atomic<bool> overlapped{false};
    constexpr int n = 300;
    for (int i = 0; i < n; ++i)
      e.submit(get(server.url("/chunked?n=2000&chunk=100")), [&](result r) {
        if (inside.fetch_add(1) != 0)
          overlapped = true;
        if (r.has_value() && r.value().body.size() == 2000)
          ++ok;
        inside.fetch_sub(1);
        ++calls;
      });
    CHECK(eventually([&] { return calls.load() == n; }, 30s));
    CHECK(ok.load() == n);
    CHECK_FALSE(overlapped.load());
  }
  guard.reset();
  io.stop();
  a.join();
  b.join();
}

TEST_CASE("no descriptors leak across an engine's life", "[http]") {
  auto count_fds = [] {
    std::size_t n = 0;
    for (int fd = 0; fd < 4096; ++fd)
      if (::fcntl(fd, F_GETFD) != -1)
        ++n;
    return n;
  };
  http_test_server server;
  io_thread t;
  { // process-wide lazy state (curl, OpenSSL, sanitizers) is not a leak
    engine warm_up(t.io);
    fetch(warm_up, get("http://localhost:" + std::to_string(server.port())));
  }
  REQUIRE(eventually([&] { return server.open_connections() == 0; }));
  auto before = count_fds();
  {
    engine e(t.io);
    collector c(50, t.id());
    for (std::size_t i = 0; i < 50; ++i)
      e.submit(get(server.url(i % 5 == 0 ? "/reset" : "/hello")), c.slot(i));
    REQUIRE(c.wait(50));
    request slow = get(server.url("/stall"));
    slow.options.total_timeout = 50ms;
    REQUIRE_ERROR(fetch(e, slow), error_kind::timeout);
    fetch(e, get("http://localhost:" + std::to_string(server.port()) + "/"));
  }
  CHECK(eventually([&] { return server.open_connections() == 0; }));
  CHECK(count_fds() == before);
}

TEST_CASE("max_host_connections caps the connections to one host",
          "[http][limits]") {
  http_test_server server;
  io_thread t;
  constexpr std::size_t n = 24;
  collector c(n, t.id());
  engine_options o;
  o.max_in_flight = 12;
  o.max_host_connections = 3;
  engine e(t.io, o);
  for (std::size_t i = 0; i < n; ++i)
    e.submit(get(server.url("/slow?ms=30")), c.slot(i));
  REQUIRE(c.wait(n));
  for (std::size_t i = 0; i < n; ++i)
    REQUIRE_RESPONSE(c.at(i));
  CHECK(server.max_concurrent_connections() == 3);
  CHECK(server.connection_count() == 3);
  CHECK(e.stats().connections == 3);
}

TEST_CASE("max_total_connections caps the connections over all hosts",
          "[http][limits]") {
  http_test_server a;
  http_test_server b({"127.0.0.2", false});
  io_thread t;
  constexpr std::size_t n = 32;
  collector c(n, t.id());
  engine_options o;
  o.max_in_flight = 16;
  o.max_host_connections = 4;
  o.max_total_connections = 5;
  engine e(t.io, o);
  // The engine counts the sockets it opened; sample that while the
  // requests run (a sample can miss a peak but never invent one).
  std::atomic<bool> running{true};
  std::atomic<std::size_t> peak{0};
  std::thread sampler([&] {
    while (running) {
      peak = std::max(peak.load(), e.stats().connections);
      std::this_thread::sleep_for(200us);
    }
  });
  for (std::size_t i = 0; i < n; ++i)
    e.submit(get((i % 2 == 0 ? a : b).url("/slow?ms=30")), c.slot(i));
  bool all = c.wait(n);
  running = false;
  sampler.join();
  REQUIRE(all);
  for (std::size_t i = 0; i < n; ++i)
    REQUIRE_RESPONSE(c.at(i));
  CHECK(peak <= 5);
  CHECK(a.max_concurrent_connections() <= 4);
  CHECK(b.max_concurrent_connections() <= 4);
  CHECK(e.stats().connections <= 5);
}

TEST_CASE("a pooled handle carries nothing over from a POST, HEAD or own CA",
          "[http]") {
  http_test_server server;
  io_thread t;
  engine_options o;
  o.max_in_flight = 1; // one easy handle serves every request below
  engine e(t.io, o);
  request post = get(server.url("/echo"));
  post.method = "POST";
  post.body = "payload";
  post.headers.emplace("X-Test", "yes");
  request head = get(server.url("/hello"));
  head.method = "HEAD";
  request put = get(server.url("/echo"));
  put.method = "PUT";
  put.body = "x";
  request own_ca = get(server.url("/hello"));
  own_ca.options.ca_file = "/nonexistent/ca.pem"; // unused for http
  for (const auto& req : {post, head, put, own_ca}) {
    auto before = fetch(e, req);
    REQUIRE_RESPONSE(before);
  }
  auto r = fetch(e, get(server.url("/echo")));
  REQUIRE_RESPONSE(r);
  const auto& body = r.value().body;
  INFO(body);
  CHECK(body.rfind("GET /echo", 0) == 0);
  CHECK(body.find("x-test") == std::string::npos);
  CHECK(body.find("payload") == std::string::npos);
  auto again = fetch(e, get(server.url("/hello")));
  REQUIRE_RESPONSE(again);
  CHECK(again.value().body == "hello world");
}

TEST_CASE("timed-out and cancelled transfers leave no connection behind",
          "[http][timeout][cancel]") {
  http_test_server server;
  io_thread t;
  engine e(t.io);
  SECTION("timeout while the server is slow") {
    request req = get(server.url("/slow?ms=3000"));
    req.options.total_timeout = 200ms;
    auto r = fetch(e, req);
    REQUIRE_ERROR(r, error_kind::timeout);
  }
  SECTION("timeout in the middle of the body") {
    request req = get(server.url("/stall"));
    req.options.total_timeout = 200ms;
    auto r = fetch(e, req);
    REQUIRE_ERROR(r, error_kind::timeout);
  }
  SECTION("cancel in the middle of the body") {
    collector c(1, t.id());
    auto id = e.submit(get(server.url("/stall")), c.slot(0));
    REQUIRE(eventually([&] { return server.request_count() == 1; }));
    e.cancel(id);
    REQUIRE(c.wait(1));
    REQUIRE_ERROR(c.at(0), error_kind::cancelled);
  }
  CHECK(e.stats().in_flight == 0);
  CHECK(eventually([&] { return e.stats().connections == 0; }));
  CHECK(eventually([&] { return server.open_connections() == 0; }));
  auto next = fetch(e, get(server.url("/hello")));
  REQUIRE_RESPONSE(next);
}

TEST_CASE("HTTP/2 is offered over TLS unless disabled, and the version is "
          "reported",
          "[http][tls]") {
  http_test_server server({"127.0.0.1", true});
  io_thread t;
  request req = get(server.url("/hello"));
  req.options.ca_file = server.ca_file();
  SECTION("offered by default") {
    engine e(t.io);
    auto r = fetch(e, req);
    REQUIRE_RESPONSE(r);
    CHECK(server.alpn_offered() == "h2,http/1.1");
    CHECK(r.value().http_version == "1.1"); // the server picked http/1.1
  }
  SECTION("not offered with allow_http2 off") {
    engine_options o;
    o.allow_http2 = false;
    engine e(t.io, o);
    auto r = fetch(e, req);
    REQUIRE_RESPONSE(r);
    CHECK(server.alpn_offered() == "http/1.1");
    CHECK(r.value().http_version == "1.1");
  }
}

TEST_CASE("over TLS a request does not wait behind a stalled HTTP/1.1 one",
          "[http][tls]") {
  http_test_server server({"127.0.0.1", true});
  io_thread t;
  collector c(2, t.id());
  engine e(t.io);
  request stalled = get(server.url("/stall"));
  stalled.options.ca_file = server.ca_file();
  request hello = get(server.url("/hello"));
  hello.options.ca_file = server.ca_file();
  auto id = e.submit(stalled, c.slot(0));
  e.submit(hello, c.slot(1));
  REQUIRE(eventually([&] { return c.done() == 1; }));
  REQUIRE_RESPONSE(c.at(1));
  CHECK(c.at(1).value().body == "hello world");
  CHECK(server.max_concurrent_connections() == 2);
  e.cancel(id);
  REQUIRE(c.wait(2));
  REQUIRE_ERROR(c.at(0), error_kind::cancelled);
}
