// SPDX-License-Identifier: Apache-2.0
// Crawls of small hand-made sites on tests/support's hostile HTTP server:
// Crawl-delay, Retry-After, robots.txt failures and groups, resets,
// non-HTML bodies.
#include "actio/crawl/crawler/crawler.hpp"

#include "crawl/crawler/crawler_fixture.hpp"
#include "crawl/crawler/site_replies.hpp"
#include "support/http_test_server.hpp"
#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::crawl::crawl_options;
using actio::test::http_test_reply;
using actio::test::http_test_request;
using actio::test::http_test_server;
using actio::test::links_to;
using actio::test::record_index;
using actio::test::run_crawl;
using actio::test::site_reply;
using actio::test::time_limit;
using steady = std::chrono::steady_clock;

namespace {

crawl_options options_for(const http_test_server& s) {
  crawl_options o;
  o.seeds = {s.url("/")};
  o.delay = 0ms;
  o.backoff = 10ms;
  o.timeout = 2000ms;
  o.keep_records = true;
  return o;
}

/// Arrival times of requests, recorded on the server thread.
struct arrivals {
  std::mutex mtx;
  std::vector<steady::time_point> at;
  void add() {
    std::lock_guard<std::mutex> g{mtx};
    at.push_back(steady::now());
  }
};

} // namespace

TEST_CASE("a robots.txt Crawl-delay spaces the requests to its host",
          "[crawler]") {
  time_limit limit{20s, "crawl-delay"};
  http_test_server server;
  arrivals seen;
  server.route("/robots.txt", [](const http_test_request&) {
    return site_reply(200, "User-agent: *\nCrawl-delay: 0.2\n", "text/plain");
  });
  server.route("/", [&](const http_test_request&) {
    seen.add();
    return links_to({"/p1", "/p2", "/p3"});
  });
  for (auto p : {"/p1", "/p2", "/p3"})
    server.route(p, [&](const http_test_request&) {
      seen.add();
      return site_reply(200, "<title>p</title>");
    });
  auto o = options_for(server);
  o.per_host = 4;
  auto stats = run_crawl(o);
  CHECK(stats.pages == 4);
  REQUIRE(seen.at.size() == 4);
  for (std::size_t i = 1; i < seen.at.size(); ++i)
    CHECK(seen.at[i] - seen.at[i - 1] >= 180ms);
}

TEST_CASE("a 429 with Retry-After is retried after the server's delay and "
          "then recorded as fetched",
          "[crawler]") {
  time_limit limit{20s, "retry-after"};
  http_test_server server;
  arrivals seen;
  std::atomic<int> calls{0};
  server.route("/", [&](const http_test_request&) {
    seen.add();
    if (calls++ == 0)
      return site_reply(429, "slow down", "text/plain", "Retry-After: 1\r\n");
    return site_reply(200, "<title>finally</title>");
  });
  auto o = options_for(server);
  o.obey_robots = false;
  auto stats = run_crawl(o);
  REQUIRE(stats.records.size() == 1);
  CHECK(stats.records[0].status == 200);
  CHECK_FALSE(stats.records[0].error.has_value());
  CHECK(stats.records[0].title == "finally");
  CHECK(stats.retries == 1);
  REQUIRE(seen.at.size() == 2);
  CHECK(seen.at[1] - seen.at[0] >= 900ms);
}

TEST_CASE("a robots.txt answering 503 is fetched again and its pages wait "
          "for it",
          "[crawler]") {
  time_limit limit{20s, "robots 503"};
  http_test_server server;
  std::atomic<int> robots_calls{0};
  std::atomic<int> page_calls{0};
  server.route("/robots.txt", [&](const http_test_request&) {
    if (robots_calls++ == 0)
      return site_reply(503, "later", "text/plain");
    return site_reply(200, "User-agent: *\nDisallow: /no\n", "text/plain");
  });
  server.route("/", [&](const http_test_request&) {
    ++page_calls;
    return links_to({"/yes", "/no"});
  });
  server.route("/yes", [&](const http_test_request&) {
    ++page_calls;
    return site_reply(200, "<title>yes</title>");
  });
  server.route("/no", [&](const http_test_request&) {
    ++page_calls;
    return site_reply(200, "<title>no</title>");
  });
  auto stats = run_crawl(options_for(server));
  CHECK(robots_calls == 2);
  CHECK(stats.robots_fetched == 2);
  CHECK(page_calls == 2);
  record_index idx{stats.records};
  CHECK(idx.count.count(server.url("/yes")) == 1);
  CHECK(idx.count.count(server.url("/no")) == 0);
  CHECK(stats.robots_disallowed == 1);
}

