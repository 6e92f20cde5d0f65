// SPDX-License-Identifier: Apache-2.0
#include "actio/metrics/metrics_registry.hpp"

#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

using namespace actio;

TEST_CASE("the exposition lists families in registration order with HELP "
          "and TYPE lines",
          "[metrics]") {
  metrics_registry reg;
  auto& pages = reg.add_counter("pages_total", "Pages fetched.", {"status"});
  reg.add_gauge("frontier_size", "URLs waiting.").with().set(7);
  pages.with({"200"}).inc(3);
  pages.with({"404"}).inc();
  reg.add_counter("empty_total", "Nothing yet.", {"kind"});
  CHECK(reg.render() == "# HELP pages_total Pages fetched.\n"
                        "# TYPE pages_total counter\n"
                        "pages_total{status=\"200\"} 3\n"
                        "pages_total{status=\"404\"} 1\n"
                        "# HELP frontier_size URLs waiting.\n"
                        "# TYPE frontier_size gauge\n"
                        "frontier_size 7\n"
                        "# HELP empty_total Nothing yet.\n"
                        "# TYPE empty_total counter\n");
}

TEST_CASE("label values and help texts are escaped as the text format "
          "says",
          "[metrics]") {
  metrics_registry reg;
  reg.add_gauge("g", "a \\ back\nslash \"quoted\"", {"v"})
      .with({"x\\y\n\"z\""})
      .set(1);
  CHECK(reg.render() == "# HELP g a \\\\ back\\nslash \"quoted\"\n"
                        "# TYPE g gauge\n"
                        "g{v=\"x\\\\y\\n\\\"z\\\"\"} 1\n");
}

TEST_CASE("several labels render in declaration order, histogram le last",
          "[metrics]") {
  metrics_registry reg;
  reg.add_histogram("h", "H.", {0.1}, {"method", "host"})
      .with({"GET", "a.test"})
      .observe(0.05);
  CHECK(reg.render() ==
        "# HELP h H.\n"
        "# TYPE h histogram\n"
        "h_bucket{method=\"GET\",host=\"a.test\",le=\"0.1\"} 1\n"
        "h_bucket{method=\"GET\",host=\"a.test\",le=\"+Inf\"} "
        "1\n"
        "h_sum{method=\"GET\",host=\"a.test\"} 0.05\n"
        "h_count{method=\"GET\",host=\"a.test\"} 1\n");
}

TEST_CASE("special values render as +Inf, -Inf and NaN", "[metrics]") {
  metrics_registry reg;
  auto& fam = reg.add_gauge("g", "G.", {"v"});
  fam.with({"a"}).set(std::numeric_limits<double>::infinity());
  fam.with({"b"}).set(-std::numeric_limits<double>::infinity());
  fam.with({"c"}).set(std::nan(""));
  fam.with({"d"}).set(1e-9);
  CHECK(reg.render() == "# HELP g G.\n# TYPE g gauge\n"
                        "g{v=\"a\"} +Inf\ng{v=\"b\"} -Inf\ng{v=\"c\"} NaN\n"
                        "g{v=\"d\"} 1e-09\n");
}

TEST_CASE("registering a name again returns the same family, with another "
          "shape it throws",
          "[metrics]") {
  metrics_registry reg;
  auto& a = reg.add_counter("c_total", "C.", {"k"});
  auto& b = reg.add_counter("c_total", "C.", {"k"});
  CHECK(&a == &b);
  CHECK_THROWS_AS(reg.add_gauge("c_total", "C."), std::invalid_argument);
  CHECK_THROWS_AS(reg.add_counter("c_total", "C.", {"other"}),
                  std::invalid_argument);
  reg.add_histogram("h", "H.", {1, 2});
  CHECK_THROWS_AS(reg.add_histogram("h", "H.", {1, 3}), std::invalid_argument);
}

TEST_CASE("invalid names, labels, buckets and label counts are refused",
          "[metrics]") {
  metrics_registry reg;
  CHECK_THROWS_AS(reg.add_counter("1abc", "x"), std::invalid_argument);
  CHECK_THROWS_AS(reg.add_counter("a-b", "x"), std::invalid_argument);
  CHECK_THROWS_AS(reg.add_counter("ok", "x", {"__reserved"}),
                  std::invalid_argument);
  CHECK_THROWS_AS(reg.add_counter("ok2", "x", {"a:b"}), std::invalid_argument);
  CHECK_THROWS_AS(reg.add_histogram("h", "x", {1}, {"le"}),
                  std::invalid_argument);
  CHECK_THROWS_AS(reg.add_histogram("h2", "x", {2, 1}), std::invalid_argument);
  auto& fam = reg.add_counter("two_total", "x", {"a", "b"});
  CHECK_THROWS_AS(fam.with({"only one"}), std::invalid_argument);
  CHECK_NOTHROW(reg.add_counter("name:with_colon_total", "x"));
}

TEST_CASE("a callback series is read at each render until its token goes",
          "[metrics]") {
  metrics_registry reg;
  std::atomic<int> length{3};
  auto token =
      reg.add_callback("queue_length", "Queued.", metric_type::gauge, {"queue"},
                       {"jobs"}, [&] { return length.load(); });
  CHECK(reg.render().find("queue_length{queue=\"jobs\"} 3\n") !=
        std::string::npos);
  length = 5;
  CHECK(reg.render().find("queue_length{queue=\"jobs\"} 5\n") !=
        std::string::npos);
  token.reset();
  CHECK(reg.render() == "# HELP queue_length Queued.\n"
                        "# TYPE queue_length gauge\n");
}

TEST_CASE("a callback that throws renders NaN", "[metrics]") {
  metrics_registry reg;
  auto token = reg.add_callback(
      "broken", "B.", []() -> double { throw std::runtime_error("no"); });
  CHECK(reg.render().find("broken NaN\n") != std::string::npos);
}

TEST_CASE("a callback token may outlive its registry", "[metrics]") {
  metrics_callback token;
  {
    metrics_registry reg;
    token = reg.add_callback("g", "G.", [] { return 1.0; });
  }
  token.reset();
  SUCCEED("no use after free (checked under ASan)");
}

TEST_CASE("rendering while other threads register and count stays "
          "consistent",
          "[metrics]") {
  test::time_limit limit{std::chrono::seconds(60), "render under load"};
  metrics_registry reg;
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < 3; ++t)
    workers.emplace_back([&, t] {
      auto& fam = reg.add_counter("work_total", "Work.", {"worker"});
      int i = 0;
      while (!stop.load()) {
        fam.with({std::to_string(t * 1000 + i % 50)}).inc();
        auto token = reg.add_callback("cb", "Cb.", metric_type::gauge, {"w"},
                                      {std::to_string(t)}, [] { return 1.0; });
        ++i;
      }
    });
  std::size_t renders = 0;
  auto until =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < until) {
    auto text = reg.render();
    CHECK((text.empty() || text.back() == '\n'));
    ++renders;
  }
  stop = true;
  for (auto& w : workers)
    w.join();
  CHECK(renders > 0);
  auto text = reg.render();
  CHECK(text.find("work_total{worker=\"0\"}") != std::string::npos);
  CHECK(text.find("cb{") == std::string::npos);
}
