// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/cache.hpp"

#include "actio/actio.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

namespace {

struct load_log {
  std::map<std::string, int> loads;
  int fail_next = 0;
};

/// The seed's get_html: one second to fetch a page.
actio::task<std::string> fetch(load_log* log, std::string url) {
  ++log->loads[url];
  co_await actio::sleep(1s);
  if (log->fail_next > 0) {
    --log->fail_next;
    throw std::runtime_error("fetch failed: " + url);
  }
  co_return "<html>" + url + "</html>";
}

using page_cache = actio::cache<std::string, std::string>;

page_cache make_cache(actio::runtime& rt, load_log& log,
                      actio::cache_options opts = {}) {
  return page_cache{
      rt, [&log](const std::string& url) { return fetch(&log, url); }, opts};
}

} // namespace

TEST_CASE("100 concurrent gets of one key start one load and all receive "
          "its result",
          "[cache]") {
  actio::runtime rt{virtual_time()};
  load_log log;
  auto c = make_cache(rt, log);
  auto start = rt.time();
  std::vector<actio::future<std::string>> gets;
  for (int i = 0; i < 100; ++i)
    gets.push_back(c.get("http://a"));
  auto pages = rt.run_until_complete(actio::gather(gets));
  CHECK(log.loads["http://a"] == 1);
  CHECK(pages.size() == 100);
  CHECK(std::all_of(pages.begin(), pages.end(), [](const std::string& p) {
    return p == "<html>http://a</html>";
  }));
  CHECK(actio::test::elapsed(rt, start) == Approx(1.0).margin(0.01));
  auto s = rt.run_until_complete(c.stats());
  CHECK(s.loads == 1);
  CHECK(s.coalesced == 99);
  CHECK(rt.run_until_complete(c.get("http://a")) == "<html>http://a</html>");
  CHECK(log.loads["http://a"] == 1);
  CHECK(rt.run_until_complete(c.stats()).hits == 1);
}

TEST_CASE("a failed load reaches every waiter and is not cached", "[cache]") {
  actio::runtime rt{virtual_time()};
  load_log log;
  log.fail_next = 1;
  auto c = make_cache(rt, log);
  auto a = c.get("u");
  auto b = c.get("u");
  CHECK_THROWS_WITH(rt.run_until_complete(a), "fetch failed: u");
  CHECK_THROWS_WITH(rt.run_until_complete(b), "fetch failed: u");
  CHECK(rt.run_until_complete(c.get("u")) == "<html>u</html>");
  CHECK(log.loads["u"] == 2);
  CHECK(rt.run_until_complete(c.stats()).errors == 1);
}

TEST_CASE("a value expires after its TTL on the runtime's virtual clock",
          "[cache]") {
  actio::runtime rt{virtual_time()};
  load_log log;
  actio::cache_options opts;
  opts.ttl = 10s;
  auto c = make_cache(rt, log, opts);
  rt.run_until_complete(c.get("k"));
  rt.run_until_complete(actio::create_task(
      []() -> actio::task<void> { co_await actio::sleep(5s); }));
  rt.run_until_complete(c.get("k"));
  CHECK(log.loads["k"] == 1);
  rt.run_until_complete(actio::create_task(
      []() -> actio::task<void> { co_await actio::sleep(6s); }));
  rt.run_until_complete(c.get("k"));
  CHECK(log.loads["k"] == 2);
}

TEST_CASE("with a capacity, the least recently used value is evicted",
          "[cache]") {
  actio::runtime rt{virtual_time()};
  load_log log;
  actio::cache_options opts;
  opts.capacity = 2;
  auto c = make_cache(rt, log, opts);
  rt.run_until_complete(c.get("a"));
  rt.run_until_complete(c.get("b"));
  rt.run_until_complete(c.get("a")); // a is now the most recent
  rt.run_until_complete(c.get("c")); // evicts b
  rt.run_until_complete(c.get("a"));
  CHECK(log.loads["a"] == 1);
  rt.run_until_complete(c.get("b"));
  CHECK(log.loads["b"] == 2);
  auto s = rt.run_until_complete(c.stats());
  CHECK(s.size == 2);
  CHECK(s.evictions == 2);
}

TEST_CASE("invalidate forgets a value and a loader returning a future works "
          "too",
          "[cache]") {
  actio::runtime rt{virtual_time()};
  int calls = 0;
  actio::cache<int, int> c{rt, [&calls](const int& k) {
                             ++calls;
                             actio::promise<int> p;
                             p.set_value(k * 2);
                             return p.get_future();
                           }};
  CHECK(rt.run_until_complete(c.get(21)) == 42);
  CHECK(rt.run_until_complete(c.get(21)) == 42);
  CHECK(calls == 1);
  c.invalidate(21);
  CHECK(rt.run_until_complete(c.get(21)) == 42);
  CHECK(calls == 2);
}

TEST_CASE("a loader that throws synchronously fails the get", "[cache]") {
  actio::runtime rt{virtual_time()};
  actio::cache<int, int> c{rt, [](const int&) -> actio::future<int> {
                             throw std::invalid_argument("bad key");
                           }};
  CHECK_THROWS_AS(rt.run_until_complete(c.get(1)), std::invalid_argument);
  CHECK_THROWS_AS(rt.run_until_complete(c.get(1)), std::invalid_argument);
}
