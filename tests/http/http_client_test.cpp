// SPDX-License-Identifier: Apache-2.0
#include "actio/http/client.hpp"

#include "support/eventually.hpp"
#include "support/http_test_server.hpp"
#include "support/metric_sample.hpp"
#include "support/time_limit.hpp"

#include "actio/gather.hpp"
#include "actio/metrics/runtime_metrics.hpp"
#include "actio/runtime.hpp"
#include "actio/task.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using actio::http::client;
using actio::http::client_options;
using actio::test::http_test_server;
using actio::test::time_limit;
namespace http = actio::http;

namespace {

actio::task<int> fetch_status(http::client* client, std::string url) {
  auto r = co_await client->get(std::move(url));
  co_return r ? r.value().status : -1;
}

using actio::test::eventually;

/// Threads of this process now.
std::size_t thread_count() {
  std::size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.')
        ++n;
    ::closedir(d);
  }
  return n;
}

/// Open descriptors of this process now.
std::size_t fd_count() {
  std::size_t n = 0;
  for (int fd = 0; fd < 4096; ++fd)
    if (::fcntl(fd, F_GETFD) != -1)
      ++n;
  return n;
}

} // namespace

TEST_CASE("a task awaits a GET and gets status, body, final URL and timings",
          "[http_client]") {
  time_limit limit{20s, "http_client get"};
  http_test_server server;
  actio::runtime rt;
  http::client client{rt};
  auto r = rt.run_until_complete(client.get(server.url("/redirect?n=2")));
  REQUIRE(r.has_value());
  CHECK(r.value().status == 200);
  CHECK(r.value().body == "done");
  CHECK(r.value().final_url == server.url("/redirect?n=0"));
  CHECK(r.value().redirect_count == 2);
  CHECK(r.value().timings.total >= r.value().timings.first_byte);
  CHECK(r.value().timings.first_byte > 0us);
}

TEST_CASE("cancelling the task mid-body removes the transfer from curl and "
          "closes its connection",
          "[http_client][cancel]") {
  time_limit limit{20s, "http_client cancel mid-body"};
  http_test_server server;
  actio::runtime rt;
  http::client client{rt};
  // /stall sends its headers and then nothing: the task is
  // suspended in the middle of the body when it is cancelled.
  auto task = rt.create_task(fetch_status, &client, server.url("/stall"));
  REQUIRE(eventually([&] {
    return client.engine().stats().in_flight == 1 &&
           server.request_count() == 1;
  }));
  task.cancel();
  task.wait();
  CHECK(task.cancelled());
  CHECK(eventually([&] { return client.engine().stats().failed == 1; }));
  CHECK(client.engine().stats().in_flight == 0);
  CHECK(client.engine().stats().completed == 0);
  CHECK(eventually([&] { return client.engine().stats().connections == 0; }));
  CHECK(eventually([&] { return server.open_connections() == 0; }));
  auto next = rt.run_until_complete(
      rt.create_task(fetch_status, &client, server.url("/hello")));
  CHECK(next == 200);
}

TEST_CASE("requests spread over several engines all complete once and the "
          "counters add up",
          "[http_client][engines]") {
  time_limit limit{30s, "http_client engines"};
  http_test_server server;
  actio::runtime rt;
  http::client_options o;
  o.engines = 2;
  http::client client{rt, o};
  REQUIRE(client.engines() == 2);
  constexpr std::size_t n = 200;
  std::vector<actio::future<http::result>> all;
  for (std::size_t i = 0; i < n; ++i)
    all.push_back(client.get(server.url("/bytes?n=" + std::to_string(i))));
  auto results = rt.run_until_complete(actio::gather(std::move(all)));
  REQUIRE(results.size() == n);
  for (std::size_t i = 0; i < n; ++i) {
    REQUIRE(results[i].has_value());
    CHECK(results[i].value().body.size() == i);
  }
  auto sum = client.stats();
  CHECK(sum.completed == n);
  CHECK(sum.failed == 0);
  CHECK(sum.in_flight == 0);
  // Both engines took a share.
  CHECK(client.engine().stats().completed > 0);
  CHECK(client.engine().stats().completed < n);
}

TEST_CASE("connection caps hold over all engines together",
          "[http_client][engines][limits]") {
  time_limit limit{30s, "http_client engine caps"};
  http_test_server a;
  http_test_server b({"127.0.0.2", false});
  actio::runtime rt;
  http::client_options o;
  o.engines = 3;
  o.engine.max_in_flight = 16;
  o.engine.max_host_connections = 4;  // engines get 2, 1 and 1
  o.engine.max_total_connections = 5; // engines get 2, 2 and 1
  http::client client{rt, o};
  REQUIRE(client.engines() == 3);
  std::atomic<bool> running{true};
  std::atomic<std::size_t> peak{0};
  std::thread sampler([&] {
    while (running) {
      peak = std::max(peak.load(), client.stats().connections);
      std::this_thread::sleep_for(200us);
    }
  });
  constexpr std::size_t n = 48;
  std::vector<actio::future<http::result>> all;
  for (std::size_t i = 0; i < n; ++i)
    all.push_back(client.get((i % 2 == 0 ? a : b).url("/slow?ms=20")));
  auto results = rt.run_until_complete(actio::gather(std::move(all)));
  running = false;
  sampler.join();
  for (const auto& r : results)
    REQUIRE(r.has_value());
  CHECK(peak <= 5);
  CHECK(a.max_concurrent_connections() <= 4);
  CHECK(b.max_concurrent_connections() <= 4);
  CHECK(client.stats().connections <= 5);
}

