// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/crawler.hpp"

#include "actio/crawl/crawler/crawl_router.hpp"
#include "actio/crawl/crawler/report.hpp"
#include "actio/crawl/demo/demo_check.hpp"
#include "actio/metrics/runtime_metrics.hpp"
#include "crawl/crawler/crawler_fixture.hpp"
#include "support/eventually.hpp"
#include "support/metric_sample.hpp"
#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using actio::crawl::check_demo_crawl;
using actio::crawl::crawl_error;
using actio::crawl::crawl_options;
using actio::crawl::crawler;
using actio::test::crawl_temp_dir;
using actio::test::demo_fixture;
using actio::test::record_index;
using actio::test::run_crawl;
using actio::test::time_limit;

TEST_CASE("a crawl of the demo site outputs exactly the expected crawl set "
          "with statuses, final URLs, depths and titles",
          "[crawler]") {
  time_limit limit{30s, "full demo crawl"};
  demo_fixture demo;
  auto stats = run_crawl(demo.options());
  auto expected = demo.expected();
  auto check = check_demo_crawl(stats.records, expected);
  INFO(check.to_string());
  CHECK(check.ok());
  CHECK(check.found == expected.size());
  CHECK(stats.pages == expected.size());
  CHECK_FALSE(stats.interrupted);
  record_index idx{stats.records};
  std::size_t titled = 0;
  for (const auto& e : expected) {
    REQUIRE(idx.count[e.url] == 1);
    if (idx.by_url[e.url].title == e.title)
      ++titled;
  }
  CHECK(titled == expected.size());
}

TEST_CASE("robots.txt disallowed pages are neither fetched nor output, and "
          "without robots they are",
          "[crawler]") {
  time_limit limit{30s, "robots crawl"};
  demo_fixture demo;
  auto stats = run_crawl(demo.options());
  record_index idx{stats.records};
  CHECK(stats.robots_fetched == 2);
  CHECK(stats.robots_disallowed > 0);
  CHECK(idx.count.count(demo.url("/private/0")) == 0);
  CHECK(idx.count.count(demo.url("/private/open/0")) == 1);
  for (const auto& [url, n] : idx.count)
    CHECK(url.find("/drafts/") == std::string::npos);

  demo.server().reset_stats();
  auto o = demo.options();
  o.obey_robots = false;
  auto rude = run_crawl(o);
  record_index all{rude.records};
  CHECK(rude.robots_fetched == 0);
  CHECK(all.count.count(demo.url("/private/0")) == 1);
  auto check = check_demo_crawl(rude.records, demo.expected());
  CHECK(check.unexpected > 0);
  CHECK(check.found == check.expected);
}

TEST_CASE("a redirect chain records the final URL and status, a redirect loop "
          "an error without status",
          "[crawler]") {
  time_limit limit{30s, "redirect crawl"};
  demo_fixture demo;
  auto stats = run_crawl(demo.options());
  record_index idx{stats.records};
  const auto& chain = idx.by_url.at(demo.url("/redirect/a"));
  CHECK(chain.status == 200);
  CHECK(chain.final_url == demo.url("/s/0/0"));
  const auto& loop = idx.by_url.at(demo.url("/loop/a"));
  CHECK_FALSE(loop.status.has_value());
  REQUIRE(loop.error.has_value());
  CHECK(loop.error->find("redirect_loop") != std::string::npos);
  CHECK(stats.errors_by_kind["redirect_loop"] == 1);
}

