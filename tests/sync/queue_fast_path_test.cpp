// SPDX-License-Identifier: Apache-2.0
// The FIFO queue's puts and gets that complete on the caller's thread (the
// ring) against the actor that owns its waiters: order, wake-ups and
// hand-backs where the two paths meet.
#include "actio/sync/queue.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

namespace {

actio::task<std::vector<int>> get_n(actio::queue<int> q, int n) {
  std::vector<int> got;
  for (int i = 0; i < n; ++i)
    got.push_back(co_await q.get());
  co_return got;
}

std::vector<int> iota(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i)
    v.push_back(i);
  return v;
}

/// Puts `n` items tagged with `producer` (producer * n + i), one by one or,
/// with `batch`, in put_batch calls of 7.
actio::task<void> produce(actio::queue<int> q, int producer, int n,
                          bool batch) {
  std::vector<int> pending;
  for (int i = 0; i < n; ++i) {
    int v = producer * n + i;
    if (!batch) {
      co_await q.put(v);
      continue;
    }
    pending.push_back(v);
    if (pending.size() == 7 || i == n - 1) {
      co_await q.put_batch(std::move(pending));
      pending = {};
    }
  }
}

/// Takes items until the queue is closed and drained, one by one or, with
/// `batch`, in get_batch calls of up to 5.
actio::task<std::vector<int>> consume(actio::queue<int> q, bool batch) {
  std::vector<int> got;
  try {
    for (;;) {
      if (batch) {
        for (int v : co_await q.get_batch(5))
          got.push_back(v);
      } else {
        got.push_back(co_await q.get());
      }
    }
  } catch (const actio::queue_closed&) {
  }
  co_return got;
}

} // namespace

TEST_CASE("a put with room and a get with an item complete on the caller's "
          "thread, before the queue's actor has run",
          "[queue][fast_path]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt, 2};
  auto p1 = q.put(1);
  auto p2 = q.put(2);
  CHECK(p1.done());
  CHECK(p2.done());
  auto p3 = q.put(3); // full: waits for the actor and a get
  CHECK_FALSE(p3.done());
  auto g = q.get();
  REQUIRE(g.done());
  CHECK(g.result() == 1);
  rt.run_until_complete(p3);
  CHECK(rt.run_until_complete(q.get()) == 2);
  CHECK(rt.run_until_complete(q.get()) == 3);
}

TEST_CASE("one thread's items keep their order when an unbounded queue "
          "overflows its ring into the actor and drains back",
          "[queue][fast_path]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt};
  for (int i = 0; i < 3000; ++i)
    q.put(i);
  auto first = rt.run_until_complete(rt.create_task(get_n, q, 1500));
  for (int i = 3000; i < 4000; ++i)
    q.put(i);
  auto rest = rt.run_until_complete(rt.create_task(get_n, q, 2500));
  CHECK(first == iota(0, 1500));
  CHECK(rest == iota(1500, 4000));
  CHECK(rt.run_until_complete(q.qsize()) == 0);
}

TEST_CASE("a get that completed at once and is dropped unread gives its "
          "item back to the front",
          "[queue][fast_path]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt};
  q.put(1);
  q.put(2);
  {
    auto dropped = q.get();
    REQUIRE(dropped.done());
  }
  CHECK(rt.run_until_complete(q.get()) == 1);
  CHECK(rt.run_until_complete(q.get()) == 2);
}

TEST_CASE("join waits for task_done of items whose puts completed at once",
          "[queue][fast_path]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt};
  REQUIRE(q.put(1).done());
  REQUIRE(q.put(2).done());
  auto joined = q.join();
  rt.run_until_complete(q.get());
  rt.run_until_complete(q.task_done());
  CHECK_FALSE(joined.done());
  rt.run_until_complete(q.get());
  rt.run_until_complete(q.task_done());
  rt.run_until_complete(joined);
  CHECK_THROWS_AS(rt.run_until_complete(q.task_done()),
                  actio::invalid_state_error);
}

TEST_CASE("a put right after close fails even before the actor has seen "
          "the close, and items put before it still drain",
          "[queue][fast_path]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt};
  REQUIRE(q.put(1).done());
  q.close();
  auto late = q.put(2);
  CHECK_THROWS_AS(rt.run_until_complete(late), actio::queue_closed);
  CHECK(rt.run_until_complete(q.get()) == 1);
  CHECK_THROWS_AS(rt.run_until_complete(q.get()), actio::queue_closed);
}

