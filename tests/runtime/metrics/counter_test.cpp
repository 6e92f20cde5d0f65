// SPDX-License-Identifier: Apache-2.0
#include "actio/metrics/counter.hpp"

#include "actio/metrics/metrics_registry.hpp"
#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using namespace actio;

TEST_CASE("a detached counter counts nothing and does not crash", "[metrics]") {
  counter c;
  c.inc(5);
  CHECK(c.value() == 0);
}

TEST_CASE("a counter's copies share one series", "[metrics]") {
  metrics_registry reg;
  auto a = reg.add_counter("jobs_total", "Jobs.").with();
  auto b = a;
  a.inc();
  b.inc(2);
  CHECK(a.value() == 3);
  CHECK(reg.add_counter("jobs_total", "Jobs.").with().value() == 3);
}

TEST_CASE("a counter keeps its series after the registry is gone",
          "[metrics]") {
  counter c;
  {
    metrics_registry reg;
    c = reg.add_counter("x_total", "X.").with();
  }
  c.inc();
  CHECK(c.value() == 1);
}

TEST_CASE("increments from several threads are all counted", "[metrics]") {
  test::time_limit limit{std::chrono::seconds(30), "counter threads"};
  metrics_registry reg;
  auto& fam = reg.add_counter("hits_total", "Hits.", {"kind"});
  constexpr int threads = 4;
  constexpr int per_thread = 100000;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&fam, t] {
      auto c = fam.with({t % 2 == 0 ? "even" : "odd"});
      for (int i = 0; i < per_thread; ++i)
        c.inc();
    });
  for (auto& w : workers)
    w.join();
  CHECK(fam.with({"even"}).value() == 2 * per_thread);
  CHECK(fam.with({"odd"}).value() == 2 * per_thread);
}