TEST_CASE("the number of engines is capped by the smallest connection cap "
          "and the in-flight window",
          "[http_client][engines]") {
  actio::runtime rt;
  http::client_options o;
  o.engines = 4;
  o.engine.max_host_connections = 2;
  CHECK(http::client{rt, o}.engines() == 2);
  o.engine.max_host_connections = 0; // unlimited
  o.engine.max_total_connections = 0;
  o.engine.max_in_flight = 3;
  CHECK(http::client{rt, o}.engines() == 3);
  o.engines = 0;
  CHECK(http::client{rt, o}.engines() == 1);
}

TEST_CASE("destroying a client with several engines fails what is in flight "
          "and leaves no thread or descriptor behind",
          "[http_client][engines]") {
  time_limit limit{30s, "http_client engines teardown"};
  http_test_server server;
  actio::runtime rt;
  { // process-wide lazy state (curl, OpenSSL) is not a leak
    http::client warm{rt};
    REQUIRE(rt.run_until_complete(warm.get(server.url("/hello"))).has_value());
  }
  REQUIRE(eventually([&] { return server.open_connections() == 0; }));
  auto threads = thread_count();
  auto fds = fd_count();
  std::vector<actio::future<http::result>> stalled;
  {
    http::client_options o;
    o.engines = 3;
    // Room on every engine for its stalled requests and one more.
    o.engine.max_host_connections = 30;
    http::client client{rt, o};
    CHECK(thread_count() == threads + 2);
    for (int i = 0; i < 6; ++i)
      stalled.push_back(client.get(server.url("/stall")));
    auto ok = rt.run_until_complete(client.get(server.url("/hello")));
    REQUIRE(ok.has_value());
    REQUIRE(eventually([&] { return server.request_count() >= 8; }));
  }
  for (auto& f : stalled) {
    REQUIRE(f.done());
    auto r = f.result();
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().kind == http::error_kind::shutdown);
  }
  CHECK(thread_count() == threads);
  CHECK(eventually([&] { return server.open_connections() == 0; }));
  CHECK(fd_count() == fds);
}

TEST_CASE("cancelling a task whose request runs on a second engine aborts "
          "that transfer",
          "[http_client][engines][cancel]") {
  time_limit limit{20s, "http_client engines cancel"};
  http_test_server server;
  actio::runtime rt;
  http::client_options o;
  o.engines = 2;
  http::client client{rt, o};
  std::vector<actio::future<int>> tasks;
  for (int i = 0; i < 4; ++i)
    tasks.push_back(
        rt.create_task(fetch_status, &client, server.url("/stall")));
  REQUIRE(eventually([&] {
    return client.stats().in_flight == 4 && server.request_count() == 4;
  }));
  // The rotation put requests on both engines.
  REQUIRE(client.engine().stats().in_flight > 0);
  REQUIRE(client.engine().stats().in_flight < 4);
  for (auto& t : tasks)
    t.cancel();
  for (auto& t : tasks) {
    t.wait();
    CHECK(t.cancelled());
  }
  CHECK(eventually([&] { return client.stats().failed == 4; }));
  CHECK(client.stats().in_flight == 0);
  CHECK(eventually([&] { return client.stats().connections == 0; }));
  CHECK(eventually([&] { return server.open_connections() == 0; }));
}

TEST_CASE("a client counts its requests, errors by kind, status classes and "
          "latency in the runtime's metrics",
          "[http_client][metrics]") {
  time_limit limit{20s, "http_client metrics"};
  http_test_server server;
  actio::runtime rt;
  http::client client{rt};
  auto& reg = actio::metrics(rt);
  auto value = [&](const std::string& series) {
    return actio::test::metric_sample(reg.render(), series).value_or(-1);
  };
  auto base_ok =
      value("actio_http_client_requests_total{outcome=\"response\"}");
  auto base_err = value("actio_http_client_errors_total{kind=\"truncated\"}");
  auto base_count = value("actio_http_client_request_duration_seconds_count");
  auto slow = client.get(server.url("/slow?ms=300"));
  CHECK(value("actio_http_client_requests_in_progress") == 1);
  REQUIRE(rt.run_until_complete(slow).has_value());
  REQUIRE(rt.run_until_complete(client.get(server.url("/hello"))).has_value());
  REQUIRE(rt.run_until_complete(client.get(server.url("/status?code=404")))
              .has_value());
  REQUIRE_FALSE(
      rt.run_until_complete(client.get(server.url("/truncated"))).has_value());
  CHECK(value("actio_http_client_requests_total{outcome=\"response\"}") ==
        base_ok + 3);
  CHECK(value("actio_http_client_errors_total{kind=\"truncated\"}") ==
        base_err + 1);
  CHECK(value("actio_http_client_responses_total{class=\"4xx\"}") >= 1);
  CHECK(value("actio_http_client_request_duration_seconds_count") ==
        base_count + 4);
  CHECK(
      value("actio_http_client_request_duration_seconds_bucket{le=\"0.25\"}") <
      value("actio_http_client_request_duration_seconds_count"));
  CHECK(value("actio_http_client_requests_in_progress") == 0);
}
