// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/frontier.hpp"

#include "actio/crawl/core/url.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>
#include <malloc.h>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace actio::crawl;
using namespace std::chrono_literals;
using clock_type = frontier::clock;

namespace {

const clock_type::time_point t0 = clock_type::time_point{} + 1h;

frontier_options fast_options() {
  frontier_options o;
  o.politeness.min_delay = 0ms;
  o.politeness.max_in_flight_per_host = 100;
  return o;
}

std::string url(std::string_view host, int i) {
  return "http://" + std::string{host} + "/p" + std::to_string(i);
}

} // namespace

TEST_CASE("add admits each canonical URL once and says why it refuses",
          "[frontier]") {
  auto o = fast_options();
  o.max_depth = 3;
  o.host_filter = [](std::string_view host) {
    return domain_allowed(host, {"example.com"});
  };
  frontier f{o};
  CHECK(f.add("http://example.com/", 0) == add_status::added);
  CHECK(f.add("http://example.com/", 1) == add_status::duplicate);
  CHECK(f.add("http://a.example.com/x", 3) == add_status::added);
  CHECK(f.add("http://example.com/deep", 4) == add_status::too_deep);
  CHECK(f.add("http://badexample.com/", 0) == add_status::filtered);
  CHECK(f.add("nonsense", 0) == add_status::invalid);
  CHECK(f.add("", 0) == add_status::invalid);
  CHECK(f.queued() == 2);
  CHECK(f.admitted() == 2);
  CHECK(f.hosts() == 2);
}

TEST_CASE("max_pages bounds the URLs ever admitted", "[frontier]") {
  auto o = fast_options();
  o.max_pages = 3;
  frontier f{o};
  for (int i = 0; i < 3; ++i)
    CHECK(f.add(url("h.com", i), 0) == add_status::added);
  CHECK(f.add(url("h.com", 3), 0) == add_status::limit_reached);
  CHECK(f.add(url("h.com", 0), 0) == add_status::duplicate);
  int leased = 0;
  while (auto l = f.next_ready(t0)) {
    ++leased;
    f.complete(*l, fetch_verdict::success(), t0);
  }
  CHECK(leased == 3);
  CHECK(f.add(url("h.com", 9), 1) == add_status::limit_reached);
  CHECK(f.idle());
}

TEST_CASE("one host is crawled breadth-first, FIFO within a depth",
          "[frontier]") {
  frontier f{fast_options()};
  f.add("http://h.com/", 0);
  f.add("http://h.com/d2-a", 2);
  f.add("http://h.com/d1-a", 1);
  f.add("http://h.com/d2-b", 2);
  f.add("http://h.com/d1-b", 1);
  std::vector<std::string> order;
  while (auto l = f.next_ready(t0)) {
    order.push_back(l->url);
    f.complete(*l, fetch_verdict::success(), t0);
  }
  CHECK(order == std::vector<std::string>{
                     "http://h.com/", "http://h.com/d1-a", "http://h.com/d1-b",
                     "http://h.com/d2-a", "http://h.com/d2-b"});
  CHECK(f.done() == 5);
  CHECK(f.idle());
  CHECK_FALSE(f.next_wakeup());
}

TEST_CASE("among ready hosts the lowest depth goes first", "[frontier]") {
  auto o = fast_options();
  o.politeness.min_delay = 1s;
  frontier f{o};
  f.add("http://a.com/deep", 2);
  f.add("http://b.com/shallow", 1);
  f.add("http://b.com/shallow2", 1);
  f.add("http://c.com/mid", 1);
  auto l1 = f.next_ready(t0);
  REQUIRE(l1);
  CHECK(l1->url == "http://b.com/shallow");
  auto l2 = f.next_ready(t0);
  REQUIRE(l2);
  CHECK(l2->url == "http://c.com/mid");
  // b.com's second depth-1 URL waits for its delay: a ready host goes on.
  auto l3 = f.next_ready(t0);
  REQUIRE(l3);
  CHECK(l3->url == "http://a.com/deep");
  CHECK_FALSE(f.next_ready(t0 + 999ms));
  auto l4 = f.next_ready(t0 + 1s);
  REQUIRE(l4);
  CHECK(l4->url == "http://b.com/shallow2");
}

TEST_CASE("a lower-depth URL added later jumps ahead on its host",
          "[frontier]") {
  frontier f{fast_options()};
  f.add("http://h.com/d3", 3);
  REQUIRE(f.next_wakeup());
  f.add("http://h.com/d1", 1);
  auto l = f.next_ready(t0);
  REQUIRE(l);
  CHECK(l->url == "http://h.com/d1");
}

