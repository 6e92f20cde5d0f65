// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/politeness.hpp"

#include <catch2/catch.hpp>

using namespace actio::crawl;
using namespace std::chrono_literals;

TEST_CASE("start_delay is min_delay or the capped Crawl-delay, whichever is "
          "longer",
          "[politeness]") {
  politeness_options o;
  o.min_delay = 500ms;
  o.max_crawl_delay = 10s;
  CHECK(start_delay(o, std::nullopt) == 500ms);
  CHECK(start_delay(o, 2s) == 2s);
  CHECK(start_delay(o, 100ms) == 500ms);
  CHECK(start_delay(o, 1h) == 10s);
}

TEST_CASE("backoff doubles per failure within [d/2, d] and stops at the cap",
          "[politeness]") {
  politeness_options o;
  o.backoff_base = 1000ms;
  o.backoff_max = 10s;
  std::mt19937_64 rng(1);
  for (int round = 0; round < 50; ++round) {
    for (std::uint32_t f = 1; f <= 8; ++f) {
      auto full = std::min<long long>(1000LL << (f - 1), 10000);
      auto d = backoff_delay(f, o, rng).count();
      INFO("failure " << f);
      CHECK(d >= full / 2);
      CHECK(d <= full);
    }
  }
  CHECK(backoff_delay(1000000, o, rng) <= 10s);
}

TEST_CASE("backoff with equal seeds gives equal schedules", "[politeness]") {
  politeness_options o;
  std::mt19937_64 a(99), b(99), c(100);
  std::vector<std::chrono::milliseconds> sa, sb, sc;
  for (std::uint32_t f = 1; f <= 6; ++f) {
    sa.push_back(backoff_delay(f, o, a));
    sb.push_back(backoff_delay(f, o, b));
    sc.push_back(backoff_delay(f, o, c));
  }
  CHECK(sa == sb);
  CHECK(sa != sc);
}

TEST_CASE("Retry-After is capped and never negative", "[politeness]") {
  politeness_options o;
  o.max_retry_after = 60s;
  CHECK(retry_after_delay(5s, o) == 5s);
  CHECK(retry_after_delay(2h, o) == 60s);
  CHECK(retry_after_delay(-3s, o) == 0s);
}
