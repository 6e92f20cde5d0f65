// SPDX-License-Identifier: Apache-2.0
// Clients that send garbage, lie about their framing, never finish, or
// never read: each gets 400/408/413/431 or is disconnected, and the server
// keeps answering a well-behaved client meanwhile.
#include "actio/http_server/server.hpp"

#include "actio/actio.hpp"
#include "http_server/raw_client.hpp"
#include "support/eventually.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace hs = actio::http_server;
using actio::test::eventually;
using actio::test::get;
using actio::test::raw_client;
using actio::test::real_time;
using actio::test::time_limit;

namespace {

hs::server serve(actio::runtime& rt, hs::server_options o = {}) {
  return rt.run_until_complete(hs::start_server(
      "127.0.0.1", 0, hs::inline_handler{[](hs::request& r) {
        if (r.path() == "/big")
          return hs::response::text(200, std::string(64 * 1024, 'B'));
        return hs::response::text(200, "ok " + std::to_string(r.body.size()));
      }},
      std::move(o)));
}

/// A good client's request on a fresh connection succeeds.
bool still_serving(std::uint16_t port) {
  raw_client c{port};
  if (!c.send(get("/health")))
    return false;
  auto r = c.read_response();
  return r.status == 200 && r.body == "ok 0";
}

/// Sends `wire`, reads the answer: its status (0 if the server only
/// closed) and whether the server closed the connection afterwards.
std::pair<int, bool> answer_to(std::uint16_t port, const std::string& wire) {
  raw_client c{port};
  c.send(wire);
  auto r = c.read_response();
  bool closed = c.closed_within(5s);
  if (r.status != 0)
    CHECK(r.has("Connection: close"));
  return {r.status, closed};
}

} // namespace

