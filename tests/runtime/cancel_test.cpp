// SPDX-License-Identifier: Apache-2.0
#include "actio/actio.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

namespace {

actio::task<int> sleeper(std::chrono::seconds d,
                         std::vector<std::string>* log) {
  try {
    co_await actio::sleep(d);
  } catch (const actio::cancelled_error&) {
    log->push_back("cleanup");
    throw;
  }
  log->push_back("finished");
  co_return 1;
}

actio::task<int> swallow_cancel(std::vector<std::string>* log) {
  try {
    co_await actio::sleep(std::chrono::hours{1});
  } catch (const actio::cancelled_error&) {
    log->push_back("caught");
  }
  co_await actio::sleep(1s);
  log->push_back("after cleanup sleep");
  co_return 7;
}

} // namespace

TEST_CASE("cancel makes the current co_await throw cancelled_error and the "
          "task end cancelled",
          "[cancel]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto f = rt.create_task(sleeper, 10s, &log);
  rt.run_until_complete(
      rt.create_task([]() -> actio::task<> { co_await actio::sleep(1s); }));
  CHECK(f.cancel());
  CHECK_THROWS_AS(rt.run_until_complete(f), actio::cancelled_error);
  CHECK(f.cancelled());
  CHECK(log == std::vector<std::string>{"cleanup"});
  CHECK_FALSE(f.cancel());
}

TEST_CASE("a task may catch the cancellation, clean up and return a value",
          "[cancel]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto f = rt.create_task(swallow_cancel, &log);
  rt.call_later(5s, [f] { f.cancel(); });
  auto start = rt.time();
  CHECK(rt.run_until_complete(f) == 7);
  CHECK(rt.time() - start == 6s);
  CHECK(log == std::vector<std::string>{"caught", "after cleanup sleep"});
}

TEST_CASE("a task cancelled before it starts never runs", "[cancel]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  bool ran = false;
  auto f = rt.create_task([&]() -> actio::task<int> {
    ran = true;
    co_return 1;
  });
  CHECK(f.cancel());
  CHECK_THROWS_AS(rt.run_until_complete(f), actio::cancelled_error);
  CHECK_FALSE(ran);
}

TEST_CASE("a cancelled task's timer is dropped and never holds the clock",
          "[cancel][timer]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto start = rt.time();
  auto f = rt.create_task(sleeper, std::chrono::seconds{3600}, &log);
  rt.call_soon([f] { f.cancel(); });
  CHECK_THROWS_AS(rt.run_until_complete(f), actio::cancelled_error);
  // nothing is left to run: the 1-hour timer did not advance the clock
  CHECK(rt.time() - start < 1s);
}

TEST_CASE("cancelling a task cancels the task it awaits, as asyncio does",
          "[cancel]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto inner = rt.create_task(sleeper, 10s, &log);
  auto outer = rt.create_task(
      [inner]() -> actio::task<int> { co_return co_await inner; });
  rt.call_later(1s, [outer] { outer.cancel(); });
  CHECK_THROWS_AS(rt.run_until_complete(outer), actio::cancelled_error);
  CHECK_THROWS_AS(rt.run_until_complete(inner), actio::cancelled_error);
  CHECK(inner.cancelled());
}

TEST_CASE("a task cancelled while it awaits another task raises "
          "cancelled_error only once that task has finished its cleanup",
          "[cancel]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto outer = rt.create_task([&log]() -> actio::task<int> {
    auto inner = actio::create_task(swallow_cancel, &log);
    try {
      co_return co_await inner;
    } catch (const actio::cancelled_error&) {
      log.push_back(inner.done() ? "outer cancelled after inner"
                                 : "outer cancelled before inner ended");
      throw;
    }
  });
  rt.call_later(5s, [outer] { outer.cancel(); });
  auto start = rt.time();
  CHECK_THROWS_AS(rt.run_until_complete(outer), actio::cancelled_error);
  CHECK(rt.time() - start == 6s);
  CHECK(log == std::vector<std::string>{"caught", "after cleanup sleep",
                                        "outer cancelled after inner"});
}

TEST_CASE("a task cancelled while it awaits a promise's future raises "
          "cancelled_error at once and cancels that future",
          "[cancel]") {
  actio::runtime rt{virtual_time()};
  actio::promise<int> p;
  auto f = p.get_future();
  auto waiter =
      rt.create_task([f]() -> actio::task<int> { co_return co_await f; });
  rt.call_later(1s, [waiter] { waiter.cancel(); });
  auto start = rt.time();
  CHECK_THROWS_AS(rt.run_until_complete(waiter), actio::cancelled_error);
  CHECK(rt.time() - start == 1s);
  CHECK(f.cancelled());
  CHECK_FALSE(p.set_value(1));
}

TEST_CASE("awaiters of a cancelled task see cancelled_error", "[cancel]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto inner = rt.create_task(sleeper, 10s, &log);
  auto observer = rt.create_task([inner]() -> actio::task<std::string> {
    try {
      co_await inner;
    } catch (const actio::cancelled_error&) {
      co_return "saw cancel";
    }
    co_return "no cancel";
  });
  rt.call_later(1s, [inner] { inner.cancel(); });
  CHECK(rt.run_until_complete(observer) == "saw cancel");
}

TEST_CASE("all_tasks lists unfinished tasks only", "[cancel]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto a = rt.create_task(sleeper, 1s, &log);
  auto b = rt.create_task(sleeper, 5s, &log);
  CHECK(rt.all_tasks().size() == 2);
  rt.run_until_complete(a);
  auto left = rt.all_tasks();
  REQUIRE(left.size() == 1);
  CHECK(left[0].cancel());
  CHECK_THROWS_AS(rt.run_until_complete(b), actio::cancelled_error);
  CHECK(rt.all_tasks().empty());
}
