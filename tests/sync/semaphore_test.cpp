// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/semaphore.hpp"

#include "actio/actio.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
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
};

actio::task<void> limited_job(actio::semaphore sem, gauge* g) {
  auto permit = co_await sem.acquire();
  g->peak = std::max(g->peak, ++g->now);
  co_await actio::sleep(1s);
  --g->now;
}

actio::task<void> hold_for(actio::semaphore sem, std::chrono::seconds d,
                           bool fail) {
  auto permit = co_await sem.acquire();
  co_await actio::sleep(d);
  if (fail)
    throw std::runtime_error("holder failed");
}

actio::task<double> acquire_at(actio::semaphore sem, actio::time_point start) {
  auto permit = co_await sem.acquire();
  co_return std::chrono::duration<double>(actio::runtime::current()->time() -
                                          start)
      .count();
}

/// Holds a permit and survives one cancellation, so that only killing its
/// actor ends it.
actio::task<void> stubborn_holder(actio::semaphore sem,
                                  actio::future<actio::none> never1,
                                  actio::future<actio::none> never2) {
  auto permit = co_await sem.acquire();
  try {
    co_await never1;
  } catch (const actio::cancelled_error&) {
  }
  co_await never2;
}

} // namespace

TEST_CASE("a semaphore of 2 lets 2 of 6 one-second jobs run at a time",
          "[semaphore]") {
  run_on_virtual_time([](actio::runtime& rt) -> actio::task<void> {
    actio::semaphore sem{rt, 2};
    gauge g;
    auto start = rt.time();
    std::vector<actio::future<actio::none>> jobs;
    for (int i = 0; i < 6; ++i)
      jobs.push_back(actio::create_task(limited_job, sem, &g));
    co_await actio::gather(jobs);
    CHECK(g.peak == 2);
    CHECK(elapsed(rt, start) == Approx(3.0).margin(0.01));
    auto left = co_await sem.value();
    CHECK(left == 2);
  });
}

TEST_CASE("waiting acquirers get permits first come, first served, and a "
          "cancelled acquire is skipped",
          "[semaphore]") {
  actio::runtime rt{virtual_time()};
  actio::semaphore sem{rt, 1};
  auto first = rt.run_until_complete(sem.acquire());
  auto a = sem.acquire();
  auto b = sem.acquire();
  auto c = sem.acquire();
  run_all(rt);
  CHECK(rt.run_until_complete(sem.locked()));
  CHECK_FALSE(a.done());
  CHECK(b.cancel());
  first.release();
  run_all(rt);
  REQUIRE(a.done());
  CHECK_FALSE(c.done());
  {
    auto pa = rt.run_until_complete(std::move(a));
    CHECK(static_cast<bool>(pa));
  }
  auto pc = rt.run_until_complete(std::move(c));
  CHECK(static_cast<bool>(pc));
  CHECK(b.cancelled());
}

TEST_CASE("a holder that is cancelled releases its permit", "[semaphore]") {
  actio::runtime rt{virtual_time()};
  actio::semaphore sem{rt, 1};
  auto start = rt.time();
  auto holder = rt.create_task(hold_for, sem, 100s, false);
  run_all(rt);
  auto waiter = rt.create_task(acquire_at, sem, start);
  rt.call_later(2s, [holder] { holder.cancel(); });
  CHECK(rt.run_until_complete(waiter) == Approx(2.0).margin(0.01));
  CHECK(holder.cancelled());
}

TEST_CASE("a holder that fails releases its permit", "[semaphore]") {
  actio::runtime rt{virtual_time()};
  actio::semaphore sem{rt, 1};
  auto start = rt.time();
  auto holder = rt.create_task(hold_for, sem, 3s, true);
  run_all(rt);
  auto waiter = rt.create_task(acquire_at, sem, start);
  CHECK(rt.run_until_complete(waiter) == Approx(3.0).margin(0.01));
  CHECK_THROWS_WITH(rt.run_until_complete(holder), "holder failed");
}

TEST_CASE("a holder whose actor is killed (it ignored cancellation) "
          "releases its permit when its frame is destroyed",
          "[semaphore]") {
  actio::runtime sem_rt{virtual_time()};
  actio::semaphore sem{sem_rt, 1};
  actio::promise<actio::none> never1;
  actio::promise<actio::none> never2;
  {
    auto opts = virtual_time();
    opts.shutdown_timeout = 10ms;
    actio::runtime task_rt{opts};
    auto holder = task_rt.create_task(stubborn_holder, sem, never1.get_future(),
                                      never2.get_future());
    task_rt.run_until_complete(settle());
    CHECK(sem_rt.run_until_complete(sem.value()) == 0);
    task_rt.run_until_complete(settle());
    task_rt.close();
    CHECK(holder.done());
  }
  CHECK(sem_rt.run_until_complete(sem.value()) == 1);
}

TEST_CASE("a detached permit is given back by release() and a bounded "
          "semaphore refuses an extra release",
          "[semaphore]") {
  actio::runtime rt{virtual_time()};
  actio::bounded_semaphore sem{rt, 1};
  auto p = rt.run_until_complete(sem.acquire());
  p.detach();
  CHECK(rt.run_until_complete(sem.value()) == 0);
  rt.run_until_complete(sem.release());
  CHECK(rt.run_until_complete(sem.value()) == 1);
  CHECK_THROWS_AS(rt.run_until_complete(sem.release()),
                  actio::invalid_state_error);
  actio::semaphore plain{rt, 1};
  rt.run_until_complete(plain.release());
  CHECK(rt.run_until_complete(plain.value()) == 2);
}

TEST_CASE("a permit moved between owners is given back exactly once",
          "[semaphore]") {
  actio::runtime rt{virtual_time()};
  actio::semaphore sem{rt, 1};
  {
    auto p = rt.run_until_complete(sem.acquire());
    actio::semaphore::permit q = std::move(p);
    actio::semaphore::permit r;
    r = std::move(q);
    CHECK_FALSE(static_cast<bool>(p));
    CHECK(static_cast<bool>(r));
  }
  run_all(rt);
  CHECK(rt.run_until_complete(sem.value()) == 1);
}