TEST_CASE("malformed and smuggling requests get their 4xx, the connection "
          "is closed, and the server goes on serving",
          "[http_server][hostile]") {
  time_limit limit{60s, "garbage"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt);
  using namespace std::string_literals;
  struct bad {
    std::string what, wire;
    int status;
  };
  std::vector<bad> cases = {
      {"bad request line", "HELLO THERE\r\n\r\n", 400},
      {"binary garbage",
       "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n"s, 400},
      {"conflicting Content-Length",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: "
       "30\r\n\r\nabc",
       400},
      {"Content-Length and Transfer-Encoding",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\nTransfer-Encoding: "
       "chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n",
       400},
      {"Transfer-Encoding and Content-Length",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
       "Content-Length: 3\r\n\r\n0\r\n\r\n",
       400},
      {"header folding",
       "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n X-Smuggled: 2\r\n\r\n", 400},
      {"NUL in a field", "GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n"s, 400},
      {"NUL in the target", "GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n"s, 400},
      {"space before colon",
       "GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n", 400},
      {"unknown transfer coding",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
       501},
      {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
      {"no Host", "GET / HTTP/1.1\r\n\r\n", 400},
      {"1 GB body announced",
       "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 1073741824\r\n\r\n"
       "first bytes",
       413},
      {"a huge header", get("/", "X-Huge: " + std::string(20000, 'h') + "\r\n"),
       431},
      {"too many fields",
       [] {
         std::string f;
         for (int i = 0; i < 150; ++i)
           f += "X-" + std::to_string(i) + ": v\r\n";
         return get("/", f);
       }(),
       431},
      {"long target", get("/" + std::string(9000, 't')), 414},
  };
  for (auto& c : cases) {
    INFO(c.what);
    auto [status, closed] = answer_to(srv.port(), c.wire);
    CHECK(status == c.status);
    CHECK(closed);
    CHECK(still_serving(srv.port()));
  }
  // the smuggled request behind the 400 was never answered
  CHECK(srv.responses() == 2 * cases.size());
}

TEST_CASE("a never-ending header line or section is cut off with 431 "
          "after the limit, not buffered",
          "[http_server][hostile]") {
  time_limit limit{30s, "endless header"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt);
  raw_client c{srv.port()};
  REQUIRE(c.send("GET / HTTP/1.1\r\nHost: h\r\nX-Endless: "));
  std::string chunk(4096, 'e');
  // at most 64 MB, more than the kernel's buffers take on loopback
  // (tcp_rmem lets a receive buffer grow to 32 MB here): the send fails
  // once the server has closed, which it does after the limit and a
  // bounded linger
  int sent = 0;
  while (sent < 16000 && c.send(chunk))
    ++sent;
  auto r = c.read_response();
  CHECK(r.status == 431);
  CHECK(c.closed_within(5s));
  CHECK(sent < 16000);
  CHECK(still_serving(srv.port()));
}

TEST_CASE("a chunked upload that keeps going past the body limit gets 413 "
          "and is disconnected",
          "[http_server][hostile]") {
  time_limit limit{30s, "endless chunks"};
  actio::runtime rt{real_time()};
  hs::server_options o;
  o.limits.max_body = 256 * 1024;
  auto srv = serve(rt, o);
  raw_client c{srv.port()};
  REQUIRE(c.send("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
                 "chunked\r\n\r\n"));
  std::string chunk = "1000\r\n" + std::string(4096, 'c') + "\r\n";
  int sent = 0;
  while (sent < 16000 && c.send(chunk)) // 64 MB at most, as above
    ++sent;
  CHECK(c.read_response().status == 413);
  CHECK(c.closed_within(5s));
  CHECK(sent < 16000);
  CHECK(still_serving(srv.port()));
}

TEST_CASE("a slowloris trickling its headers is answered 408 and dropped "
          "after header_timeout, however steadily it sends",
          "[http_server][hostile][timeouts]") {
  time_limit limit{30s, "slowloris"};
  actio::runtime rt{real_time()};
  hs::server_options o;
  o.header_timeout = 800ms;
  auto srv = serve(rt, o);
  // before the first connect: the server's clocks start later than ours
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::unique_ptr<raw_client>> loris;
  for (int i = 0; i < 8; ++i) {
    loris.push_back(std::make_unique<raw_client>(srv.port()));
    loris.back()->send("GET / HTTP/1.1\r\n");
  }
  // one byte each every 50 ms: never idle, never done; the time limit
  // fails the test if they are never dropped
  std::vector<bool> dropped(loris.size(), false);
  std::size_t gone = 0;
  while (gone < loris.size()) {
    for (std::size_t i = 0; i < loris.size(); ++i)
      if (!dropped[i] && !loris[i]->send("X"))
        dropped[i] = true;
    std::this_thread::sleep_for(50ms);
    gone = static_cast<std::size_t>(
        std::count(dropped.begin(), dropped.end(), true));
    CHECK(still_serving(srv.port()));
  }
  // a lower bound only: a loaded machine makes it later, never earlier
  CHECK(std::chrono::steady_clock::now() - t0 >= o.header_timeout);
  for (auto& l : loris) {
    auto r = l->read_response(1s);
    if (r.status != 0) // the 408 may be lost to the reset of our late bytes
      CHECK(r.status == 408);
  }
}

TEST_CASE("an idle keep-alive connection is closed after keep_alive_timeout, "
          "a silent new one after header_timeout",
          "[http_server][timeouts]") {
  time_limit limit{20s, "idle"};
  actio::runtime rt{real_time()};
  hs::server_options o;
  o.keep_alive_timeout = 300ms;
  o.header_timeout = 600ms;
  auto srv = serve(rt, o);
  raw_client used{srv.port()};
  REQUIRE(used.send(get("/")));
  REQUIRE(used.read_response().status == 200);
  auto t0 = std::chrono::steady_clock::now();
  raw_client silent{srv.port()};
  CHECK(used.closed_within(10s));
  CHECK(silent.closed_within(10s));
  // lower bounds only: a loaded machine makes them later, never earlier
  CHECK(std::chrono::steady_clock::now() - t0 >= o.header_timeout);
  CHECK(still_serving(srv.port()));
}

TEST_CASE("a client that sends requests and never reads the answers stalls "
          "in its own buffers and is dropped after write_timeout",
          "[http_server][hostile][timeouts]") {
  time_limit limit{40s, "no reader"};
  actio::runtime rt{real_time()};
  hs::server_options o;
  o.write_timeout = 1s;
  auto srv = serve(rt, o);
  raw_client c{srv.port()};
  int small = 4096;
  ::setsockopt(c.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  std::string batch;
  for (int i = 0; i < 1000; ++i)
    batch += get("/big");
  auto before = srv.responses();
  // 100000 requests for 64 KB answers (6.5 GB), never read: the kernel's
  // receive buffer (tcp_rmem grows it to 32 MB here) takes the requests,
  // the server answers only what its write buffer and the kernel's send
  // buffer hold, then stops reading and drops us after write_timeout
  for (int sent = 0; sent < 100 && c.send(batch); ++sent) {
  }
  CHECK(eventually([&] { return srv.active_connections() == 0; }, 30s));
  CHECK(srv.responses() - before < 1000);
  CHECK(still_serving(srv.port()));
}

TEST_CASE("many hostile connections at once do not stop a good client",
          "[http_server][hostile][threads]") {
  time_limit limit{60s, "hostile crowd"};
  actio::runtime rt{real_time()};
  hs::server_options o;
  o.header_timeout = 1s;
  auto srv = serve(rt, o);
  std::atomic<bool> stop{false};
  std::atomic<int> good{0};
  std::thread goodie([&] {
    raw_client c{srv.port()};
    while (!stop.load()) {
      c.send(get("/g"));
      if (c.read_response().status == 200)
        ++good;
    }
  });
  std::vector<std::thread> crowd;
  for (int t = 0; t < 4; ++t)
    crowd.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        raw_client c{srv.port()};
        switch ((t + i) % 4) {
        case 0:
          c.send("\x01\x02garbage\r\n\r\n");
          break;
        case 1:
          c.send("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                 "Content-Length: 6\r\n\r\n");
          break;
        case 2:
          c.send("GET / HTTP/1.1\r\n");
          break; // then silence
        default:
          break; // connect and say nothing
        }
        c.read_response(100ms);
      }
    });
  for (auto& t : crowd)
    t.join();
  stop.store(true);
  goodie.join();
  CHECK(good.load() > 0);
  CHECK(still_serving(srv.port()));
}
