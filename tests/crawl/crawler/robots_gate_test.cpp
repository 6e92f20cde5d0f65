// SPDX-License-Identifier: Apache-2.0
// The coordinator's robots.txt gate, with a fake host in place of the
// fetches and timers: parked URLs, checks, retries, failure.
#include "robots_gate.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using actio::crawl::detail::parked_url;
using actio::crawl::detail::robots_answer;
using actio::crawl::detail::robots_gate;
namespace http = actio::http;

namespace {

/// Records what the gate asks of the coordinator.
struct fake_host final : robots_gate::host {
  std::vector<std::string> fetches;
  std::vector<std::pair<std::string, std::chrono::milliseconds>> retries;
  std::vector<std::pair<std::string, std::optional<std::chrono::milliseconds>>>
      crawl_delays;
  std::vector<std::string> allowed;
  std::vector<std::string> disallowed;
  std::vector<std::pair<std::string, std::string>> unavailable;

  void fetch_robots(const std::string& origin) override {
    fetches.push_back(origin);
  }
  void retry_robots_after(const std::string& origin,
                          std::chrono::milliseconds delay) override {
    retries.emplace_back(origin, delay);
  }
  void
  set_crawl_delay(const std::string& host_name,
                  std::optional<std::chrono::milliseconds> delay) override {
    crawl_delays.emplace_back(host_name, delay);
  }
  void robots_allowed(parked_url url) override { allowed.push_back(url.url); }
  void robots_disallowed(parked_url url) override {
    disallowed.push_back(url.url);
  }
  void robots_unavailable(parked_url url, const std::string& error) override {
    unavailable.emplace_back(url.url, error);
  }
};

http::result reply(int status, std::string body = {}) {
  http::response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

http::result transport_error(std::string message) {
  http::error e;
  e.message = std::move(message);
  return e;
}

const char* const origin = "http://a.test";
const char* const rules = "User-agent: *\nDisallow: /private\nCrawl-delay: 2\n";

} // namespace

TEST_CASE("URLs of a new origin are parked while its robots.txt is fetched, "
          "then sent on by its rules",
          "[crawler][robots_gate]") {
  fake_host host;
  robots_gate gate{host, "actio-test/1.0", 3, 100ms};
  gate.enter(parked_url{"http://a.test/private/1", 1, 0});
  gate.enter(parked_url{"http://a.test/public", 1, 0});
  CHECK(host.fetches == std::vector<std::string>{origin});
  CHECK(gate.parked() == 2);
  CHECK(gate.pending() == 1);
  CHECK_FALSE(gate.disallows("http://a.test/private/1"));
  CHECK(host.allowed.empty());

  REQUIRE(gate.fetched(origin, reply(200, rules)));
  CHECK(host.disallowed == std::vector<std::string>{"http://a.test/private/1"});
  CHECK(host.allowed == std::vector<std::string>{"http://a.test/public"});
  REQUIRE(host.crawl_delays.size() == 1);
  CHECK(host.crawl_delays[0].first == "a.test");
  CHECK(host.crawl_delays[0].second == std::optional{2000ms});
  CHECK(gate.parked() == 0);
  CHECK(gate.pending() == 0);
  CHECK(gate.disallows("http://a.test/private/2"));
  CHECK_FALSE(gate.disallows("http://a.test/other"));

  // Known now: sent on at once, without another fetch.
  gate.enter(parked_url{"http://a.test/private/3", 2, 0});
  gate.enter(parked_url{"http://a.test/next", 2, 0});
  CHECK(host.disallowed.back() == "http://a.test/private/3");
  CHECK(host.allowed.back() == "http://a.test/next");
  CHECK(host.fetches.size() == 1);
}

TEST_CASE("each origin's robots.txt is fetched once and governs only its "
          "own URLs",
          "[crawler][robots_gate]") {
  fake_host host;
  robots_gate gate{host, "actio-test/1.0", 3, 100ms};
  gate.enter(parked_url{"http://a.test/private/1", 0, 0});
  gate.enter(parked_url{"http://b.test:8080/private/1", 0, 0});
  CHECK(host.fetches == std::vector<std::string>{origin, "http://b.test:8080"});
  REQUIRE(gate.fetched("http://b.test:8080", reply(404)));
  CHECK(host.allowed ==
        std::vector<std::string>{"http://b.test:8080/private/1"});
  CHECK(gate.parked() == 1);
  CHECK(gate.pending() == 1);
}

TEST_CASE("robots.txt is matched against the product token of the user agent",
          "[crawler][robots_gate]") {
  fake_host host;
  robots_gate gate{host, "pickybot/2.0 (+http://example.test)", 3, 100ms};
  gate.enter(parked_url{"http://a.test/page", 0, 0});
  REQUIRE(
      gate.fetched(origin, reply(200, "User-agent: pickybot\nDisallow: /\n\n"
                                      "User-agent: *\nAllow: /\n")));
  CHECK(host.disallowed == std::vector<std::string>{"http://a.test/page"});
}

TEST_CASE("a robots.txt that fails temporarily is retried with a doubling "
          "backoff, then its URLs and checks are unavailable",
          "[crawler][robots_gate]") {
  fake_host host;
  robots_gate gate{host, "actio-test/1.0", 3, 100ms};
  std::vector<robots_answer> answers;
  gate.enter(parked_url{"http://a.test/x", 1, 0});
  gate.check("http://a.test/redirected",
             [&](robots_answer a) { answers.push_back(a); });
  CHECK(host.fetches.size() == 1);

  REQUIRE(gate.fetched(origin, reply(503)));
  REQUIRE(host.retries.size() == 1);
  CHECK(host.retries[0] == std::pair{std::string(origin), 100ms});
  CHECK(gate.pending() == 1);
  CHECK(gate.parked() == 1);
  // Nothing is expected while the retry waits.
  CHECK_FALSE(gate.fetched(origin, reply(200)));
  CHECK(host.allowed.empty());

  gate.retry(origin);
  CHECK(host.fetches.size() == 2);
  REQUIRE(gate.fetched(origin, reply(429)));
  REQUIRE(host.retries.size() == 2);
  CHECK(host.retries[1].second == 200ms);

  gate.retry(origin);
  REQUIRE(gate.fetched(origin, reply(500)));
  CHECK(host.retries.size() == 2);
  CHECK(host.unavailable == std::vector<std::pair<std::string, std::string>>{
                                {"http://a.test/x", "HTTP 500"}});
  CHECK(answers == std::vector<robots_answer>{robots_answer::unavailable});
  CHECK(gate.parked() == 0);
  CHECK(gate.pending() == 0);
  CHECK_FALSE(gate.disallows("http://a.test/x"));

  // Failed for good: later URLs and checks are answered at once.
  gate.enter(parked_url{"http://a.test/y", 2, 1});
  gate.check("http://a.test/z", [&](robots_answer a) { answers.push_back(a); });
  CHECK(host.unavailable.back() ==
        std::pair<std::string, std::string>{"http://a.test/y", "HTTP 500"});
  CHECK(answers.back() == robots_answer::unavailable);
  CHECK(host.fetches.size() == 3);
}

TEST_CASE("a transport error is a failed attempt reported with its message",
          "[crawler][robots_gate]") {
  fake_host host;
  robots_gate gate{host, "actio-test/1.0", 1, 100ms};
  gate.enter(parked_url{"http://a.test/x", 0, 0});
  REQUIRE(gate.fetched(origin, transport_error("connection refused")));
  CHECK(host.retries.empty());
  CHECK(host.unavailable == std::vector<std::pair<std::string, std::string>>{
                                {"http://a.test/x", "connection refused"}});
}

TEST_CASE("a robots.txt fetch nobody asked for changes nothing",
          "[crawler][robots_gate]") {
  fake_host host;
  robots_gate gate{host, "actio-test/1.0", 3, 100ms};
  CHECK_FALSE(gate.fetched(origin, reply(200, rules)));
  gate.enter(parked_url{"http://a.test/private/1", 0, 0});
  REQUIRE(gate.fetched(origin, reply(200, rules)));
  CHECK_FALSE(gate.fetched(origin, reply(200)));
  CHECK(host.disallowed == std::vector<std::string>{"http://a.test/private/1"});
  CHECK(host.allowed.empty());
}

TEST_CASE("redirect checks wait for robots.txt and are answered once it is "
          "known; stop answers the rest with stopping",
          "[crawler][robots_gate]") {
  fake_host host;
  robots_gate gate{host, "actio-test/1.0", 3, 100ms};
  std::vector<std::pair<std::string, robots_answer>> answers;
  auto ask = [&](std::string url) {
    gate.check(url, [&answers, url](robots_answer a) {
      answers.emplace_back(url, a);
    });
  };
  ask("http://a.test/private/p");
  ask("http://a.test/open");
  ask("http://b.test/open");
  CHECK(host.fetches == std::vector<std::string>{origin, "http://b.test"});
  CHECK(answers.empty());
  CHECK(gate.parked() == 0);
  CHECK(gate.pending() == 2);

  REQUIRE(gate.fetched(origin, reply(200, rules)));
  using answer = std::pair<std::string, robots_answer>;
  CHECK(answers == std::vector<answer>{
                       {"http://a.test/private/p", robots_answer::disallowed},
                       {"http://a.test/open", robots_answer::allowed}});
  ask("http://a.test/private/q");
  CHECK(answers.back() ==
        answer{"http://a.test/private/q", robots_answer::disallowed});

  gate.stop();
  CHECK(answers.back() ==
        answer{"http://b.test/open", robots_answer::stopping});
  CHECK(answers.size() == 4);
}
