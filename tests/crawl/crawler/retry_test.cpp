// SPDX-License-Identifier: Apache-2.0
// Retries in whole crawls: a failing URL backs off alone while its host
// serves the others, an overloaded host (503 + Retry-After) pauses, retry
// counts survive a stop and resume, malformed HTML does not stop a crawl.
#include "actio/crawl/crawler/crawler.hpp"

#include "crawl/crawler/crawler_fixture.hpp"
#include "crawl/crawler/site_replies.hpp"
#include "support/eventually.hpp"
#include "support/http_test_server.hpp"
#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using actio::crawl::crawl_options;
using actio::crawl::crawler;
using actio::test::crawl_temp_dir;
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

/// Request times per path, recorded on the server thread.
struct request_log {
  std::mutex mtx;
  std::vector<std::pair<std::string, steady::time_point>> at;
  void add(const std::string& path) {
    std::lock_guard<std::mutex> g{mtx};
    at.emplace_back(path, steady::now());
  }
  std::vector<steady::time_point> times(const std::string& path) {
    std::lock_guard<std::mutex> g{mtx};
    std::vector<steady::time_point> out;
    for (const auto& [p, t] : at)
      if (p == path)
        out.push_back(t);
    return out;
  }
};

crawl_options options_for(const http_test_server& s) {
  crawl_options o;
  o.seeds = {s.url("/")};
  o.obey_robots = false;
  o.delay = 0ms;
  o.per_host = 1;
  o.concurrency = 1;
  o.timeout = 2000ms;
  o.keep_records = true;
  return o;
}

} // namespace

TEST_CASE("a URL answering 500 backs off alone while its host serves the "
          "other URLs",
          "[crawler][retry]") {
  time_limit limit{20s, "per-URL backoff"};
  http_test_server server;
  request_log log;
  server.route("/", [&](const http_test_request&) {
    log.add("/");
    return links_to({"/flaky", "/a", "/b", "/c"});
  });
  std::atomic<int> flaky_calls{0};
  server.route("/flaky", [&](const http_test_request&) {
    log.add("/flaky");
    return flaky_calls++ == 0 ? site_reply(500, "oops")
                              : site_reply(200, "<title>ok</title>");
  });
  for (std::string p : {"/a", "/b", "/c"})
    server.route(p, [&, p](const http_test_request&) {
      log.add(p);
      return site_reply(200, "<title>p</title>");
    });
  auto o = options_for(server);
  o.backoff = 1000ms; // the retry waits 0.5-1 s
  auto stats = run_crawl(o);
  CHECK(stats.pages == 5);
  CHECK(stats.retries == 1);
  auto flaky = log.times("/flaky");
  REQUIRE(flaky.size() == 2);
  CHECK(flaky[1] - flaky[0] >= 450ms);
  // The host went on with the other pages during the backoff.
  for (std::string p : {"/a", "/b", "/c"}) {
    auto t = log.times(p);
    REQUIRE(t.size() == 1);
    CHECK(t[0] < flaky[1]);
    CHECK(t[0] - flaky[0] < 450ms);
  }
  record_index idx{stats.records};
  CHECK(idx.by_url.at(server.url("/flaky")).status == 200);
}

TEST_CASE("a 503 with Retry-After pauses its whole host for the server's "
          "delay",
          "[crawler][retry]") {
  time_limit limit{20s, "503 Retry-After"};
  http_test_server server;
  request_log log;
  server.route("/", [&](const http_test_request&) {
    log.add("/");
    return links_to({"/busy", "/a", "/b"});
  });
  std::atomic<int> busy_calls{0};
  server.route("/busy", [&](const http_test_request&) {
    log.add("/busy");
    return busy_calls++ == 0
               ? site_reply(503, "later", "text/html", "Retry-After: 1\r\n")
               : site_reply(200, "<title>ok</title>");
  });
  for (std::string p : {"/a", "/b"})
    server.route(p, [&, p](const http_test_request&) {
      log.add(p);
      return site_reply(200, "<title>p</title>");
    });
  auto o = options_for(server);
  o.backoff = 10ms;
  auto stats = run_crawl(o);
  CHECK(stats.pages == 4);
  CHECK(stats.retries == 1);
  auto busy = log.times("/busy");
  REQUIRE(busy.size() == 2);
  CHECK(busy[1] - busy[0] >= 950ms);
  for (std::string p : {"/a", "/b"}) {
    auto t = log.times(p);
    REQUIRE(t.size() == 1);
    CHECK(t[0] - busy[0] >= 950ms);
  }
}

