// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/lock.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;
using actio::test::elapsed;
using actio::test::run_all;
using actio::test::run_on_virtual_time;
using actio::test::settle;
using actio::test::virtual_time;

namespace {

struct gauge {
  int now = 0;
  int peak = 0;
  std::vector<int> order;
};

actio::task<void> take_turn(actio::lock l, int id, gauge* g) {
  co_await l.acquire();
  g->order.push_back(id);
  g->peak = std::max(g->peak, ++g->now);
  co_await actio::sleep(1s);
  --g->now;
  co_await l.release();
}

actio::task<void> take_turn_scoped(actio::lock l, int id, gauge* g) {
  auto guard = co_await l.scoped();
  g->order.push_back(id);
  g->peak = std::max(g->peak, ++g->now);
  co_await actio::sleep(1s);
  --g->now;
}

/// Takes the lock with `acquire()` (or a guard) and never releases it by
/// hand: only its end gives it back.
actio::task<void> hold_for(actio::lock l, std::chrono::seconds d, bool fail,
                           bool scoped) {
  actio::lock::guard g;
  if (scoped)
    g = co_await l.scoped();
  else
    co_await l.acquire();
  co_await actio::sleep(d);
  if (fail)
    throw std::runtime_error("holder failed");
}

actio::task<double> acquire_at(actio::lock l, actio::time_point start) {
  auto g = co_await l.scoped();
  co_return std::chrono::duration<double>(actio::runtime::current()->time() -
                                          start)
      .count();
}

actio::task<void> stubborn_holder(actio::lock l,
                                  actio::future<actio::none> never1,
                                  actio::future<actio::none> never2) {
  co_await l.acquire();
  try {
    co_await never1;
  } catch (const actio::cancelled_error&) {
  }
  co_await never2;
}

actio::task<void> take(actio::lock l) {
  co_await l.acquire();
}

actio::task<void> bump(actio::lock l, int* counter, int times) {
  for (int i = 0; i < times; ++i) {
    if (i % 2 == 0) {
      auto g = co_await l.scoped();
      int v = *counter;
      co_await actio::sleep(0ms); // gives the thread away inside the section
      *counter = v + 1;
    } else {
      co_await l.acquire();
      int v = *counter;
      co_await actio::sleep(0ms);
      *counter = v + 1;
      l.release();
    }
  }
}

} // namespace

TEST_CASE("a lock lets one task at a time in, first come, first served",
          "[lock]") {
  run_on_virtual_time([](actio::runtime& rt) -> actio::task<void> {
    actio::lock l{rt};
    gauge g;
    auto start = rt.time();
    std::vector<actio::future<actio::none>> jobs;
    for (int i = 0; i < 6; ++i) {
      if (i % 2 == 0)
        jobs.push_back(actio::create_task(take_turn, l, i, &g));
      else
        jobs.push_back(actio::create_task(take_turn_scoped, l, i, &g));
      co_await settle(); // queue them in this order
    }
    co_await actio::gather(jobs);
    CHECK(g.peak == 1);
    CHECK(g.order == std::vector<int>{0, 1, 2, 3, 4, 5});
    CHECK(elapsed(rt, start) == Approx(6.0).margin(0.05));
    CHECK_FALSE(co_await l.locked());
  });
}

TEST_CASE("a cancelled waiting acquire is skipped and never takes the lock",
          "[lock]") {
  actio::runtime rt{virtual_time()};
  actio::lock l{rt};
  rt.run_until_complete(l.acquire());
  auto a = l.acquire();
  auto b = l.scoped();
  auto c = l.acquire();
  run_all(rt);
  CHECK(rt.run_until_complete(l.locked()));
  CHECK(b.cancel());
  rt.run_until_complete(l.release());
  run_all(rt);
  REQUIRE(a.done());
  CHECK_FALSE(c.done());
  rt.run_until_complete(l.release());
  run_all(rt);
  CHECK(c.done());
  CHECK(b.cancelled());
  rt.run_until_complete(l.release());
  CHECK_FALSE(rt.run_until_complete(l.locked()));
}

TEST_CASE("a lock granted to a future nobody reads, or to a task cancelled "
          "as it arrives, passes on to the next acquirer",
          "[lock]") {
  actio::runtime rt{virtual_time()};
  actio::lock l{rt};
  {
    auto unread = l.acquire();
    run_all(rt);
    REQUIRE(unread.done());
    CHECK(rt.run_until_complete(l.locked()));
  }
  run_all(rt);
  CHECK_FALSE(rt.run_until_complete(l.locked()));
  {
    auto unread = l.scoped();
    run_all(rt);
    REQUIRE(unread.done());
  }
  run_all(rt);
  CHECK_FALSE(rt.run_until_complete(l.locked()));

  rt.run_until_complete(l.acquire());
  auto victim = rt.create_task(take, l);
  run_all(rt);
  auto next = l.acquire();
  run_all(rt);
  // Granted and cancelled in one step: whichever the victim's actor sees
  // first, the lock must end with `next`.
  l.release();
  victim.cancel();
  run_all(rt);
  CHECK(victim.cancelled());
  REQUIRE(next.done());
  rt.run_until_complete(l.release());
  CHECK_FALSE(rt.run_until_complete(l.locked()));
}

