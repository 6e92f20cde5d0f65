// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/counter.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

actio::task<void> bump(actio::counter c, int n, bool up) {
  for (int i = 0; i < n; ++i) {
    if (up)
      c.inc();
    else
      c.dec();
    if (i % 1000 == 0)
      co_await actio::sleep(0s);
  }
}

} // namespace

TEST_CASE("1M increments and 1M decrements from two threads at once end at "
          "0 (2M messages)",
          "[counter][threads]") {
  actio::test::time_limit limit{60s, "counter 2M"};
  actio::runtime rt{actio::test::real_time()};
  actio::counter c{rt};
  constexpr int n = 1000000;
  std::thread up([&] {
    for (int i = 0; i < n; ++i)
      c.inc();
  });
  std::thread down([&] {
    for (int i = 0; i < n; ++i)
      c.dec();
  });
  up.join();
  down.join();
  CHECK(rt.run_until_complete(c.get()) == 0);
}

TEST_CASE("increments and decrements from concurrent tasks end at 0",
          "[counter]") {
  actio::runtime rt{actio::test::virtual_time()};
  actio::counter c{rt, 5};
  auto a = rt.create_task(bump, c, 20000, true);
  auto b = rt.create_task(bump, c, 20000, false);
  auto both = actio::gather(a, b);
  rt.run_until_complete(both);
  CHECK(rt.run_until_complete(c.get()) == 5);
  c.add(-5);
  c.add(37);
  CHECK(rt.run_until_complete(c.get()) == 37);
}

namespace {

actio::task<void> bump_bounded(actio::counter c, int n, bool up) {
  for (int i = 0; i < n; ++i) {
    if (up)
      co_await c.send_inc();
    else
      co_await c.send_dec();
  }
}

} // namespace

TEST_CASE("bounded updates from tasks that outrun the counter all arrive "
          "and end at 0, under every policy",
          "[counter][backpressure][threads]") {
  auto policy = GENERATE(actio::scheduler_policy::sharing,
                         actio::scheduler_policy::stealing,
                         actio::scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{60s, "bounded counter"};
  for (int run = 0; run < 3; ++run) {
    auto o = actio::test::real_time();
    o.policy = policy;
    o.mailbox_limit = 16; // far below the 4 x 50k updates in flight
    actio::runtime rt{o};
    actio::counter c{rt, 3};
    std::vector<actio::future<actio::none>> tasks;
    for (int t = 0; t < 4; ++t)
      tasks.push_back(rt.create_task(bump_bounded, c, 50000, t % 2 == 0));
    for (auto& t : tasks)
      rt.run_until_complete(t);
    CHECK(rt.run_until_complete(c.get()) == 3);
  }
}

TEST_CASE("a bounded update on virtual time waits for the counter, then "
          "lands",
          "[counter][backpressure]") {
  auto o = actio::test::virtual_time();
  o.mailbox_limit = 2;
  actio::runtime rt{o};
  actio::counter c{rt};
  rt.run_until_complete(rt.create_task(bump_bounded, c, 1000, true));
  CHECK(rt.run_until_complete(c.get()) == 1000);
}