TEST_CASE("404 and 500 pages are recorded with their reasons and 500s are "
          "retried up to the attempt limit",
          "[crawler]") {
  time_limit limit{30s, "error pages crawl"};
  demo_fixture demo;
  auto o = demo.options();
  o.max_attempts = 3;
  auto stats = run_crawl(o);
  record_index idx{stats.records};
  const auto& missing = idx.by_url.at(demo.url("/missing/0"));
  CHECK(missing.status == 404);
  CHECK(missing.error == std::optional<std::string>{"HTTP 404"});
  const auto& broken = idx.by_url.at(demo.url("/error/0"));
  CHECK(broken.status == 500);
  REQUIRE(broken.error.has_value());
  CHECK(broken.error->find("HTTP 500") != std::string::npos);
  CHECK(broken.error->find("gave up after 3 attempts") != std::string::npos);
  auto errors500 = stats.by_status[500];
  CHECK(errors500 >= 1);
  CHECK(stats.retries == 2 * errors500);
  CHECK(stats.errors_by_kind["http_404"] == stats.by_status[404]);
  const auto& ok = idx.by_url.at(demo.seed());
  CHECK_FALSE(ok.error.has_value());
}

TEST_CASE("timeouts are recorded as transport errors without status after "
          "the retries",
          "[crawler]") {
  time_limit limit{30s, "timeout crawl"};
  demo_fixture demo{40};
  demo.server().set_latency(400ms);
  auto o = demo.options();
  o.timeout = 100ms;
  o.max_attempts = 2;
  o.obey_robots = false;
  auto stats = run_crawl(o);
  REQUIRE(stats.records.size() == 1); // the seed: nothing else is known
  const auto& r = stats.records.front();
  CHECK_FALSE(r.status.has_value());
  REQUIRE(r.error.has_value());
  CHECK(r.error->find("timeout") != std::string::npos);
  CHECK(r.error->find("gave up after 2 attempts") != std::string::npos);
  CHECK(stats.retries == 1);
  CHECK(stats.errors_by_kind["timeout"] == 1);
}

TEST_CASE("an unreachable robots.txt is retried, then its pages are recorded "
          "as errors",
          "[crawler]") {
  time_limit limit{30s, "robots unreachable"};
  crawl_options o;
  o.seeds = {"http://127.0.0.1:1/", "http://127.0.0.1:1/a"};
  o.max_attempts = 2;
  o.backoff = 10ms;
  o.keep_records = true;
  auto stats = run_crawl(o);
  REQUIRE(stats.records.size() == 2);
  for (const auto& r : stats.records) {
    CHECK_FALSE(r.status.has_value());
    REQUIRE(r.error.has_value());
    CHECK(r.error->find("robots.txt unavailable") != std::string::npos);
  }
  CHECK(stats.robots_fetched == 2);
}

TEST_CASE("a depth limit yields exactly the expected set for that depth",
          "[crawler]") {
  time_limit limit{30s, "depth crawl"};
  demo_fixture demo;
  for (std::uint32_t d : {0u, 1u, 2u}) {
    auto o = demo.options();
    o.max_depth = d;
    auto stats = run_crawl(o);
    auto expected = demo.expected(d);
    auto check = check_demo_crawl(stats.records, expected);
    INFO("depth " << d << ": " << check.to_string());
    CHECK(check.ok());
    for (const auto& r : stats.records)
      CHECK(r.depth <= d);
  }
}

TEST_CASE("a page limit stops admitting URLs at exactly that many pages",
          "[crawler]") {
  time_limit limit{30s, "page limit crawl"};
  demo_fixture demo;
  auto o = demo.options();
  o.max_pages = 50;
  auto stats = run_crawl(o);
  CHECK(stats.pages == 50);
  auto check = check_demo_crawl(stats.records, demo.expected(), true);
  INFO(check.to_string());
  CHECK(check.ok());
  CHECK(check.found == 50);
}

namespace {

/// A router of a one-node cluster: every host is this node's, and the
/// crawl ends only when told (`crawler::finish`).
class own_everything final : public actio::crawl::crawl_router {
public:
  bool owns(std::string_view) const override { return true; }
  void route(std::string, std::uint32_t) override {}
};

} // namespace