TEST_CASE("start delays and the in-flight cap are honoured exactly",
          "[frontier]") {
  frontier_options o;
  o.politeness.min_delay = 1s;
  o.politeness.max_in_flight_per_host = 2;
  frontier f{o};
  for (int i = 0; i < 4; ++i)
    f.add(url("h.com", i), 0);

  auto a = f.next_ready(t0);
  REQUIRE(a);
  CHECK(a->attempt == 1);
  CHECK_FALSE(f.next_ready(t0));
  REQUIRE(f.next_wakeup());
  CHECK(*f.next_wakeup() == t0 + 1s);
  CHECK_FALSE(f.next_ready(t0 + 999ms));
  auto b = f.next_ready(t0 + 1s);
  REQUIRE(b);
  CHECK(f.in_flight() == 2);
  // Two in flight: the cap blocks even after the delay.
  CHECK_FALSE(f.next_ready(t0 + 10s));
  CHECK_FALSE(f.next_wakeup());
  CHECK(f.complete(*a, fetch_verdict::success(), t0 + 10s).what ==
        completion::kind::done);
  REQUIRE(f.next_wakeup());
  CHECK(*f.next_wakeup() == t0 + 2s);
  auto c = f.next_ready(t0 + 10s);
  REQUIRE(c);
  CHECK(c->url == url("h.com", 2));
  CHECK(f.queued() == 1);
  CHECK(f.in_flight() == 2);
}

TEST_CASE("a robots Crawl-delay stretches the start delay up to the cap",
          "[frontier]") {
  frontier_options o;
  o.politeness.min_delay = 1s;
  o.politeness.max_crawl_delay = 30s;
  o.politeness.max_in_flight_per_host = 10;
  frontier f{o};
  for (int i = 0; i < 4; ++i)
    f.add(url("h.com", i), 0);
  f.set_crawl_delay("h.com", 5s);
  REQUIRE(f.next_ready(t0));
  CHECK(*f.next_wakeup() == t0 + 5s);
  CHECK_FALSE(f.next_ready(t0 + 4s));
  REQUIRE(f.next_ready(t0 + 5s));
  f.set_crawl_delay("h.com", 1h);
  CHECK(*f.next_wakeup() == t0 + 35s);
  REQUIRE(f.next_ready(t0 + 35s));
  f.set_crawl_delay("h.com", std::nullopt);
  CHECK(*f.next_wakeup() == t0 + 65s); // the lease above used the 30 s cap
}

TEST_CASE("delay_host holds a host back until the given time", "[frontier]") {
  frontier f{fast_options()};
  f.add("http://h.com/", 0);
  f.add("http://other.com/", 1);
  f.delay_host("h.com", t0 + 1min);
  auto l = f.next_ready(t0);
  REQUIRE(l);
  CHECK(l->host == "other.com");
  CHECK_FALSE(f.next_ready(t0 + 59s));
  CHECK(*f.next_wakeup() == t0 + 1min);
  auto h = f.next_ready(t0 + 1min);
  REQUIRE(h);
  CHECK(h->host == "h.com");
}

TEST_CASE("Retry-After on a transient failure delays the host and retries the "
          "URL first",
          "[frontier]") {
  frontier f{fast_options()};
  f.add(url("h.com", 0), 0);
  f.add(url("h.com", 1), 0);
  auto l = f.next_ready(t0);
  REQUIRE(l);
  auto c = f.complete(*l, fetch_verdict::transient("429", 10s), t0 + 1s);
  CHECK(c.what == completion::kind::retry_scheduled);
  CHECK(c.retry_at == t0 + 11s);
  CHECK(f.queued() == 2);
  CHECK_FALSE(f.next_ready(t0 + 10s));
  CHECK(*f.next_wakeup() == t0 + 11s);
  auto again = f.next_ready(t0 + 11s);
  REQUIRE(again);
  CHECK(again->url == url("h.com", 0));
  CHECK(again->attempt == 2);
  CHECK(again->depth == 0);
}

