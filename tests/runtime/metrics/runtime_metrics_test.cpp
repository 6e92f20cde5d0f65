// SPDX-License-Identifier: Apache-2.0
#include "actio/metrics/runtime_metrics.hpp"

#include "actio/actio.hpp"
#include "runtime/metrics/raw_http.hpp"
#include "support/eventually.hpp"
#include "support/every_policy.hpp"
#include "support/metric_sample.hpp"
#include "support/run_program.hpp"
#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

using namespace actio;
using namespace std::chrono_literals;

namespace {

/// Parses `text` with prometheus_client's own text-format parser and
/// returns every sample as "name{labels}" -> value; fails the test if the
/// parser rejects it.
std::map<std::string, double> parse_with_prometheus(const std::string& text) {
  char path[] = "/tmp/actio_scrape_XXXXXX";
  int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  {
    std::ofstream out{path};
    out << text;
  }
  const char* script =
      "import sys\n"
      "from prometheus_client.parser import text_string_to_metric_families\n"
      "text = open(sys.argv[1]).read()\n"
      "for fam in text_string_to_metric_families(text):\n"
      "    for s in fam.samples:\n"
      "        labels = ','.join(k + '=' + v for k, v in "
      "sorted(s.labels.items()))\n"
      "        print(fam.type, s.name + '{' + labels + '}', repr(s.value))\n";
  auto r = test::run_program({"/usr/bin/python3", "-c", script, path}, 30s);
  ::unlink(path);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  std::map<std::string, double> samples;
  std::istringstream lines{r.out};
  std::string type, name, value;
  while (lines >> type >> name >> value)
    samples[name] = std::stod(value);
  return samples;
}

std::string scrape(runtime& rt) {
  auto port = test::port_of(metrics_address(rt));
  return test::body_of(test::http_get(port, "/metrics"));
}

task<void> count_work(counter done, int n) {
  for (int i = 0; i < n; ++i) {
    co_await sleep(1ms);
    done.inc();
  }
}

task<void> sleep_long() {
  co_await sleep(1h);
}

} // namespace

TEST_CASE("metrics(rt) is the registry served at /metrics", "[metrics]") {
  auto o = test::real_time();
  o.metrics_address = "127.0.0.1:0";
  runtime rt{o};
  metrics(rt).add_counter("app_events_total", "Events.").with().inc(42);
  CHECK(scrape(rt).find("\napp_events_total 42\n") != std::string::npos);
  CHECK(metrics(rt).render().find("# TYPE actio_timers_pending gauge\n") !=
        std::string::npos);
}

TEST_CASE("metrics() inside a task is the task's runtime's registry",
          "[metrics]") {
  runtime rt{test::real_time()};
  auto* inside = rt.run_until_complete(rt.create_task(
      []() -> task<metrics_registry*> { co_return &metrics(); }));
  CHECK(inside == &metrics(rt));
}

TEST_CASE("/metrics parses with prometheus_client and its values move as "
          "work is done",
          "[metrics]") {
  test::time_limit limit{std::chrono::seconds(90), "prometheus parse"};
  auto o = test::real_time(ACTIO_EVERY_SCHEDULER_POLICY());
  o.metrics_address = "127.0.0.1:0";
  runtime rt{o};
  auto& reg = metrics(rt);
  auto done = reg.add_counter("test_steps_total", "Steps done.", {"worker"});
  auto lat =
      reg.add_histogram("test_step_seconds", "Step time.", latency_buckets())
          .with();
  lat.observe(0.003);
  auto before = parse_with_prometheus(scrape(rt));
  CHECK(before.at("actio_timers_pending{}") == 0);
  CHECK(before.at("test_step_seconds_count{}") == 1);

  std::vector<future<none>> sleepers;
  for (int i = 0; i < 5; ++i)
    sleepers.push_back(rt.create_task(sleep_long));
  auto a = rt.create_task(count_work, done.with({"a"}), 20);
  auto b = rt.create_task(count_work, done.with({"b"}), 30);
  rt.run_until_complete(a);
  rt.run_until_complete(b);
  lat.observe(2.0);
  REQUIRE(test::eventually([&] {
    return parse_with_prometheus(scrape(rt)).at("actio_timers_pending{}") >= 5;
  }));
  auto after = parse_with_prometheus(scrape(rt));
  CHECK(after.at("test_steps_total{worker=a}") == 20);
  CHECK(after.at("test_steps_total{worker=b}") == 30);
  CHECK(after.at("test_step_seconds_count{}") == 2);
  CHECK(after.at("test_step_seconds_bucket{le=2.5}") == 2);
  CHECK(after.at("test_step_seconds_bucket{le=0.005}") == 1);
  CHECK(after.at("test_step_seconds_sum{}") == Approx(2.003));
  for (auto& s : sleepers)
    s.cancel();
}

