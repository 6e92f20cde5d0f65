// SPDX-License-Identifier: Apache-2.0
#include "actio/metrics/histogram.hpp"

#include "actio/metrics/metrics_registry.hpp"
#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>
#include <vector>

using namespace actio;

TEST_CASE("an observation lands in the first bucket whose bound is not "
          "below it",
          "[metrics]") {
  metrics_registry reg;
  auto h = reg.add_histogram("size_bytes", "Sizes.", {1, 10}).with();
  h.observe(1);   // le=1
  h.observe(1.5); // le=10
  h.observe(10);  // le=10
  h.observe(11);  // +Inf
  CHECK(h.count() == 4);
  CHECK(h.sum() == 23.5);
  CHECK(reg.render() == "# HELP size_bytes Sizes.\n"
                        "# TYPE size_bytes histogram\n"
                        "size_bytes_bucket{le=\"1\"} 1\n"
                        "size_bytes_bucket{le=\"10\"} 3\n"
                        "size_bytes_bucket{le=\"+Inf\"} 4\n"
                        "size_bytes_sum 23.5\n"
                        "size_bytes_count 4\n");
}

TEST_CASE("a duration is observed in seconds", "[metrics]") {
  metrics_registry reg;
  auto h = reg.add_histogram("latency_seconds", "L.", latency_buckets()).with();
  h.observe(std::chrono::milliseconds(250));
  CHECK(h.sum() == 0.25);
}

TEST_CASE("exponential buckets multiply by the factor", "[metrics]") {
  CHECK(exponential_buckets(1, 2, 4) == std::vector<double>{1, 2, 4, 8});
  CHECK_THROWS_AS(exponential_buckets(0, 2, 3), std::invalid_argument);
  CHECK_THROWS_AS(exponential_buckets(1, 1, 3), std::invalid_argument);
}

TEST_CASE("observations from several threads are all counted, in sum and "
          "buckets alike",
          "[metrics]") {
  test::time_limit limit{std::chrono::seconds(30), "histogram threads"};
  metrics_registry reg;
  auto h = reg.add_histogram("v", "V.", {0.5}).with();
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([h, t] {
      for (int i = 0; i < 20000; ++i)
        h.observe(t % 2 == 0 ? 0.25 : 1.0);
    });
  for (auto& w : workers)
    w.join();
  CHECK(h.count() == 80000);
  CHECK(h.sum() == 2 * 20000 * 0.25 + 2 * 20000 * 1.0);
  auto text = reg.render();
  CHECK(text.find("v_bucket{le=\"0.5\"} 40000\n") != std::string::npos);
  CHECK(text.find("v_bucket{le=\"+Inf\"} 80000\n") != std::string::npos);
}