TEST_CASE("a backed-off URL waits alone while its host serves the others",
          "[frontier]") {
  auto o = fast_options();
  o.politeness.backoff_base = 10s;
  o.politeness.backoff_max = 10s;
  frontier f{o};
  f.add(url("h.com", 0), 0);
  f.add(url("h.com", 1), 0);
  f.add(url("h.com", 2), 1);
  auto l = f.next_ready(t0);
  REQUIRE(l);
  auto c = f.complete(*l, fetch_verdict::transient("HTTP 500"), t0);
  REQUIRE(c.what == completion::kind::retry_scheduled);
  CHECK(c.retry_at >= t0 + 5s);
  CHECK(c.retry_at <= t0 + 10s);
  CHECK(f.queued() == 3);
  auto b = f.next_ready(t0 + 1ms);
  REQUIRE(b);
  CHECK(b->url == url("h.com", 1));
  auto d = f.next_ready(t0 + 2ms);
  REQUIRE(d);
  CHECK(d->url == url("h.com", 2));
  CHECK_FALSE(f.next_ready(t0 + 3ms));
  CHECK(*f.next_wakeup() == c.retry_at);
  CHECK_FALSE(f.idle());
  CHECK_FALSE(f.next_ready(c.retry_at - 1ms));
  auto again = f.next_ready(c.retry_at);
  REQUIRE(again);
  CHECK(again->url == url("h.com", 0));
  CHECK(again->attempt == 2);
}

TEST_CASE("a due retry goes ahead of its depth-mates added after it",
          "[frontier]") {
  auto o = fast_options();
  o.politeness.backoff_base = 1s;
  o.politeness.backoff_max = 1s;
  frontier f{o};
  f.add(url("h.com", 0), 0);
  auto l = f.next_ready(t0);
  REQUIRE(l);
  auto c = f.complete(*l, fetch_verdict::transient("reset"), t0);
  f.add(url("h.com", 1), 0);
  f.add(url("h.com", 2), 0);
  auto first = f.next_ready(c.retry_at);
  REQUIRE(first);
  CHECK(first->url == url("h.com", 0));
  auto second = f.next_ready(c.retry_at);
  REQUIRE(second);
  CHECK(second->url == url("h.com", 1));
}

TEST_CASE("attempts restored with add count against the retry limit",
          "[frontier]") {
  auto o = fast_options();
  o.politeness.max_attempts = 3;
  frontier f{o};
  f.add(url("h.com", 0), 0, 2);
  auto l = f.next_ready(t0);
  REQUIRE(l);
  CHECK(l->attempt == 3);
  auto c = f.complete(*l, fetch_verdict::transient("timeout"), t0);
  CHECK(c.what == completion::kind::gave_up);
  CHECK(c.reason == "timeout (gave up after 3 tries)");
  // More attempts than allowed already: one last try, then given up.
  f.add(url("h.com", 1), 0, 7);
  auto m = f.next_ready(t0);
  REQUIRE(m);
  CHECK(f.complete(*m, fetch_verdict::transient("timeout"), t0).what ==
        completion::kind::gave_up);
  CHECK(f.idle());
}

TEST_CASE("transient failures back off exponentially with jitter, then give "
          "up with the reason",
          "[frontier]") {
  auto o = fast_options();
  o.politeness.backoff_base = 2s;
  o.politeness.backoff_max = 1min;
  o.politeness.max_attempts = 4;
  o.seed = 7;
  frontier f{o};
  f.add("http://h.com/flaky", 0);
  auto now = t0;
  std::vector<clock_type::duration> waits;
  for (std::uint32_t attempt = 1; attempt <= 3; ++attempt) {
    auto l = f.next_ready(now);
    REQUIRE(l);
    CHECK(l->attempt == attempt);
    auto c = f.complete(*l, fetch_verdict::transient("timeout"), now);
    REQUIRE(c.what == completion::kind::retry_scheduled);
    waits.push_back(c.retry_at - now);
    CHECK_FALSE(f.next_ready(c.retry_at - 1ms));
    now = c.retry_at;
  }
  CHECK(waits[0] >= 1s);
  CHECK(waits[0] <= 2s);
  CHECK(waits[1] >= 2s);
  CHECK(waits[1] <= 4s);
  CHECK(waits[2] >= 4s);
  CHECK(waits[2] <= 8s);
  auto last = f.next_ready(now);
  REQUIRE(last);
  CHECK(last->attempt == 4);
  auto c = f.complete(*last, fetch_verdict::transient("timeout"), now);
  CHECK(c.what == completion::kind::gave_up);
  CHECK(c.reason == "timeout (gave up after 4 tries)");
  CHECK(f.failed() == 1);
  CHECK(f.idle());

  // The same seed gives the same schedule.
  frontier g{o};
  g.add("http://h.com/flaky", 0);
  auto l = g.next_ready(t0);
  REQUIRE(l);
  CHECK(g.complete(*l, fetch_verdict::transient("x"), t0).retry_at - t0 ==
        waits[0]);
}

