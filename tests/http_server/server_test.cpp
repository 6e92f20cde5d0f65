// SPDX-License-Identifier: Apache-2.0
// The HTTP server with well-behaved clients: every handler form,
// keep-alive and pipelining, bodies, HEAD, 100-continue, handler failures
// and timeouts, graceful shutdown, TLS and Unix sockets.
#include "actio/http_server/server.hpp"

#include "actio/actio.hpp"
#include "http_server/raw_client.hpp"
#include "support/eventually.hpp"
#include "support/time_limit.hpp"
#include "support/tls_self_signed.hpp"
#include "support/virtual_runtime.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

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

hs::response echo_target(hs::request& r) {
  return hs::response::text(200, r.method + " " + r.target + " " + r.body);
}

template <class Handler>
hs::server serve(actio::runtime& rt, Handler h, hs::server_options o = {}) {
  return rt.run_until_complete(
      hs::start_server("127.0.0.1", 0, std::move(h), std::move(o)));
}

} // namespace

TEST_CASE("an inline handler answers many requests on one keep-alive "
          "connection, in order",
          "[http_server]") {
  time_limit limit{20s, "keep-alive"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, hs::inline_handler{echo_target});
  raw_client c{srv.port()};
  REQUIRE(c.connected());
  for (int i = 0; i < 200; ++i) {
    REQUIRE(c.send(get("/n/" + std::to_string(i))));
    auto r = c.read_response();
    REQUIRE(r.status == 200);
    CHECK(r.body == "GET /n/" + std::to_string(i) + " ");
    CHECK(r.has("Content-Type: text/plain; charset=utf-8\r\n"));
    CHECK(r.has("Date: "));
    CHECK_FALSE(r.has("Connection: close"));
  }
  CHECK(srv.responses() == 200);
  CHECK(srv.active_connections() == 1);
  rt.run_until_complete(srv.close());
}

TEST_CASE("pipelined requests sent in one write get their answers in "
          "request order, also from a task handler that finishes them out "
          "of order",
          "[http_server][pipelining]") {
  time_limit limit{20s, "pipelining"};
  actio::runtime rt{real_time()};
  auto srv =
      serve(rt, hs::handler{[](hs::request r) -> actio::task<hs::response> {
              // later requests sleep less: they would finish first
              auto n = std::stoi(std::string{r.path().substr(1)});
              co_await actio::sleep(std::chrono::milliseconds(20 - n));
              co_return hs::response::text(200, std::string{r.path()});
            }});
  raw_client c{srv.port()};
  std::string batch;
  for (int i = 0; i < 20; ++i)
    batch += get("/" + std::to_string(i));
  batch += get("/0", "Connection: close\r\n");
  REQUIRE(c.send(batch));
  for (int i = 0; i < 20; ++i) {
    auto r = c.read_response();
    REQUIRE(r.status == 200);
    CHECK(r.body == "/" + std::to_string(i));
  }
  auto last = c.read_response();
  CHECK(last.has("Connection: close"));
  CHECK(c.closed_within(5s));
}