TEST_CASE("the robots.txt group naming the crawler's user agent wins over "
          "the * group",
          "[crawler]") {
  time_limit limit{20s, "robots groups"};
  http_test_server server;
  std::atomic<int> secret_calls{0};
  std::string user_agent;
  std::mutex ua_mtx;
  server.route("/robots.txt", [](const http_test_request&) {
    return site_reply(200,
                      "User-agent: *\nDisallow: /\n\n"
                      "User-agent: TestBot\nDisallow: /secret\n",
                      "text/plain");
  });
  server.route("/", [&](const http_test_request& r) {
    std::lock_guard<std::mutex> g{ua_mtx};
    user_agent = r.header("user-agent");
    return links_to({"/public", "/secret"});
  });
  server.route("/public", [](const http_test_request&) {
    return site_reply(200, "<title>public</title>");
  });
  server.route("/secret", [&](const http_test_request&) {
    ++secret_calls;
    return site_reply(200, "<title>secret</title>");
  });
  auto o = options_for(server);
  o.user_agent = "TestBot/2.0 (+http://example.org/bot)";
  auto stats = run_crawl(o);
  CHECK(stats.pages == 2);
  CHECK(secret_calls == 0);
  CHECK(user_agent == o.user_agent);
}

TEST_CASE("resets, truncated bodies and stalls are recorded as transport "
          "errors while the rest of the site is crawled",
          "[crawler]") {
  time_limit limit{30s, "hostile pages"};
  http_test_server server;
  server.route("/", [](const http_test_request&) {
    return links_to({"/reset", "/truncated", "/stall", "/bytes?n=5000",
                     "/malformed_status", "/hello"});
  });
  auto o = options_for(server);
  o.obey_robots = false;
  o.timeout = 300ms;
  o.max_attempts = 2;
  auto stats = run_crawl(o);
  record_index idx{stats.records};
  CHECK(stats.pages == 7);
  auto error_of = [&](const std::string& path) {
    const auto& r = idx.by_url.at(server.url(path));
    CHECK_FALSE(r.status.has_value());
    REQUIRE(r.error.has_value());
    return *r.error;
  };
  CHECK(error_of("/reset").find("reset") != std::string::npos);
  CHECK(error_of("/truncated").find("truncated") != std::string::npos);
  CHECK(error_of("/stall").find("timeout") != std::string::npos);
  CHECK(error_of("/malformed_status").find("malformed") != std::string::npos);
  const auto& bytes = idx.by_url.at(server.url("/bytes?n=5000"));
  CHECK(bytes.status == 200);
  CHECK(bytes.bytes == 5000);
  CHECK(bytes.links == 0);
  CHECK(idx.by_url.at(server.url("/hello")).status == 200);
  CHECK(stats.retries >= 3); // reset, truncated and stall are retried once
}

TEST_CASE("links wait for a slow page of a lower depth at most depth_wait",
          "[crawler]") {
  time_limit limit{20s, "depth wait"};
  http_test_server server;
  std::mutex mtx;
  std::optional<steady::time_point> c_at;
  server.route("/", [](const http_test_request&) {
    return links_to({"/a", "/slow?ms=1500"});
  });
  server.route("/a", [](const http_test_request&) { return links_to({"/b"}); });
  server.route("/b", [](const http_test_request&) { return links_to({"/c"}); });
  server.route("/c", [&](const http_test_request&) {
    std::lock_guard<std::mutex> g{mtx};
    c_at = steady::now();
    return site_reply(200, "<title>c</title>");
  });
  auto o = options_for(server);
  o.obey_robots = false;
  o.per_host = 4;

  // /c is at depth 3: its link waits while /slow (depth 1) is in flight.
  o.depth_wait = 30s;
  auto t0 = steady::now();
  auto strict = run_crawl(o);
  CHECK(strict.pages == 5);
  REQUIRE(c_at.has_value());
  CHECK(*c_at - t0 >= 1400ms);

  c_at.reset();
  o.depth_wait = 200ms;
  t0 = steady::now();
  auto relaxed = run_crawl(o);
  CHECK(relaxed.pages == 5);
  REQUIRE(c_at.has_value());
  CHECK(*c_at - t0 < 1200ms);
  record_index idx{relaxed.records};
  CHECK(idx.by_url.at(server.url("/c")).depth == 3);
}
