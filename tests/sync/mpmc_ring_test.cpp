// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/detail/mpmc_ring.hpp"

#include "support/time_limit.hpp"
#include "sync/counting.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using actio::detail::mpmc_ring;

TEST_CASE("a ring rounds its capacity up to a power of two, refuses a push "
          "when full and a pop when empty",
          "[queue][ring]") {
  mpmc_ring<int> ring{3};
  CHECK(ring.capacity() == 4);
  for (int i = 0; i < 4; ++i) {
    int v = i;
    CHECK(ring.try_push(v));
  }
  int extra = 99;
  CHECK_FALSE(ring.try_push(extra));
  CHECK(extra == 99);
  for (int i = 0; i < 4; ++i)
    CHECK(ring.try_pop() == i);
  CHECK_FALSE(ring.try_pop().has_value());
}

TEST_CASE("a ring keeps first in, first out across many wrap-arounds",
          "[queue][ring]") {
  mpmc_ring<int> ring{8};
  int next_in = 0;
  int next_out = 0;
  for (int round = 0; round < 1000; ++round) {
    for (int k = 0; k < 5; ++k) {
      int v = next_in++;
      REQUIRE(ring.try_push(v));
    }
    for (int k = 0; k < 5; ++k)
      REQUIRE(ring.try_pop() == next_out++);
  }
}

TEST_CASE("a ring moves items, never copies them, and destroys those left "
          "in it",
          "[queue][ring]") {
  actio::test::counting::reset();
  {
    mpmc_ring<actio::test::counting> ring{4};
    actio::test::counting a{1};
    actio::test::counting b{2};
    REQUIRE(ring.try_push(a));
    REQUIRE(ring.try_push(b));
    auto out = ring.try_pop();
    REQUIRE(out.has_value());
    CHECK(out->value == 1);
  }
  CHECK(actio::test::counting::copies == 0);
  CHECK(actio::test::counting::alive == 0);
}

TEST_CASE("four threads pushing and four popping move every item exactly "
          "once, each producer's items in order",
          "[queue][ring][threads]") {
  actio::test::time_limit limit{30s, "ring threads"};
  constexpr int producers = 4;
  constexpr int per_producer = 50000;
  mpmc_ring<long> ring{64};
  std::atomic<int> popped{0};
  std::vector<std::vector<long>> seen(producers);
  std::vector<std::unique_ptr<std::atomic<int>>> counts;
  for (int p = 0; p < producers * per_producer; ++p)
    counts.push_back(std::make_unique<std::atomic<int>>(0));
  std::atomic<bool> order_ok{true};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p)
    threads.emplace_back([&ring, p] {
      for (long i = 0; i < per_producer; ++i) {
        long v = p * per_producer + i;
        while (!ring.try_push(v))
          std::this_thread::yield();
      }
    });
  for (int c = 0; c < producers; ++c)
    threads.emplace_back([&] {
      std::vector<long> last(producers, -1);
      while (popped.load() < producers * per_producer) {
        auto v = ring.try_pop();
        if (!v) {
          std::this_thread::yield();
          continue;
        }
        popped.fetch_add(1);
        counts[static_cast<std::size_t>(*v)]->fetch_add(1);
        auto p = static_cast<std::size_t>(*v / per_producer);
        if (*v <= last[p])
          order_ok.store(false);
        last[p] = *v;
      }
    });
  for (auto& t : threads)
    t.join();
  CHECK(order_ok.load());
  int wrong = 0;
  for (auto& n : counts)
    wrong += n->load() != 1;
  CHECK(wrong == 0);
  CHECK_FALSE(ring.try_pop().has_value());
}