TEST_CASE("retry counts survive a stop and resume: a URL gets at most "
          "max_attempts tries over all runs",
          "[crawler][retry]") {
  time_limit limit{40s, "retries across resume"};
  http_test_server server;
  std::atomic<int> failing_calls{0};
  server.route("/",
               [](const http_test_request&) { return links_to({"/failing"}); });
  server.route("/failing", [&](const http_test_request&) {
    ++failing_calls;
    return site_reply(500, "always");
  });
  crawl_temp_dir dir;
  auto o = options_for(server);
  o.max_attempts = 3;
  o.backoff = 3000ms; // the second retry waits 3-6 s: stop before it
  o.out_path = dir.file("out.jsonl");
  o.state_path = dir.file("state.db");
  {
    actio::runtime rt{actio::test::test_runtime_options()};
    crawler c{rt, o};
    auto done = c.run();
    // stop once the second failure is handled (its retry waiting out the
    // backoff): the page is neither in flight nor done
    REQUIRE(actio::test::eventually([&] {
      return done.done() || (failing_calls >= 2 && c.progress().in_flight == 0);
    }));
    c.stop();
    auto stats = rt.run_until_complete(done);
    CHECK(stats.interrupted);
    CHECK(stats.retries == 2);
  }
  CHECK(failing_calls == 2);
  o.backoff = 10ms;
  auto stats = run_crawl(o);
  CHECK_FALSE(stats.interrupted);
  CHECK(failing_calls == 3);
  REQUIRE(stats.records.size() == 1);
  const auto& r = stats.records[0];
  CHECK(r.status == 500);
  REQUIRE(r.error.has_value());
  CHECK(r.error->find("gave up after 3 attempts") != std::string::npos);
}

TEST_CASE("malformed HTML and binary pages do not stop the crawl",
          "[crawler]") {
  time_limit limit{20s, "malformed html"};
  http_test_server server;
  server.route("/", [](const http_test_request&) {
    return links_to({"/broken", "/binary"});
  });
  server.route("/broken", [](const http_test_request&) {
    // The title is closed: an unclosed one holds the rest of the page as
    // its text (the HTML standard's RCDATA; docs/crawler.md).
    return site_reply(200, "<html><title>broken</title><<body><div><p><a "
                           "href='/after'>x"
                           "</i></b></table><a href=\"/after2\">y<!-- open "
                           "comment");
  });
  server.route("/binary", [](const http_test_request&) {
    std::string body = "<a href=\"/after3\">z</a>";
    body += std::string("\0\xff\xfe<<>>\x01\x02", 10);
    body += std::string(3000, '\0');
    return site_reply(200, body);
  });
  for (std::string p : {"/after", "/after2", "/after3"})
    server.route(p, [](const http_test_request&) {
      return site_reply(200, "<title>after</title>");
    });
  auto o = options_for(server);
  o.concurrency = 4;
  o.per_host = 4;
  auto stats = run_crawl(o);
  record_index idx{stats.records};
  CHECK(idx.by_url.at(server.url("/broken")).status == 200);
  CHECK(idx.by_url.at(server.url("/binary")).status == 200);
  CHECK(idx.count.count(server.url("/after")) == 1);
  CHECK(idx.count.count(server.url("/after2")) == 1);
  CHECK(idx.count.count(server.url("/after3")) == 1);
  CHECK(stats.errors == 0);
}
