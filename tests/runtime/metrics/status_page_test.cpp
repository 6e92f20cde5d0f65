// SPDX-License-Identifier: Apache-2.0
#include "actio/detail/status_page.hpp"

#include "actio/metrics/runtime_metrics.hpp"
#include "actio/runtime.hpp"
#include "runtime/metrics/raw_http.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <sys/socket.h>
#include <thread>
#include <vector>

using namespace actio;
using actio::test::body_of;
using actio::test::http_exchange;
using actio::test::http_get;

namespace {

runtime_options with_endpoint(std::string address = "127.0.0.1:0") {
  auto o = test::real_time();
  o.threads = 2;
  o.metrics_address = std::move(address);
  return o;
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

} // namespace

TEST_CASE("a registered page is served at its path with its content type",
          "[metrics][status]") {
  test::time_limit limit{std::chrono::seconds(30), "status page"};
  runtime rt{with_endpoint()};
  auto port = test::port_of(metrics_address(rt));
  detail::add_status_page(detail::core_of(rt), "/tasks", "application/json",
                          [] { return std::string{"{\"tasks\": []}"}; });
  auto r = http_get(port, "/tasks?pretty=1");
  CHECK(starts_with(r, "HTTP/1.1 200 OK\r\n"));
  CHECK(r.find("Content-Type: application/json\r\n") != std::string::npos);
  CHECK(r.find("Content-Length: 13\r\n") != std::string::npos);
  CHECK(r.find("Connection: close\r\n") != std::string::npos);
  CHECK(body_of(r) == "{\"tasks\": []}");
}

TEST_CASE("a page registered again replaces the earlier one",
          "[metrics][status]") {
  runtime rt{with_endpoint()};
  auto port = test::port_of(metrics_address(rt));
  auto& core = detail::core_of(rt);
  detail::add_status_page(core, "/p", "text/plain", [] { return "one"; });
  detail::add_status_page(core, "/p", "text/plain", [] { return "two"; });
  CHECK(body_of(http_get(port, "/p")) == "two");
  CHECK_THROWS_AS(
      detail::add_status_page(core, "p", "text/plain", [] { return ""; }),
      std::invalid_argument);
}

TEST_CASE("unknown paths get 404, other methods 405, malformed requests 400",
          "[metrics][status]") {
  test::time_limit limit{std::chrono::seconds(30), "status errors"};
  runtime rt{with_endpoint()};
  auto port = test::port_of(metrics_address(rt));
  CHECK(starts_with(http_get(port, "/nothing"), "HTTP/1.1 404 Not Found"));
  auto post = http_exchange(
      port, "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  CHECK(starts_with(post, "HTTP/1.1 405 Method Not Allowed"));
  CHECK(post.find("Allow: GET, HEAD\r\n") != std::string::npos);
  CHECK(starts_with(http_exchange(port, "garbage\r\n\r\n"),
                    "HTTP/1.1 400 Bad Request"));
  CHECK(starts_with(http_exchange(port, "GET /metrics SPDY/9\r\n\r\n"),
                    "HTTP/1.1 400 Bad Request"));
  CHECK(starts_with(http_exchange(port, "GET metrics HTTP/1.1\r\n\r\n"),
                    "HTTP/1.1 400 Bad Request"));
  CHECK(starts_with(
      http_exchange(port, std::string("GET /met\0rics HTTP/1.1\r\n\r\n", 27)),
      "HTTP/1.1 400 Bad Request"));
}

TEST_CASE("HEAD gets the headers of GET without the body",
          "[metrics][status]") {
  runtime rt{with_endpoint()};
  auto port = test::port_of(metrics_address(rt));
  auto r = http_exchange(port, "HEAD /metrics HTTP/1.0\r\n\r\n");
  CHECK(starts_with(r, "HTTP/1.1 200 OK"));
  CHECK(body_of(r).empty());
  CHECK(r.find("Content-Length: 0\r\n") == std::string::npos);
}

TEST_CASE("a page whose render throws answers 500 and the endpoint goes on",
          "[metrics][status]") {
  runtime rt{with_endpoint()};
  auto port = test::port_of(metrics_address(rt));
  detail::add_status_page(
      detail::core_of(rt), "/boom", "text/plain",
      []() -> std::string { throw std::runtime_error("render failed"); });
  CHECK(starts_with(http_get(port, "/boom"), "HTTP/1.1 500"));
  CHECK(starts_with(http_get(port, "/metrics"), "HTTP/1.1 200 OK"));
}

TEST_CASE("an oversized request gets 431 and the endpoint goes on",
          "[metrics][status]") {
  test::time_limit limit{std::chrono::seconds(30), "oversized"};
  runtime rt{with_endpoint()};
  auto port = test::port_of(metrics_address(rt));
  std::string huge =
      "GET /metrics HTTP/1.1\r\nX-Fill: " + std::string(64 * 1024, 'a') +
      "\r\n\r\n";
  CHECK(starts_with(http_exchange(port, huge), "HTTP/1.1 431"));
  std::string endless(1 << 20, 'x'); // no line end at all
  CHECK(starts_with(http_exchange(port, endless), "HTTP/1.1 431"));
  CHECK(starts_with(http_get(port, "/metrics"), "HTTP/1.1 200 OK"));
}

TEST_CASE("idle and half-sent connections do not keep others from being "
          "served",
          "[metrics][status]") {
  test::time_limit limit{std::chrono::seconds(30), "idle clients"};
  runtime rt{with_endpoint()};
  auto port = test::port_of(metrics_address(rt));
  std::vector<int> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(test::connect_loopback(port));
    if (i % 2 == 0)
      ::send(idle.back(), "GET /metr", 9, MSG_NOSIGNAL);
  }
  auto start = std::chrono::steady_clock::now();
  CHECK(starts_with(http_get(port, "/metrics"), "HTTP/1.1 200 OK"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  for (int fd : idle)
    ::close(fd);
}

TEST_CASE("a client that never finishes its request is dropped at the "
          "deadline",
          "[metrics][status]") {
  test::time_limit limit{std::chrono::seconds(30), "slow client"};
  runtime rt{with_endpoint()};
  auto port = test::port_of(metrics_address(rt));
  int fd = test::connect_loopback(port);
  ::send(fd, "GET / HTTP/1.1\r\n", 16, MSG_NOSIGNAL);
  auto start = std::chrono::steady_clock::now();
  auto got = test::read_all(fd, std::chrono::seconds(15));
  auto waited = std::chrono::steady_clock::now() - start;
  ::close(fd);
  CHECK(got.empty());
  CHECK(waited >= std::chrono::seconds(4));
  CHECK(waited < std::chrono::seconds(10));
}

TEST_CASE("concurrent scrapes all get complete answers", "[metrics][status]") {
  test::time_limit limit{std::chrono::seconds(60), "concurrent scrapes"};
  runtime rt{with_endpoint()};
  auto port = test::port_of(metrics_address(rt));
  auto c = metrics(rt).add_counter("scrape_test_total", "T.").with();
  std::atomic<int> good{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        c.inc();
        auto r = http_get(port, "/metrics");
        if (starts_with(r, "HTTP/1.1 200 OK") &&
            body_of(r).find("scrape_test_total ") != std::string::npos)
          ++good;
      }
    });
  for (auto& t : clients)
    t.join();
  CHECK(good == 200);
}

TEST_CASE("the endpoint is off by default and refuses other hosts unless "
          "made public",
          "[metrics][status]") {
  {
    runtime rt{test::real_time()};
    CHECK(metrics_address(rt).empty());
  }
  CHECK_THROWS_AS(runtime{with_endpoint("192.0.2.1:0")}, std::invalid_argument);
  auto o = with_endpoint("0.0.0.0:0");
  o.metrics_public = true;
  runtime rt{o};
  CHECK(starts_with(metrics_address(rt), "0.0.0.0:"));
  CHECK(starts_with(http_get(test::port_of(metrics_address(rt)), "/metrics"),
                    "HTTP/1.1 200 OK"));
}

TEST_CASE("the address option takes IPv4, IPv6 and localhost with a port",
          "[metrics][status]") {
  {
    runtime rt{with_endpoint("localhost:0")};
    CHECK(starts_with(metrics_address(rt), "127.0.0.1:"));
  }
  {
    runtime rt{with_endpoint("[::1]:0")};
    CHECK(starts_with(metrics_address(rt), "[::1]:"));
  }
  char a0[] = "prog";
  char a1[] = "--actio-metrics=somewhere";
  char* argv[] = {a0, a1, nullptr};
  int argc = 2;
  runtime_options o;
  CHECK_THROWS_AS(o.read_command_line(argc, argv), std::invalid_argument);
  char b1[] = "--actio-metrics=127.0.0.1:99999";
  char* argv2[] = {a0, b1, nullptr};
  argc = 2;
  CHECK_THROWS_AS(o.read_command_line(argc, argv2), std::invalid_argument);
  char c1[] = "--actio-metrics=127.0.0.1:9464";
  char c2[] = "--actio-metrics-public";
  char* argv3[] = {a0, c1, c2, nullptr};
  argc = 3;
  o.read_command_line(argc, argv3);
  CHECK(argc == 1);
  CHECK(o.metrics_address == "127.0.0.1:9464");
  CHECK(o.metrics_public);
}

TEST_CASE("ACTIO_METRICS in the environment turns the endpoint on",
          "[metrics][status]") {
  ::setenv("ACTIO_METRICS", "127.0.0.1:0", 1);
  runtime_options o;
  o.read_environment();
  ::unsetenv("ACTIO_METRICS");
  CHECK(o.metrics_address == "127.0.0.1:0");
}

TEST_CASE("a taken port fails the runtime's construction",
          "[metrics][status]") {
  runtime first{with_endpoint()};
  CHECK_THROWS_AS(runtime{with_endpoint(metrics_address(first))},
                  actio::runtime_error);
}