TEST_CASE("a page limit set while crawling admits the waiting URLs up to it "
          "and never takes back what was admitted",
          "[crawler]") {
  time_limit limit{30s, "page limit set while crawling"};
  demo_fixture demo;
  auto o = demo.options();
  o.max_pages = 0;
  o.router = std::make_shared<own_everything>();
  actio::runtime rt{actio::test::test_runtime_options()};
  crawler c{rt, o};
  auto done = c.run();
  using actio::test::eventually;
  REQUIRE(eventually([&] { return c.progress().waiting_for_room == 1; }, 10s));
  CHECK(c.progress().pages == 0);
  CHECK(rt.run_until_complete(c.set_page_limit(12)) == 12);
  REQUIRE(eventually(
      [&] {
        auto p = c.progress();
        return p.pages == 12 && p.idle;
      },
      20s));
  CHECK(c.progress().waiting_for_room > 0);
  CHECK(rt.run_until_complete(c.set_page_limit(3)) == 12);
  c.finish();
  auto stats = rt.run_until_complete(done);
  CHECK(stats.pages == 12);
  auto check = check_demo_crawl(stats.records, demo.expected(), true);
  INFO(check.to_string());
  CHECK(check.found == 12);
  CHECK(check.duplicates == 0);
}

TEST_CASE("fetches to one host never exceed the per-host limit while the "
          "global concurrency is higher",
          "[crawler]") {
  time_limit limit{30s, "per-host crawl"};
  demo_fixture demo;
  demo.server().set_latency(3ms);
  auto o = demo.options();
  o.concurrency = 16;
  o.per_host = 3;
  auto stats = run_crawl(o);
  CHECK(check_demo_crawl(stats.records, demo.expected()).ok());
  auto all = demo.server().all_stats();
  REQUIRE(all.count("site.localhost") == 1);
  for (const auto& [host, s] : all) {
    INFO(host);
    CHECK(s.max_in_flight <= 3);
  }
  CHECK(all["site.localhost"].max_in_flight == 3);
}

TEST_CASE("the per-host delay spaces request starts to one host", "[crawler]") {
  time_limit limit{30s, "delay crawl"};
  demo_fixture demo;
  auto o = demo.options();
  o.per_host = 1;
  o.delay = 40ms;
  o.max_pages = 8;
  o.obey_robots = false;
  auto t0 = std::chrono::steady_clock::now();
  auto stats = run_crawl(o);
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(stats.pages == 8);
  // At most two hosts: at least 3 gaps of 40 ms on the busier one.
  CHECK(took >= 120ms);
}

TEST_CASE("a page larger than the size limit is recorded as too_large and "
          "the crawl goes on",
          "[crawler]") {
  time_limit limit{30s, "huge page crawl"};
  demo_fixture demo;
  auto o = demo.options();
  o.max_page_bytes = 512 * 1024;
  auto stats = run_crawl(o);
  record_index idx{stats.records};
  const auto& big = idx.by_url.at(demo.url("/big"));
  CHECK_FALSE(big.status.has_value());
  REQUIRE(big.error.has_value());
  CHECK(big.error->find("too_large") != std::string::npos);
  auto check = check_demo_crawl(stats.records, demo.expected());
  CHECK(check.found == check.expected);
  CHECK(check.unexpected == 0);
  CHECK(check.duplicates == 0);
  CHECK(check.mismatched == 1); // only /big
}

