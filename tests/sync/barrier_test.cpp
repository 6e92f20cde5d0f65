// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/barrier.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
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

actio::task<std::size_t> arrive_after(actio::barrier b,
                                      std::chrono::seconds d) {
  co_await actio::sleep(d);
  co_return co_await b.wait();
}

/// Marks each round it reaches, then checks after the barrier that every
/// party reached that round too.
actio::task<void> rounds(actio::barrier b, int n,
                         std::vector<std::atomic<int>>* phase, int id) {
  for (int r = 0; r < n; ++r) {
    (*phase)[static_cast<std::size_t>(id)] = r;
    co_await b.wait();
    for (auto& p : *phase)
      if (p.load() < r)
        throw std::logic_error("a party passed the barrier early");
  }
}

} // namespace

TEST_CASE("a barrier releases its parties together when the last arrives, "
          "each with its arrival index, and can be used again",
          "[barrier]") {
  run_on_virtual_time([](actio::runtime& rt) -> actio::task<void> {
    actio::barrier b{rt, 3};
    CHECK(b.parties() == 3);
    auto origin = rt.time();
    for (int round = 0; round < 2; ++round) {
      auto late = actio::create_task(arrive_after, b, 3s);
      auto early = actio::create_task(arrive_after, b, 1s);
      auto mid = actio::create_task(arrive_after, b, 2s);
      co_await actio::sleep(2500ms);
      CHECK(co_await b.n_waiting() == 2);
      CHECK(co_await early == 0);
      CHECK(co_await mid == 1);
      CHECK(co_await late == 2);
      CHECK(co_await b.n_waiting() == 0);
      CHECK(elapsed(rt, origin) == Approx(3.0 * (round + 1)).margin(0.01));
    }
    CHECK_FALSE(co_await b.broken());
  });
}

TEST_CASE("abort fails waiters and later waits with broken_barrier_error "
          "until reset",
          "[barrier]") {
  actio::runtime rt{virtual_time()};
  actio::barrier b{rt, 3};
  auto a = b.wait();
  run_all(rt);
  b.abort();
  run_all(rt);
  REQUIRE(a.done());
  CHECK_THROWS_AS(a.result(), actio::broken_barrier_error);
  CHECK(rt.run_until_complete(b.broken()));
  CHECK_THROWS_AS(rt.run_until_complete(b.wait()), actio::broken_barrier_error);
  b.reset();
  CHECK_FALSE(rt.run_until_complete(b.broken()));
  auto x = b.wait();
  auto y = b.wait();
  run_all(rt);
  CHECK(rt.run_until_complete(b.n_waiting()) == 2);
  b.reset(); // waiters present get the error, the barrier stays usable
  run_all(rt);
  CHECK_THROWS_AS(x.result(), actio::broken_barrier_error);
  CHECK_THROWS_AS(y.result(), actio::broken_barrier_error);
  CHECK_FALSE(rt.run_until_complete(b.broken()));
  CHECK(rt.run_until_complete(b.n_waiting()) == 0);
  CHECK_THROWS_AS(actio::barrier(rt, 0), std::invalid_argument);
}

TEST_CASE("a cancelled barrier waiter is withdrawn: the barrier waits for "
          "another party and numbers arrivals without it",
          "[barrier]") {
  actio::runtime rt{virtual_time()};
  actio::barrier b{rt, 4};
  auto a = b.wait();
  auto quitter = b.wait();
  auto task_quitter = rt.create_task(arrive_after, b, 0s);
  run_all(rt);
  CHECK(rt.run_until_complete(b.n_waiting()) == 3);
  CHECK(quitter.cancel());
  task_quitter.cancel();
  run_all(rt);
  CHECK(rt.run_until_complete(b.n_waiting()) == 1);
  auto c = b.wait();
  run_all(rt);
  CHECK_FALSE(c.done());
  auto d = b.wait();
  run_all(rt);
  CHECK_FALSE(d.done());
  auto e = b.wait();
  run_all(rt);
  REQUIRE(e.done());
  CHECK(a.result() == 0);
  CHECK(c.result() == 1);
  CHECK(d.result() == 2);
  CHECK(e.result() == 3);
  CHECK(quitter.cancelled());
  CHECK(task_quitter.cancelled());
}

TEST_CASE("when the runtime closes, barrier waiters get cancelled_error",
          "[barrier]") {
  actio::runtime rt{virtual_time()};
  actio::barrier b{rt, 3};
  auto outside = b.wait();
  auto in_task = rt.create_task(arrive_after, b, 0s);
  run_all(rt);
  rt.close();
  REQUIRE(outside.done());
  CHECK(outside.cancelled());
  REQUIRE(in_task.done());
  CHECK(in_task.cancelled());
}

TEST_CASE("parties on real threads pass a barrier round after round in "
          "lockstep, under every policy",
          "[barrier][threads]") {
  auto policy = GENERATE(actio::scheduler_policy::sharing,
                         actio::scheduler_policy::stealing,
                         actio::scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{10s, "barrier rounds"};
  auto o = actio::test::real_time();
  o.policy = policy;
  actio::runtime rt{o};
  constexpr int parties = 6;
  actio::barrier b{rt, parties};
  std::vector<std::atomic<int>> phase(parties);
  std::vector<actio::future<actio::none>> tasks;
  for (int id = 0; id < parties; ++id)
    tasks.push_back(rt.create_task(rounds, b, 200, &phase, id));
  rt.run_until_complete(actio::gather(tasks));
  CHECK(std::all_of(phase.begin(), phase.end(),
                    [](const std::atomic<int>& p) { return p.load() == 199; }));
}
