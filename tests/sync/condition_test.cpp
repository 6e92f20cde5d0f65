// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/condition.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

using namespace std::chrono_literals;
using actio::test::elapsed;
using actio::test::run_all;
using actio::test::run_on_virtual_time;
using actio::test::settle;
using actio::test::virtual_time;

namespace {

/// Waits once, then records `id` while holding the lock again.
actio::task<void> wait_and_record(actio::condition c, int id,
                                  std::vector<int>* order) {
  auto g = co_await c.scoped();
  co_await c.wait();
  order->push_back(id);
  co_await actio::sleep(1s); // still holding: the next one waits for it
}

/// Waits, and when cancelled records the time it got the lock back.
actio::task<void> wait_until_cancelled(actio::condition c, double* back_at) {
  auto start = actio::runtime::current()->time();
  co_await c.acquire(); // the manual style: released when the task ends
  try {
    co_await c.wait();
  } catch (const actio::cancelled_error&) {
    *back_at = elapsed(*actio::runtime::current(), start);
    throw;
  }
}

actio::task<int> wait_for_value(actio::condition c, const int* value) {
  auto g = co_await c.scoped();
  co_return co_await c.wait_for([value] { return *value >= 3 ? *value : 0; });
}

actio::task<void> produce(actio::condition c, int* value) {
  for (int i = 0; i < 3; ++i) {
    co_await actio::sleep(1s);
    auto g = co_await c.scoped();
    ++*value;
    c.notify_all();
  }
}

actio::task<void> wait_without_lock(actio::condition c) {
  co_await c.wait();
}

actio::task<void> take_turns(actio::condition c, int id, int parties,
                             int rounds, int* turn) {
  for (int r = 0; r < rounds; ++r) {
    auto g = co_await c.scoped();
    co_await c.wait_for([&] { return *turn % parties == id; });
    ++*turn;
    c.notify_all();
  }
}

} // namespace

TEST_CASE("notify wakes condition waiters oldest first, each returning "
          "with the lock held again",
          "[condition]") {
  run_on_virtual_time([](actio::runtime& rt) -> actio::task<void> {
    actio::condition c{rt};
    std::vector<int> order;
    std::vector<actio::future<actio::none>> waiters;
    for (int i = 0; i < 3; ++i) {
      waiters.push_back(actio::create_task(wait_and_record, c, i, &order));
      co_await settle();
    }
    CHECK_FALSE(co_await c.locked()); // every waiter gave the lock up
    {
      auto g = co_await c.scoped();
      co_await c.notify(2);
    }
    co_await actio::sleep(500ms);
    CHECK(order == std::vector<int>{0}); // 1 waits for 0's lock
    CHECK(co_await c.locked());
    co_await actio::sleep(1s);
    CHECK(order == std::vector<int>{0, 1});
    co_await actio::sleep(1s);
    CHECK_FALSE(waiters[2].done());
    {
      auto g = co_await c.scoped();
      co_await c.notify_all();
    }
    co_await actio::gather(waiters);
    CHECK(order == std::vector<int>{0, 1, 2});
    CHECK_FALSE(co_await c.locked());
  });
}

TEST_CASE("wait_for returns the predicate's value once it holds, checking "
          "after each notification",
          "[condition]") {
  run_on_virtual_time([](actio::runtime& rt) -> actio::task<void> {
    actio::condition c{rt};
    int value = 0;
    auto start = rt.time();
    auto consumer = actio::create_task(wait_for_value, c, &value);
    co_await actio::create_task(produce, c, &value);
    CHECK(co_await consumer == 3);
    CHECK(elapsed(rt, start) == Approx(3.0).margin(0.01));
  });
}

TEST_CASE("waiting or notifying without holding the condition's lock fails "
          "with runtime_error",
          "[condition]") {
  actio::runtime rt{virtual_time()};
  actio::condition c{rt};
  CHECK_THROWS_AS(rt.run_until_complete(rt.create_task(wait_without_lock, c)),
                  actio::runtime_error);
  CHECK_THROWS_AS(rt.run_until_complete(c.notify()), actio::runtime_error);
  // Held by another task (or by main) is not held by this one.
  rt.run_until_complete(c.acquire());
  CHECK_THROWS_AS(rt.run_until_complete(rt.create_task(wait_without_lock, c)),
                  actio::runtime_error);
  rt.run_until_complete(c.notify()); // main holds it: fine
  rt.run_until_complete(c.release());
  CHECK_FALSE(rt.run_until_complete(c.locked()));
}