TEST_CASE("a getter waiting on an empty queue is woken by every put from "
          "another thread, under every policy",
          "[queue][fast_path][threads]") {
  auto policy = GENERATE(actio::scheduler_policy::sharing,
                         actio::scheduler_policy::stealing,
                         actio::scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{60s, "queue wake-ups"};
  for (int run = 0; run < 3; ++run) {
    auto o = actio::test::real_time();
    o.policy = policy;
    actio::runtime rt{o};
    actio::queue<int> q{rt};
    constexpr int n = 20000;
    auto consumer = rt.create_task(get_n, q, n);
    std::thread producer{[q]() mutable {
      for (int i = 0; i < n; ++i) {
        q.put(i);
        if (i % 64 == 0)
          std::this_thread::yield();
      }
    }};
    auto got = rt.run_until_complete(consumer);
    producer.join();
    CHECK(got == iota(0, n));
  }
}

TEST_CASE("producers and consumers of single items and batches on a small "
          "bounded queue move every item exactly once, each producer's in "
          "order, under every policy",
          "[queue][fast_path][threads]") {
  auto policy = GENERATE(actio::scheduler_policy::sharing,
                         actio::scheduler_policy::stealing,
                         actio::scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{60s, "queue producers and consumers"};
  constexpr int producers = 3;
  constexpr int per_producer = 10000;
  for (int run = 0; run < 3; ++run) {
    auto o = actio::test::real_time();
    o.policy = policy;
    actio::runtime rt{o};
    actio::queue<int> q{rt, 4};
    std::vector<actio::future<std::vector<int>>> consumers;
    for (int c = 0; c < 3; ++c)
      consumers.push_back(rt.create_task(consume, q, c == 2));
    std::vector<actio::future<actio::none>> puts;
    for (int p = 0; p < producers; ++p)
      puts.push_back(rt.create_task(produce, q, p, per_producer, p == 2));
    for (auto& p : puts)
      rt.run_until_complete(p);
    q.close();
    std::vector<int> times_seen(producers * per_producer, 0);
    bool in_order = true;
    for (auto& c : consumers) {
      std::vector<int> last(producers, -1);
      for (int v : rt.run_until_complete(c)) {
        ++times_seen[static_cast<std::size_t>(v)];
        auto p = static_cast<std::size_t>(v / per_producer);
        in_order = in_order && v > last[p];
        last[p] = v;
      }
    }
    CHECK(in_order);
    CHECK(std::count(times_seen.begin(), times_seen.end(), 1) ==
          producers * per_producer);
  }
}

TEST_CASE("shutdown(immediate) drops the items, completes join, and fails "
          "waiting and later getters and putters",
          "[queue][shutdown]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt, 2};
  REQUIRE(q.put(1).done());
  REQUIRE(q.put(2).done());
  auto blocked = q.put(3);
  auto joined = q.join();
  q.shutdown(true);
  CHECK_THROWS_AS(rt.run_until_complete(q.get()), actio::queue_closed);
  CHECK_THROWS_AS(rt.run_until_complete(blocked), actio::queue_closed);
  CHECK_THROWS_AS(rt.run_until_complete(q.put(4)), actio::queue_closed);
  rt.run_until_complete(joined);
  CHECK(rt.run_until_complete(q.qsize()) == 0);
  q.shutdown(true); // idempotent
  CHECK_THROWS_AS(rt.run_until_complete(q.get_nowait()), actio::queue_closed);
}

TEST_CASE("shutdown(immediate) fails a getter already waiting, and "
          "shutdown() without it keeps the items for getters",
          "[queue][shutdown]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> waiting_on{rt};
  auto g = waiting_on.get();
  waiting_on.shutdown(true);
  CHECK_THROWS_AS(rt.run_until_complete(g), actio::queue_closed);

  actio::queue<int> q{rt};
  q.put(1);
  q.shutdown();
  CHECK_THROWS_AS(rt.run_until_complete(q.put(2)), actio::queue_closed);
  CHECK(rt.run_until_complete(q.get()) == 1);
  CHECK_THROWS_AS(rt.run_until_complete(q.get()), actio::queue_closed);
}

TEST_CASE("a lifo queue shut down with immediate drops its items too",
          "[queue][shutdown]") {
  actio::runtime rt{virtual_time()};
  actio::lifo_queue<int> q{rt};
  q.put(1);
  q.put(2);
  q.shutdown(true);
  CHECK_THROWS_AS(rt.run_until_complete(q.get()), actio::queue_closed);
  rt.run_until_complete(q.join());
}

TEST_CASE("try_get_here takes an item at once, and gives nothing while only "
          "the actor can hand the next one out",
          "[queue][fast_path]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt};
  CHECK_FALSE(q.try_get_here().has_value());
  q.put(1);
  q.put(2);
  CHECK(q.try_get_here() == 1);
  {
    auto dropped = q.get(); // takes 2, then hands it back to the front
    REQUIRE(dropped.done());
  }
  CHECK_FALSE(q.try_get_here().has_value());
  CHECK(rt.run_until_complete(q.get()) == 2);
  actio::lifo_queue<int> lifo{rt};
  lifo.put(3);
  CHECK_FALSE(lifo.try_get_here().has_value());
}