TEST_CASE("a crawl stopped midway resumes from its state file and ends with "
          "every expected URL exactly once",
          "[crawler]") {
  time_limit limit{40s, "stop and resume"};
  demo_fixture demo;
  demo.server().set_latency(2ms);
  crawl_temp_dir dir;
  auto o = demo.options();
  o.concurrency = 4;
  o.out_path = dir.file("out.jsonl");
  o.state_path = dir.file("state.db");
  {
    auto stats = actio::test::run_crawl_until(o, 60);
    CHECK(stats.interrupted);
    CHECK(stats.pages >= 60);
    CHECK(stats.pages < demo.expected().size());
  }
  auto first = actio::crawl::jsonl_sink::read_records(o.out_path).size();
  auto stats = run_crawl(o);
  CHECK_FALSE(stats.interrupted);
  CHECK(stats.resumed == first);
  auto all = actio::crawl::jsonl_sink::read_records(o.out_path);
  auto check = check_demo_crawl(all, demo.expected());
  INFO(check.to_string());
  CHECK(check.ok());
  // A third run has nothing left to do.
  auto again = run_crawl(o);
  CHECK(again.pages == 0);
  CHECK(actio::crawl::jsonl_sink::read_records(o.out_path).size() ==
        all.size());
}

TEST_CASE("max_pages caps the whole crawl: a resumed run fetches only what "
          "the earlier runs left of the limit, and the rest stays pending",
          "[crawler]") {
  time_limit limit{60s, "page limit over resumes"};
  demo_fixture demo;
  demo.server().set_latency(10ms); // about 1 s for the whole crawl
  crawl_temp_dir dir;
  auto o = demo.options();
  o.concurrency = 4;
  o.out_path = dir.file("out.jsonl");
  o.state_path = dir.file("state.db");
  CHECK(actio::test::run_crawl_until(o, 60).interrupted);
  auto lines = [&] {
    return actio::crawl::jsonl_sink::read_urls(o.out_path).size();
  };
  auto first = lines();
  REQUIRE(first >= 60);
  REQUIRE(first + 25 < demo.expected().size());

  // A limit the first run already reached: nothing is fetched, although
  // its state holds pending URLs.
  auto capped = o;
  capped.max_pages = 30;
  auto none = run_crawl(capped);
  CHECK(none.pages == 0);
  CHECK(lines() == first);

  capped.max_pages = first + 25;
  auto some = run_crawl(capped);
  CHECK(some.pages == 25);
  CHECK(lines() == first + 25);

  // Without a limit the crawl goes on from there to the end, exactly.
  auto rest = run_crawl(o);
  CHECK(rest.resumed == first + 25);
  auto check = check_demo_crawl(
      actio::crawl::jsonl_sink::read_records(o.out_path), demo.expected());
  INFO(check.to_string());
  CHECK(check.ok());
}

TEST_CASE("a crawl ended by max_pages goes on with a higher limit, then "
          "without one, to every page exactly once",
          "[crawler]") {
  time_limit limit{60s, "raised page limit"};
  demo_fixture demo;
  crawl_temp_dir dir;
  auto o = demo.options();
  o.out_path = dir.file("out.jsonl");
  o.state_path = dir.file("state.db");
  auto lines = [&] {
    return actio::crawl::jsonl_sink::read_urls(o.out_path).size();
  };
  o.max_pages = 30;
  CHECK(run_crawl(o).pages == 30);
  o.max_pages = 100;
  CHECK(run_crawl(o).pages == 70);
  CHECK(lines() == 100);
  o.max_pages = std::numeric_limits<std::size_t>::max();
  run_crawl(o);
  auto check = check_demo_crawl(
      actio::crawl::jsonl_sink::read_records(o.out_path), demo.expected());
  INFO(check.to_string());
  CHECK(check.ok());
}

TEST_CASE("an unwritable output file or a state file without output is a "
          "crawl_error before anything is fetched",
          "[crawler]") {
  actio::runtime rt{actio::test::test_runtime_options()};
  crawl_options o;
  o.seeds = {"http://site.localhost:1/"};
  o.out_path = "/nonexistent-dir/out.jsonl";
  CHECK_THROWS_AS(crawler(rt, o), crawl_error);
  o.out_path.clear();
  o.state_path = "/tmp/state-without-out.db";
  CHECK_THROWS_AS(crawler(rt, o), crawl_error);
  o.state_path.clear();
  o.seeds = {"mailto:someone@example.org"};
  CHECK_THROWS_AS(crawler(rt, o), crawl_error);
  o.seeds.clear();
  CHECK_THROWS_AS(crawler(rt, o), crawl_error);
}