namespace {

task<void> echo_line(stream s) {
  auto line = co_await s.read_line();
  s.write(line);
  co_await s.drain();
}

task<std::string> talk(std::uint16_t port, metrics_registry* reg,
                       std::string* during) {
  auto s = co_await open_connection(std::string{"127.0.0.1"}, port);
  s.write("hi\n");
  auto back = co_await s.read_line();
  *during = reg->render();
  co_return back;
}

} // namespace

TEST_CASE("streams and server connections show in the metrics",
          "[metrics][net]") {
  test::time_limit limit{std::chrono::seconds(30), "net metrics"};
  runtime rt{test::real_time()};
  auto& reg = metrics(rt);
  auto srv = rt.run_until_complete(
      start_server(std::string{"127.0.0.1"}, 0, echo_line));
  auto label = "{server=\"127.0.0.1:" + std::to_string(srv.port()) + "\"}";
  std::string during;
  CHECK(rt.run_until_complete(
            rt.create_task(talk, srv.port(), &reg, &during)) == "hi\n");
  CHECK(test::metric_sample(during, "actio_streams_open") >= 1.0);
  CHECK(test::metric_sample(during, "actio_streams_opened_total") == 2.0);
  CHECK(test::metric_sample(during, "actio_server_connections_accepted_total" +
                                        label) == 1.0);
  REQUIRE(test::eventually([&] {
    auto now = reg.render();
    return test::metric_sample(now, "actio_streams_open") == 0.0 &&
           test::metric_sample(now, "actio_server_connections_active" +
                                        label) == 0.0;
  }));
  rt.run_until_complete(srv.close());
}

TEST_CASE("the handoff scheduler shows its queues and parks", "[metrics]") {
  test::time_limit limit{std::chrono::seconds(30), "scheduler metrics"};
  auto o = test::real_time(scheduler_policy::handoff, 2);
  runtime rt{o};
  auto parks = [&] {
    return test::metric_sample(metrics(rt).render(),
                               "actio_scheduler_parks_total")
        .value_or(-1);
  };
  auto before = parks();
  REQUIRE(before >= 0);
  for (int i = 0; i < 20; ++i)
    rt.run_until_complete(rt.create_task(
        []() -> task<void> { co_await sleep(std::chrono::milliseconds(2)); }));
  CHECK(parks() > before);
  auto text = metrics(rt).render();
  CHECK(
      test::metric_sample(text, "actio_scheduler_queued_jobs{queue=\"local\"}")
          .has_value());
  CHECK(test::metric_sample(text,
                            "actio_scheduler_queued_jobs{queue=\"injection\"}")
            .has_value());
  auto parked = test::metric_sample(text, "actio_scheduler_parked_workers");
  REQUIRE(parked.has_value());
  CHECK(*parked <= 2);
  rt.close();
  CHECK_FALSE(
      test::metric_sample(metrics(rt).render(), "actio_scheduler_parks_total")
          .has_value());
}

TEST_CASE("other scheduler policies have no scheduler series", "[metrics]") {
  runtime rt{test::real_time(scheduler_policy::sharing, 2)};
  CHECK(metrics(rt).render().find("actio_scheduler_") == std::string::npos);
}
