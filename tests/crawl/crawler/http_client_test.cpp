// SPDX-License-Identifier: Apache-2.0
#include "actio/http/client.hpp"

#include "crawl/crawler/crawler_fixture.hpp"
#include "support/eventually.hpp"
#include "support/time_limit.hpp"

#include "actio/sleep.hpp"
#include "actio/task.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using actio::http::client;
using actio::test::demo_fixture;
using actio::test::eventually;
using actio::test::time_limit;
namespace http = actio::http;

namespace {

actio::task<int> fetch_status(http::client* client, std::string url) {
  auto r = co_await client->get(std::move(url));
  co_return r ? r.value().status : -1;
}

} // namespace

TEST_CASE("http_client get completes a future a task can await with the "
          "response",
          "[http_client]") {
  time_limit limit{10s, "http_client get"};
  demo_fixture demo{40};
  actio::runtime rt{actio::test::test_runtime_options()};
  http::client client{rt};
  CHECK(rt.run_until_complete(
            rt.create_task(fetch_status, &client, demo.seed())) == 200);
  CHECK(rt.run_until_complete(rt.create_task(fetch_status, &client,
                                             demo.url("/missing/0"))) == 404);
  auto r = rt.run_until_complete(client.get(demo.url("/redirect/a")));
  REQUIRE(r.has_value());
  CHECK(r.value().final_url == demo.url("/s/0/0"));
}

TEST_CASE("http_client reports transport failures as error values, not "
          "exceptions",
          "[http_client]") {
  time_limit limit{10s, "http_client error"};
  actio::runtime rt{actio::test::test_runtime_options()};
  http::client client{rt};
  auto r = rt.run_until_complete(client.get("http://127.0.0.1:1/"));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == http::error_kind::connect_refused);
  auto bad = rt.run_until_complete(client.get("ftp://127.0.0.1/"));
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().kind == http::error_kind::invalid_url);
}

TEST_CASE("cancelling an http::client future aborts the transfer in curl",
          "[http_client]") {
  time_limit limit{10s, "http_client cancel"};
  demo_fixture demo{40};
  demo.server().set_latency(3s);
  actio::runtime rt{actio::test::test_runtime_options()};
  http::client client{rt};
  auto f = client.get(demo.seed());
  REQUIRE(eventually([&] { return client.engine().stats().in_flight != 0; }));
  auto t0 = std::chrono::steady_clock::now();
  CHECK(f.cancel());
  CHECK(f.cancelled());
  // The engine counts the transfer as failed (cancelled) once curl let go
  // of it: well before the server's 3 s latency.
  REQUIRE(eventually([&] { return client.engine().stats().failed == 1; }));
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  CHECK(client.engine().stats().in_flight == 0);
}

TEST_CASE("cancelling the task awaiting an http::client future cancels the "
          "fetch",
          "[http_client]") {
  time_limit limit{10s, "http_client task cancel"};
  demo_fixture demo{40};
  demo.server().set_latency(3s);
  actio::runtime rt{actio::test::test_runtime_options()};
  http::client client{rt};
  auto task = rt.create_task(fetch_status, &client, demo.seed());
  REQUIRE(eventually([&] { return client.engine().stats().in_flight != 0; }));
  task.cancel();
  task.wait();
  CHECK(task.cancelled());
  auto t0 = std::chrono::steady_clock::now();
  REQUIRE(eventually([&] { return client.engine().stats().failed == 1; }));
  CHECK(std::chrono::steady_clock::now() - t0 < 1s);
  CHECK(client.engine().stats().completed == 0);
}

TEST_CASE("requests still running when the client is destroyed complete "
          "with shutdown",
          "[http_client]") {
  time_limit limit{10s, "http_client shutdown"};
  demo_fixture demo{40};
  demo.server().set_latency(3s);
  actio::runtime rt{actio::test::test_runtime_options()};
  actio::future<http::result> f;
  {
    http::client client{rt};
    f = client.get(demo.seed());
  }
  f.wait();
  auto r = f.result();
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().kind == http::error_kind::shutdown);
}