TEST_CASE("an output file that is not JSON Lines is refused, not truncated",
          "[crawler]") {
  actio::runtime rt{actio::test::test_runtime_options()};
  crawl_temp_dir dir;
  auto path = dir.file("out.jsonl");
  {
    std::ofstream f(path);
    f << "not json\nstill not json\n";
  }
  crawl_options o;
  o.seeds = {"http://site.localhost:1/"};
  o.out_path = path;
  CHECK_THROWS_AS(crawler(rt, o), crawl_error);
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  CHECK(first == "not json");
}

TEST_CASE("a torn last output line is repaired on resume and its URL is "
          "fetched again, once",
          "[crawler]") {
  time_limit limit{40s, "torn line"};
  demo_fixture demo;
  demo.server().set_latency(2ms);
  crawl_temp_dir dir;
  auto o = demo.options();
  o.concurrency = 4;
  o.out_path = dir.file("out.jsonl");
  o.state_path = dir.file("state.db");
  CHECK(actio::test::run_crawl_until(o, 40).interrupted);
  // A kill in the middle of a write: half a line of a URL not output yet.
  auto first = actio::crawl::jsonl_sink::read_records(o.out_path);
  std::set<std::string> written;
  for (const auto& r : first)
    written.insert(r.url);
  std::string victim;
  for (const auto& e : demo.expected())
    if (!written.count(e.url)) {
      victim = e.url;
      break;
    }
  REQUIRE_FALSE(victim.empty());
  {
    std::ofstream out(o.out_path, std::ios::app | std::ios::binary);
    out << "{\"url\": \"" << victim << "\", \"final_url\": \"" << victim;
  }
  auto stats = run_crawl(o);
  CHECK_FALSE(stats.interrupted);
  auto all = actio::crawl::jsonl_sink::read_records(o.out_path);
  auto check = check_demo_crawl(all, demo.expected());
  INFO(check.to_string());
  CHECK(check.ok());
  record_index idx{all};
  CHECK(idx.count.at(victim) == 1);
  std::ifstream in(o.out_path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  REQUIRE_FALSE(text.empty());
  CHECK(text.back() == '\n');
}

TEST_CASE("a crawl counts its pages by status, bytes, errors and fetch "
          "latency in the runtime's metrics",
          "[crawler][metrics]") {
  time_limit limit{30s, "crawl metrics"};
  demo_fixture demo;
  actio::runtime rt{actio::test::test_runtime_options()};
  crawler c{rt, demo.options()};
  auto stats = rt.run_until_complete(c.run());
  auto text = actio::metrics(rt).render();
  auto value = [&](const std::string& series) {
    return actio::test::metric_sample(text, series).value_or(-1);
  };
  double pages = 0;
  for (const auto& [status, n] : stats.by_status) {
    auto label = status == 0 ? std::string{"none"} : std::to_string(status);
    CHECK(value("actio_crawl_pages_total{status=\"" + label + "\"}") ==
          static_cast<double>(n));
    pages += static_cast<double>(n);
  }
  CHECK(pages == static_cast<double>(stats.pages));
  CHECK(value("actio_crawl_bytes_total") == static_cast<double>(stats.bytes));
  for (const auto& [kind, n] : stats.errors_by_kind)
    CHECK(value("actio_crawl_errors_total{kind=\"" + kind + "\"}") ==
          static_cast<double>(n));
  CHECK(value("actio_crawl_fetch_duration_seconds_count") >=
        static_cast<double>(stats.pages));
  CHECK(value("actio_crawl_frontier_urls") == 0);
  CHECK(value("actio_crawl_fetches_in_flight") == 0);
  CHECK(value("actio_crawl_robots_cached") == 2);
}
