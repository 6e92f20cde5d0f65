// SPDX-License-Identifier: Apache-2.0
#include "actio/http/engine.hpp"

#include "http/http_fixture.hpp"
#include "support/http_test_server.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <string>

using namespace std::chrono_literals;

// Informational, hidden from the default run: `actio_http_tests [.bench]`.
// Prints requests per second for small requests against the local server.
TEST_CASE("throughput of small requests with 64 in flight", "[.bench]") {
  actio::test::http_test_server server;
  actio::test::io_thread t;
  std::size_t n = 20000;
  if (const char* env = std::getenv("ACTIO_HTTP_BENCH_N"))
    n = std::stoul(env);
  actio::test::collector c(n, t.id());
  actio::http::engine_options o;
  o.max_in_flight = 64;
  o.max_host_connections = 64;
  actio::http::engine e(t.io, o);
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i)
    e.submit(actio::test::get(server.url("/hello")), c.slot(i));
  REQUIRE(c.wait(n, 300s));
  auto secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  std::size_t ok = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (c.at(i).has_value())
      ++ok;
  CHECK(ok == n);
  WARN(n << " requests in " << secs << " s = " << static_cast<double>(n) / secs
         << " req/s; " << server.connection_count() << " connections");
}