TEST_CASE("bodies by Content-Length and chunked arrive whole, HEAD gets the "
          "length without the body, HTTP/1.0 is answered and closed",
          "[http_server]") {
  time_limit limit{20s, "bodies"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, hs::inline_handler{echo_target});
  raw_client c{srv.port()};
  std::string big(300'000, 'b');
  REQUIRE(c.send("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: " +
                 std::to_string(big.size()) + "\r\n\r\n" + big));
  CHECK(c.read_response().body == "POST /p " + big);
  REQUIRE(c.send("PUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                 "\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  CHECK(c.read_response().body == "PUT /c hello world");
  REQUIRE(c.send("HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n"));
  auto head = c.read_response(5s, true);
  CHECK(head.status == 200);
  CHECK(head.has("Content-Length: 8\r\n")); // "HEAD /h " has 8 bytes
  CHECK(head.body.empty());
  REQUIRE(c.send(get("/after-head")));
  // no body bytes came between: the next answer starts right away
  CHECK(c.read_response().body == "GET /after-head ");
  raw_client old{srv.port()};
  REQUIRE(old.send("GET /old HTTP/1.0\r\n\r\n"));
  auto r = old.read_response();
  CHECK(r.body == "GET /old ");
  CHECK(r.has("Connection: close"));
  CHECK(old.closed_within(5s));
}

TEST_CASE("a client that sends its requests and ends its side gets the "
          "answers written before its EOF arrived, then the server closes",
          "[http_server]") {
  time_limit limit{10s, "half close"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, hs::inline_handler{echo_target});
  raw_client c{srv.port()};
  REQUIRE(c.send(get("/one") + get("/two")));
  ::shutdown(c.fd(), SHUT_WR);
  CHECK(c.read_response().body == "GET /one ");
  CHECK(c.read_response().body == "GET /two ");
  CHECK(c.closed_within(5s));
}

TEST_CASE("a client that expects 100-continue gets it before sending its "
          "body",
          "[http_server]") {
  time_limit limit{10s, "continue"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, hs::inline_handler{echo_target});
  raw_client c{srv.port()};
  REQUIRE(c.send("POST /e HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
                 "Expect: 100-continue\r\n\r\n"));
  auto cont = c.read_response();
  CHECK(cont.status == 100);
  REQUIRE(c.send("data"));
  CHECK(c.read_response().body == "POST /e data");
}

TEST_CASE("a task handler that throws gives 500 and the connection goes on, "
          "one that is too slow is cancelled and gives 503",
          "[http_server][errors]") {
  time_limit limit{20s, "handler failures"};
  actio::runtime rt{real_time()};
  auto cancelled = std::make_shared<std::atomic<int>>(0);
  hs::server_options o;
  o.handler_timeout = 300ms;
  auto srv = serve(
      rt, hs::handler{[cancelled](hs::request r) -> actio::task<hs::response> {
        if (r.path() == "/throw")
          throw std::runtime_error("secret detail");
        if (r.path() == "/slow") {
          try {
            co_await actio::sleep(30s);
          } catch (const actio::cancelled_error&) {
            ++*cancelled;
            throw;
          }
        }
        co_return hs::response::text(200, "fine");
      }},
      o);
  raw_client c{srv.port()};
  REQUIRE(c.send(get("/throw")));
  auto r = c.read_response();
  CHECK(r.status == 500);
  CHECK(r.body.find("secret") == std::string::npos);
  REQUIRE(c.send(get("/slow")));
  CHECK(c.read_response().status == 503);
  REQUIRE(c.send(get("/ok")));
  CHECK(c.read_response().body == "fine");
  REQUIRE(eventually([&] { return cancelled->load() != 0; }));
  CHECK(cancelled->load() == 1);
}

TEST_CASE("a client that disconnects while its handler runs cancels the "
          "handler's task",
          "[http_server]") {
  time_limit limit{20s, "disconnect cancels"};
  actio::runtime rt{real_time()};
  auto started = std::make_shared<actio::promise<actio::none>>();
  auto cancelled = std::make_shared<actio::promise<actio::none>>();
  auto srv =
      serve(rt, hs::handler{[started, cancelled](
                                hs::request) -> actio::task<hs::response> {
              started->set_value(actio::none{});
              try {
                co_await actio::sleep(30s);
              } catch (const actio::cancelled_error&) {
                cancelled->set_value(actio::none{});
                throw;
              }
              co_return hs::response::text(200, "late");
            }});
  {
    raw_client c{srv.port()};
    REQUIRE(c.send(get("/wait")));
    rt.run_until_complete(started->get_future());
  }
  rt.run_until_complete(cancelled->get_future());
  CHECK(eventually([&] { return srv.active_connections() == 0; }));
}

namespace {

using work_atom = caf::atom_constant<caf::atom("hs_work")>;

/// Answers requests with the body upper-cased, from a CAF actor.
caf::behavior upper(caf::event_based_actor*) {
  return {
      [](hs::request& r) -> hs::response {
        for (auto& ch : r.body)
          ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        return hs::response::text(200, r.body);
      },
  };
}

} // namespace

TEST_CASE("requests become CAF requests to one actor for all connections, "
          "or to an actor per connection",
          "[http_server][caf]") {
  time_limit limit{20s, "caf handlers"};
  actio::runtime rt{real_time()};
  auto one = rt.system().spawn(upper);
  auto shared = serve(rt, one);
  auto per = serve(rt, hs::actor_factory{upper});
  for (auto port : {shared.port(), per.port()}) {
    std::vector<std::thread> clients;
    std::atomic<int> ok{0};
    for (int t = 0; t < 4; ++t)
      clients.emplace_back([port, t, &ok] {
        raw_client c{port};
        for (int i = 0; i < 25; ++i) {
          auto body = "t" + std::to_string(t) + "-" + std::to_string(i);
          c.send("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body);
          auto r = c.read_response();
          std::string expected = body;
          expected[0] = 'T';
          if (r.status == 200 && r.body == expected)
            ++ok;
        }
      });
    for (auto& t : clients)
      t.join();
    CHECK(ok.load() == 100);
  }
  caf::anon_send_exit(one, caf::exit_reason::user_shutdown);
}

TEST_CASE("graceful shutdown refuses new clients, finishes the request in "
          "flight with Connection: close, closes idle connections",
          "[http_server][shutdown]") {
  time_limit limit{20s, "shutdown"};
  actio::runtime rt{real_time()};
  auto release = std::make_shared<actio::promise<actio::none>>();
  auto started = std::make_shared<actio::promise<actio::none>>();
  auto srv = serve(
      rt, hs::handler{[release,
                       started](hs::request r) -> actio::task<hs::response> {
        if (r.path() == "/slow") {
          started->set_value(actio::none{});
          co_await release->get_future();
        }
        co_return hs::response::text(200, "done " + std::string{r.path()});
      }});
  raw_client idle{srv.port()};
  REQUIRE(idle.send(get("/quick")));
  REQUIRE(idle.read_response().status == 200);
  raw_client busy{srv.port()};
  REQUIRE(busy.send(get("/slow")));
  rt.run_until_complete(started->get_future());
  auto gone = srv.shutdown(10s);
  CHECK(idle.closed_within(5s));
  raw_client late{srv.port()};
  CHECK_FALSE(late.connected());
  CHECK_FALSE(gone.done());
  release->set_value(actio::none{});
  auto r = busy.read_response();
  CHECK(r.body == "done /slow");
  CHECK(r.has("Connection: close"));
  CHECK(busy.closed_within(5s));
  rt.run_until_complete(gone);
  CHECK(srv.active_connections() == 0);
}

TEST_CASE("shutdown aborts connections still busy after the grace period",
          "[http_server][shutdown]") {
  time_limit limit{20s, "shutdown grace"};
  actio::runtime rt{real_time()};
  auto started = std::make_shared<actio::promise<actio::none>>();
  auto srv = serve(
      rt, hs::handler{[started](hs::request) -> actio::task<hs::response> {
        started->set_value(actio::none{});
        co_await actio::sleep(60s);
        co_return hs::response::text(200, "never");
      }});
  raw_client busy{srv.port()};
  REQUIRE(busy.send(get("/stuck")));
  rt.run_until_complete(started->get_future());
  // completes although the handler would sleep for 60 s; the time limit
  // fails the test otherwise
  rt.run_until_complete(srv.shutdown(300ms));
  CHECK(busy.closed_within(10s));
}

TEST_CASE("the server speaks TLS with server_options' certificate",
          "[http_server][tls]") {
  time_limit limit{20s, "tls"};
  actio::test::tls_self_signed cert;
  actio::runtime rt{real_time()};
  hs::server_options o;
  o.net.tls.cert_file = cert.cert_file;
  o.net.tls.key_file = cert.key_file;
  auto srv = serve(rt, hs::inline_handler{echo_target}, o);
  auto body = rt.run_until_complete(rt.create_task(
      [](std::uint16_t port, std::string ca) -> actio::task<std::string> {
        actio::connect_options co;
        co.tls.enabled = true;
        co.tls.ca_file = ca;
        auto s = co_await actio::open_connection("127.0.0.1", port, co);
        s.write("GET /secure HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        co_return co_await s.read_all();
      },
      srv.port(), cert.cert_file));
  CHECK(body.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(body.find("GET /secure ") != std::string::npos);
}

TEST_CASE("the server serves a Unix-domain socket", "[http_server][unix]") {
  time_limit limit{10s, "unix"};
  actio::runtime rt{real_time()};
  auto path = "/tmp/actio-http-" + std::to_string(::getpid()) + ".sock";
  auto srv = rt.run_until_complete(hs::start_unix_server(
      path,
      [](hs::request r) -> actio::task<hs::response> {
        co_return hs::response::text(200, "unix " + r.target);
      },
      {}));
  auto reply = rt.run_until_complete(rt.create_task(
      [](std::string p) -> actio::task<std::string> {
        auto s = co_await actio::open_unix_connection(p);
        s.write("GET /u HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        co_return co_await s.read_all();
      },
      path));
  CHECK(reply.find("unix /u") != std::string::npos);
  rt.run_until_complete(srv.close());
}

TEST_CASE("many clients on threads, each with keep-alive requests, all get "
          "their own answers",
          "[http_server][threads]") {
  time_limit limit{60s, "many clients"};
  actio::runtime rt{real_time()};
  auto srv = serve(rt, hs::inline_handler{echo_target});
  for (int round = 0; round < 3; ++round) {
    std::atomic<int> ok{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 16; ++t)
      clients.emplace_back([&, t] {
        raw_client c{srv.port()};
        for (int i = 0; i < 50; ++i) {
          auto target = "/" + std::to_string(t) + "/" + std::to_string(i);
          c.send(get(target));
          if (c.read_response().body == "GET " + target + " ")
            ++ok;
        }
      });
    for (auto& t : clients)
      t.join();
    CHECK(ok.load() == 800);
  }
}