TEST_CASE("a condition waiter cancelled while waiting takes the lock back "
          "before it sees cancelled_error",
          "[condition]") {
  run_on_virtual_time([](actio::runtime& rt) -> actio::task<void> {
    actio::condition c{rt};
    double back_at = -1;
    auto waiter = actio::create_task(wait_until_cancelled, c, &back_at);
    co_await settle();
    co_await c.acquire();
    waiter.cancel();
    co_await actio::sleep(2s);
    CHECK_FALSE(waiter.done()); // it waits for the lock this task holds
    co_await c.release();
    co_await settle();
    REQUIRE(waiter.done());
    CHECK(waiter.cancelled());
    CHECK(back_at == Approx(2.0).margin(0.01));
    CHECK_FALSE(co_await c.locked()); // its end gave the lock back
  });
}

TEST_CASE("a waiter cancelled after it was notified passes the notification "
          "on",
          "[condition]") {
  run_on_virtual_time([](actio::runtime& rt) -> actio::task<void> {
    actio::condition c{rt};
    double back_at = -1;
    std::vector<int> order;
    auto first = actio::create_task(wait_until_cancelled, c, &back_at);
    co_await settle();
    auto second = actio::create_task(wait_and_record, c, 2, &order);
    co_await settle();
    co_await c.acquire();
    co_await c.notify(1); // first is notified, then cancelled
    co_await settle();
    first.cancel();
    co_await settle();
    co_await c.release();
    co_await actio::sleep(2s);
    CHECK(first.cancelled());
    CHECK(order == std::vector<int>{2});
    REQUIRE(second.done());
    CHECK_FALSE(co_await c.locked());
  });
}

TEST_CASE("conditions sharing a lock notify only their own waiters",
          "[condition]") {
  run_on_virtual_time([](actio::runtime& rt) -> actio::task<void> {
    actio::lock l{rt};
    actio::condition a{l};
    actio::condition b{l};
    std::vector<int> order;
    auto on_a = actio::create_task(wait_and_record, a, 1, &order);
    auto on_b = actio::create_task(wait_and_record, b, 2, &order);
    co_await settle();
    {
      auto g = co_await l.scoped();
      co_await b.notify_all();
    }
    co_await on_b;
    CHECK(order == std::vector<int>{2});
    CHECK_FALSE(on_a.done());
    {
      auto g = co_await a.scoped();
      co_await a.notify();
    }
    co_await on_a;
    CHECK(order == std::vector<int>{2, 1});
  });
}

TEST_CASE("when the runtime closes, condition waiters end with "
          "cancelled_error and nothing hangs",
          "[condition]") {
  actio::runtime rt{virtual_time()};
  actio::condition c{rt};
  double back_at = -1;
  std::vector<int> order;
  auto a = rt.create_task(wait_until_cancelled, c, &back_at);
  auto b = rt.create_task(wait_and_record, c, 1, &order);
  run_all(rt);
  rt.close();
  REQUIRE(a.done());
  CHECK(a.cancelled());
  REQUIRE(b.done());
  CHECK(b.cancelled());
  CHECK(order.empty());
}

TEST_CASE("tasks on real threads take turns through a condition in strict "
          "order, under every policy",
          "[condition][threads]") {
  auto policy = GENERATE(actio::scheduler_policy::sharing,
                         actio::scheduler_policy::stealing,
                         actio::scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{10s, "condition turns"};
  auto o = actio::test::real_time();
  o.policy = policy;
  actio::runtime rt{o};
  actio::condition c{rt};
  int turn = 0;
  constexpr int parties = 4;
  std::vector<actio::future<actio::none>> tasks;
  for (int id = 0; id < parties; ++id)
    tasks.push_back(rt.create_task(take_turns, c, id, parties, 100, &turn));
  rt.run_until_complete(actio::gather(tasks));
  CHECK(turn == parties * 100);
}
