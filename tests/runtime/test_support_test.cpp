// SPDX-License-Identifier: Apache-2.0
// The fixtures of tests/support that every test executable uses.
#include "actio/actio.hpp"
#include "support/eventually.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using actio::test::eventually;
using actio::test::run_on_virtual_time;

namespace {

actio::task<int> after(std::chrono::seconds d, int value,
                       std::vector<int>* order) {
  co_await actio::sleep(d);
  order->push_back(value);
  co_return value;
}

} // namespace

TEST_CASE("eventually sees a condition another thread makes true",
          "[test_support]") {
  std::atomic<bool> set{false};
  std::thread setter([&] { set = true; });
  CHECK(eventually([&] { return set.load(); }));
  setter.join();
}

TEST_CASE("eventually gives up at its deadline and reports false",
          "[test_support]") {
  int polls = 0;
  CHECK_FALSE(eventually(
      [&] {
        ++polls;
        return false;
      },
      20ms, 5ms));
  CHECK(polls >= 2);
}

TEST_CASE("run_on_virtual_time runs an hour of timers in deadline order and "
          "returns the body's value",
          "[test_support]") {
  std::vector<int> order;
  auto total =
      run_on_virtual_time([&order](actio::runtime& rt) -> actio::task<int> {
        auto start = rt.time();
        auto late = actio::create_task(after, 3600s, 3, &order);
        auto early = actio::create_task(after, 1s, 1, &order);
        auto middle = actio::create_task(after, 60s, 2, &order);
        int sum = co_await late + co_await early + co_await middle;
        CHECK(rt.time() - start == std::chrono::hours{1});
        co_return sum;
      });
  CHECK(total == 6);
  CHECK(order == std::vector<int>{1, 2, 3});
}
