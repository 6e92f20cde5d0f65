// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/event.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <vector>

using namespace std::chrono_literals;
using actio::test::elapsed;
using actio::test::run_all;
using actio::test::run_on_virtual_time;
using actio::test::settle;
using actio::test::virtual_time;

namespace {

actio::task<double> wait_at(actio::event e, actio::time_point start) {
  co_await e.wait();
  co_return std::chrono::duration<double>(actio::runtime::current()->time() -
                                          start)
      .count();
}

actio::task<void> set_after(actio::event e, std::chrono::seconds d) {
  co_await actio::sleep(d);
  e.set();
}

actio::task<void> wait_then_count(actio::event e, std::atomic<int>* woken) {
  co_await e.wait();
  ++*woken;
}

} // namespace

TEST_CASE("every waiter of an event wakes when it is set, and later waits "
          "complete at once until it is cleared",
          "[event]") {
  run_on_virtual_time([](actio::runtime& rt) -> actio::task<void> {
    actio::event e{rt};
    auto start = rt.time();
    CHECK_FALSE(co_await e.is_set());
    std::vector<actio::future<double>> waiters;
    for (int i = 0; i < 5; ++i)
      waiters.push_back(actio::create_task(wait_at, e, start));
    actio::create_task(set_after, e, 2s);
    auto times = co_await actio::gather(waiters);
    for (auto t : times)
      CHECK(t == Approx(2.0).margin(0.01));
    CHECK(co_await e.is_set());
    co_await e.wait(); // set: at once
    CHECK(elapsed(rt, start) == Approx(2.0).margin(0.01));
    e.clear();
    CHECK_FALSE(co_await e.is_set());
    auto late = actio::create_task(wait_at, e, start);
    co_await actio::sleep(1s);
    CHECK_FALSE(late.done());
    e.set();
    CHECK(co_await late == Approx(3.0).margin(0.01));
  });
}

TEST_CASE("a waiter set and cleared before it runs still wakes", "[event]") {
  actio::runtime rt{virtual_time()};
  actio::event e{rt};
  auto w = e.wait();
  run_all(rt);
  e.set();
  e.clear();
  run_all(rt);
  CHECK(w.done());
  CHECK_FALSE(rt.run_until_complete(e.is_set()));
}

TEST_CASE("a cancelled event waiter is withdrawn and the others still wake",
          "[event]") {
  actio::runtime rt{virtual_time()};
  actio::event e{rt};
  auto a = e.wait();
  auto b = e.wait();
  std::atomic<int> woken{0};
  auto t = rt.create_task(wait_then_count, e, &woken);
  run_all(rt);
  CHECK(b.cancel());
  t.cancel();
  run_all(rt);
  e.set();
  run_all(rt);
  CHECK(a.done());
  CHECK_FALSE(a.cancelled());
  CHECK(b.cancelled());
  CHECK(t.cancelled());
  CHECK(woken == 0);
}

TEST_CASE("when the runtime closes, event waiters get cancelled_error",
          "[event]") {
  actio::runtime rt{virtual_time()};
  actio::event e{rt};
  auto outside = e.wait();
  std::atomic<int> woken{0};
  auto in_task = rt.create_task(wait_then_count, e, &woken);
  run_all(rt);
  rt.close();
  REQUIRE(outside.done());
  CHECK(outside.cancelled());
  REQUIRE(in_task.done());
  CHECK(in_task.cancelled());
}

TEST_CASE("an event set from another thread wakes every waiter on real "
          "threads, under every policy",
          "[event][threads]") {
  auto policy = GENERATE(actio::scheduler_policy::sharing,
                         actio::scheduler_policy::stealing,
                         actio::scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{10s, "event wake-up"};
  auto o = actio::test::real_time();
  o.policy = policy;
  actio::runtime rt{o};
  for (int round = 0; round < 20; ++round) {
    actio::event e{rt};
    std::atomic<int> woken{0};
    std::vector<actio::future<actio::none>> tasks;
    for (int t = 0; t < 16; ++t)
      tasks.push_back(rt.create_task(wait_then_count, e, &woken));
    e.set();
    rt.run_until_complete(actio::gather(tasks));
    CHECK(woken == 16);
  }
}