TEST_CASE("permanent failures are not retried", "[frontier]") {
  frontier f{fast_options()};
  f.add("http://h.com/404", 0);
  auto l = f.next_ready(t0);
  REQUIRE(l);
  auto c = f.complete(*l, fetch_verdict::permanent("404"), t0);
  CHECK(c.what == completion::kind::failed);
  CHECK(c.reason == "404");
  CHECK(f.failed() == 1);
  CHECK(f.queued() == 0);
  CHECK_FALSE(f.next_ready(t0 + 1h));
  CHECK(f.idle());
}

TEST_CASE("completing a lease twice is reported and changes nothing",
          "[frontier]") {
  frontier f{fast_options()};
  f.add("http://h.com/", 0);
  auto l = f.next_ready(t0);
  REQUIRE(l);
  CHECK(f.complete(*l, fetch_verdict::success(), t0).what ==
        completion::kind::done);
  CHECK(f.complete(*l, fetch_verdict::success(), t0).what ==
        completion::kind::unknown_lease);
  CHECK(f.done() == 1);
  lease foreign;
  foreign.id = 12345;
  CHECK(f.complete(foreign, fetch_verdict::success(), t0).what ==
        completion::kind::unknown_lease);
}

TEST_CASE("a randomised crawl never exceeds the per-host cap or delay",
          "[frontier]") {
  frontier_options o;
  o.politeness.max_in_flight_per_host = 2;
  o.politeness.min_delay = 300ms;
  o.politeness.backoff_base = 100ms;
  o.politeness.max_attempts = 3;
  frontier f{o};
  std::mt19937 rng(3);
  const int hosts = 7;
  for (int i = 0; i < 700; ++i) {
    std::string host = std::to_string(i % hosts);
    host.append(".h.com");
    f.add(url(host, i), static_cast<std::uint32_t>(i % 5));
  }
  std::map<std::string, int> in_flight;
  std::map<std::string, clock_type::time_point> last_start;
  std::vector<lease> active;
  auto now = t0;
  int steps = 0;
  while (!f.idle() && steps++ < 100000) {
    while (auto l = f.next_ready(now)) {
      REQUIRE(++in_flight[l->host] <= 2);
      if (auto it = last_start.find(l->host); it != last_start.end())
        REQUIRE(now - it->second >= 300ms);
      last_start[l->host] = now;
      active.push_back(std::move(*l));
    }
    if (!active.empty() && rng() % 2 == 0) {
      auto i = rng() % active.size();
      auto l = active[i];
      active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
      --in_flight[l.host];
      auto r = rng() % 10;
      f.complete(l,
                 r == 0   ? fetch_verdict::transient("reset")
                 : r == 1 ? fetch_verdict::transient("429", 2s)
                 : r == 2 ? fetch_verdict::permanent("404")
                          : fetch_verdict::success(),
                 now);
    }
    now += 50ms;
  }
  CHECK(f.idle());
  CHECK(f.done() + f.failed() == 700);
  CHECK(f.in_flight() == 0);
}

TEST_CASE("a million queued URLs fit well under 200 MB (informational)",
          "[frontier][memory]") {
  auto in_use = [] {
    auto m = mallinfo2();
    return m.uordblks + m.hblkhd;
  };
  auto before = in_use();
  std::size_t estimate = 0;
  {
    frontier f{fast_options()};
    std::string u;
    std::size_t added = 0;
    for (int h = 0; h < 1000; ++h)
      for (int i = 0; i < 1000; ++i) {
        u = "https://host-" + std::to_string(h) +
            ".example.com/articles/2024/some-article-slug-" + std::to_string(i);
        added += f.add(u, 1) == add_status::added;
      }
    CHECK(added == 1000000);
    CHECK(f.queued() == 1000000);
    auto after = in_use();
    estimate = f.memory_bytes();
    auto measured = after > before ? after - before : 0;
    std::printf("1M queued URLs (~62 bytes each): frontier estimate %.1f MB, "
                "malloc in use %.1f MB\n",
                static_cast<double>(estimate) / 1e6,
                static_cast<double>(measured) / 1e6);
    CHECK(estimate < 200u * 1000u * 1000u);
    if (measured > 0) // zero under sanitizers, whose allocator mallinfo2 misses
      CHECK(measured < 200u * 1000u * 1000u);
  }
}
