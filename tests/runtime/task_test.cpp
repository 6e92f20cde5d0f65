// SPDX-License-Identifier: Apache-2.0
#include "actio/task.hpp"

#include "actio/actio.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::elapsed;
using actio::test::virtual_time;

namespace {

actio::task<int> compute(int x, int y) {
  co_await actio::sleep(2s);
  co_return x + y;
}

actio::task<int> print_sum(int x, int y) {
  int r = co_await compute(x, y);
  co_return r;
}

actio::task<int> print_sum_in_child(int x, int y) {
  int r = co_await actio::create_task(compute, x, y);
  co_return r;
}

struct custom_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

actio::task<int> fails_after(std::chrono::seconds d) {
  co_await actio::sleep(d);
  throw custom_error("boom after sleep");
}

} // namespace

TEST_CASE("run_until_complete returns the task's value", "[task]") {
  actio::runtime rt{virtual_time()};
  auto start = rt.time();
  CHECK(rt.run_until_complete(rt.create_task(compute, 1, 2)) == 3);
  CHECK(elapsed(rt, start) == Approx(2.0));
}

TEST_CASE("run_until_complete rethrows the task's error with its type and "
          "message, and the runtime keeps running",
          "[task]") {
  actio::runtime rt{virtual_time()};
  auto f = rt.create_task(fails_after, 1s);
  CHECK_THROWS_AS(rt.run_until_complete(f), custom_error);
  CHECK_THROWS_WITH(f.result(), "boom after sleep");
  CHECK(f.done());
  CHECK_FALSE(f.cancelled());
  CHECK(rt.run_until_complete(rt.create_task(compute, 2, 2)) == 4);
}

TEST_CASE("awaiting a task inline runs it on the caller's actor", "[task]") {
  actio::runtime rt{virtual_time()};
  auto start = rt.time();
  CHECK(rt.run_until_complete(rt.create_task(print_sum, 1, 2)) == 3);
  CHECK(elapsed(rt, start) == Approx(2.0));
}

TEST_CASE("a task awaits a child task created inside it", "[task]") {
  actio::runtime rt{virtual_time()};
  CHECK(rt.run_until_complete(rt.create_task(print_sum_in_child, 20, 22)) ==
        42);
}

TEST_CASE("a coroutine object can be passed to create_task directly",
          "[task]") {
  actio::runtime rt{virtual_time()};
  CHECK(rt.run_until_complete(compute(3, 4)) == 7);
}

namespace {

/// A coroutine that takes a callable by value: the copy lives in its frame.
template <class F>
actio::task<int> call_later_in_task(F f) {
  co_await actio::sleep(1s);
  co_return f();
}

} // namespace

TEST_CASE("create_task refuses a capturing lambda's coroutine, whose "
          "captures would die before the task runs",
          "[task]") {
  actio::runtime rt{virtual_time()};
  int base = 40;
  auto add = [base](int x) -> actio::task<int> {
    co_await actio::sleep(1s);
    co_return base + x;
  };
  CHECK_THROWS_WITH(rt.create_task(add(2)),
                    Catch::Contains("pass the lambda itself"));
  CHECK_THROWS_AS(
      actio::create_task([base]() -> actio::task<int> { co_return base; }()),
      std::invalid_argument);
  // the safe forms: the task owns the lambda, or the caller blocks while
  // the lambda lives, or the coroutine is awaited inline
  CHECK(rt.run_until_complete(rt.create_task(add, 2)) == 42);
  CHECK(rt.run_until_complete(add(1)) == 41);
  CHECK(rt.run_until_complete(rt.create_task([&add]() -> actio::task<int> {
    co_return co_await add(3);
  })) == 43);
  // a lambda without captures has nothing to lose
  CHECK(rt.run_until_complete(
            rt.create_task([]() -> actio::task<int> { co_return 7; }())) == 7);
  // a coroutine that takes a lambda by value holds its own copy
  CHECK(rt.run_until_complete(rt.create_task(
            call_later_in_task([base] { return base + 4; }))) == 44);
}

TEST_CASE("ten concurrent 2 s sleeps take 2 s, not 20 s", "[task]") {
  actio::runtime rt{virtual_time()};
  auto start = rt.time();
  std::vector<actio::future<int>> fs;
  for (int i = 0; i < 10; ++i)
    fs.push_back(rt.create_task(compute, i, 0));
  auto all = rt.run_until_complete(actio::gather(fs));
  CHECK(all.size() == 10);
  CHECK(elapsed(rt, start) == Approx(2.0));
}

TEST_CASE("result() of a pending future throws invalid_state_error", "[task]") {
  actio::runtime rt{virtual_time()};
  auto f = rt.create_task(compute, 1, 1);
  CHECK_FALSE(f.done());
  CHECK_THROWS_AS(f.result(), actio::invalid_state_error);
  CHECK_THROWS_AS(f.exception(), actio::invalid_state_error);
  rt.run_until_complete(f);
  CHECK(f.exception() == nullptr);
}

TEST_CASE("done callbacks run exactly once in registration order, also when "
          "added after completion, with bound arguments",
          "[task]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto f = rt.create_task(compute, 1, 2);
  f.add_done_callback(
      [&](const actio::future<int>& h, std::string who) {
        log.push_back("first " + std::to_string(h.result()) + " " + who);
      },
      std::string{"wanglin"});
  f.add_done_callback(
      [&](const actio::future<int>&) { log.push_back("second"); });
  rt.run_until_complete(f);
  f.add_done_callback(
      [&](const actio::future<int>&) { log.push_back("late"); });
  CHECK(log == std::vector<std::string>{"first 3 wanglin", "second", "late"});
}

TEST_CASE("a void task completes with none", "[task]") {
  actio::runtime rt{virtual_time()};
  int touched = 0;
  auto f = rt.create_task([&]() -> actio::task<> {
    co_await actio::sleep(1ms);
    ++touched;
  });
  rt.run_until_complete(f);
  CHECK(touched == 1);
}

TEST_CASE("an error nobody retrieves does not disturb other tasks", "[task]") {
  actio::runtime rt{virtual_time()};
  (void)rt.create_task(fails_after, 1s);
  CHECK(rt.run_until_complete(rt.create_task(compute, 1, 1)) == 2);
}

TEST_CASE("co_await on an actio awaitable outside a task throws a clear "
          "error",
          "[task]") {
  actio::runtime rt{virtual_time()};
  auto coro = []() -> actio::task<int> {
    co_await actio::sleep(1s);
    co_return 1;
  }();
  auto h = coro.handle();
  h.resume();
  REQUIRE(h.done());
  CHECK_THROWS_AS(h.promise().take(), actio::runtime_error);
}

TEST_CASE("an error nobody retrieves is reported once when its last handle "
          "goes away, and a retrieved one is not",
          "[task]") {
  std::vector<std::string> reports;
  actio::set_unretrieved_error_handler([&](std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      reports.push_back(ex.what());
    }
  });
  {
    actio::runtime rt{virtual_time()};
    auto ignored = rt.create_task(fails_after, 1s);
    auto seen = rt.create_task(fails_after, 2s);
    rt.run_until_complete(rt.create_task(compute, 1, 1));
    CHECK_THROWS(rt.run_until_complete(seen));
    CHECK(reports.empty());
  }
  actio::set_unretrieved_error_handler(nullptr);
  CHECK(reports == std::vector<std::string>{"boom after sleep"});
}
