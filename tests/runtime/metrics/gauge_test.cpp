// SPDX-License-Identifier: Apache-2.0
#include "actio/metrics/gauge.hpp"

#include "actio/metrics/metrics_registry.hpp"
#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using namespace actio;

TEST_CASE("a gauge is set, raised and lowered", "[metrics]") {
  metrics_registry reg;
  auto g = reg.add_gauge("queue_length", "Queued.").with();
  g.set(10);
  g.inc();
  g.dec();
  g.dec();
  g.add(0.5);
  CHECK(g.value() == 9.5);
}

TEST_CASE("a detached gauge does nothing", "[metrics]") {
  gauge g;
  g.set(3);
  CHECK(g.value() == 0);
}

TEST_CASE("raises and lowers from several threads balance out", "[metrics]") {
  test::time_limit limit{std::chrono::seconds(30), "gauge threads"};
  metrics_registry reg;
  auto g = reg.add_gauge("in_flight", "In flight.").with();
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([g] {
      for (int i = 0; i < 50000; ++i) {
        g.inc();
        g.dec();
      }
      g.inc();
    });
  for (auto& w : workers)
    w.join();
  CHECK(g.value() == 4);
}