TEST_CASE("a task holding the lock that is cancelled or fails gives it "
          "back, with acquire() or with a guard",
          "[lock]") {
  auto scoped = GENERATE(false, true);
  auto fail = GENERATE(false, true);
  CAPTURE(scoped, fail);
  actio::runtime rt{virtual_time()};
  actio::lock l{rt};
  auto start = rt.time();
  auto holder = rt.create_task(hold_for, l, fail ? 3s : 100s, fail, scoped);
  run_all(rt);
  auto waiter = rt.create_task(acquire_at, l, start);
  if (!fail)
    rt.call_later(2s, [holder] { holder.cancel(); });
  CHECK(rt.run_until_complete(waiter) == Approx(fail ? 3.0 : 2.0).margin(0.01));
  if (fail)
    CHECK_THROWS_WITH(rt.run_until_complete(holder), "holder failed");
  else
    CHECK(holder.cancelled());
  CHECK_FALSE(rt.run_until_complete(l.locked()));
}

TEST_CASE("a task that returns without releasing a lock taken with "
          "acquire() gives it back",
          "[lock]") {
  actio::runtime rt{virtual_time()};
  actio::lock l{rt};
  rt.run_until_complete(rt.create_task(take, l));
  run_all(rt);
  CHECK_FALSE(rt.run_until_complete(l.locked()));
  rt.run_until_complete(l.acquire()); // outside a task: held until release
  run_all(rt);
  CHECK(rt.run_until_complete(l.locked()));
}

TEST_CASE("a holder whose actor is killed (it ignored cancellation) gives "
          "the lock back",
          "[lock]") {
  actio::runtime lock_rt{virtual_time()};
  actio::lock l{lock_rt};
  actio::promise<actio::none> never1;
  actio::promise<actio::none> never2;
  {
    auto opts = virtual_time();
    opts.shutdown_timeout = 10ms;
    actio::runtime task_rt{opts};
    auto holder = task_rt.create_task(stubborn_holder, l, never1.get_future(),
                                      never2.get_future());
    task_rt.run_until_complete(settle());
    CHECK(lock_rt.run_until_complete(l.locked()));
    task_rt.run_until_complete(settle()); // the holder takes it, then waits
    task_rt.close();
    CHECK(holder.done());
  }
  lock_rt.run_until_complete(settle());
  CHECK_FALSE(lock_rt.run_until_complete(l.locked()));
}

TEST_CASE("releasing a lock that is not held fails with runtime_error, and a "
          "stale guard never releases a later acquisition",
          "[lock]") {
  actio::runtime rt{virtual_time()};
  actio::lock l{rt};
  CHECK_THROWS_AS(rt.run_until_complete(l.release()), actio::runtime_error);
  auto g = rt.run_until_complete(l.scoped());
  CHECK(static_cast<bool>(g));
  rt.run_until_complete(l.release()); // whoever holds it, as in asyncio
  CHECK_FALSE(rt.run_until_complete(l.locked()));
  rt.run_until_complete(l.acquire());
  g.release(); // the guard's acquisition is over: nothing happens
  CHECK_FALSE(static_cast<bool>(g));
  run_all(rt);
  CHECK(rt.run_until_complete(l.locked()));
  rt.run_until_complete(l.release());
  CHECK_THROWS_AS(rt.run_until_complete(l.release()), actio::runtime_error);
}

TEST_CASE("when the runtime closes, acquirers still waiting get "
          "cancelled_error",
          "[lock]") {
  actio::runtime rt{virtual_time()};
  actio::lock l{rt};
  rt.run_until_complete(l.acquire());
  auto outside = l.acquire();
  auto guarded = l.scoped();
  auto in_task = rt.create_task(take, l);
  run_all(rt);
  rt.close();
  REQUIRE(outside.done());
  CHECK(outside.cancelled());
  REQUIRE(guarded.done());
  CHECK_THROWS_AS(guarded.result(), actio::cancelled_error);
  REQUIRE(in_task.done());
  CHECK(in_task.cancelled());
}

TEST_CASE("tasks incrementing a plain int under a lock on real threads end "
          "exact, under every policy",
          "[lock][threads]") {
  auto policy = GENERATE(actio::scheduler_policy::sharing,
                         actio::scheduler_policy::stealing,
                         actio::scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{10s, "lock stress"};
  auto o = actio::test::real_time();
  o.policy = policy;
  actio::runtime rt{o};
  actio::lock l{rt};
  int counter = 0;
  std::vector<actio::future<actio::none>> tasks;
  for (int t = 0; t < 8; ++t)
    tasks.push_back(rt.create_task(bump, l, &counter, 300));
  rt.run_until_complete(actio::gather(tasks));
  CHECK(counter == 8 * 300);
  CHECK_FALSE(rt.run_until_complete(l.locked()));
}
