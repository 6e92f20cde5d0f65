// SPDX-License-Identifier: Apache-2.0
#include "actio/gather.hpp"

#include "actio/actio.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

namespace {

actio::task<int> value_after(int value, std::chrono::milliseconds d) {
  co_await actio::sleep(d);
  co_return value;
}

actio::task<int> fail_after(std::chrono::milliseconds d) {
  co_await actio::sleep(d);
  throw std::runtime_error("child failed");
}

/// Counts copies and moves of itself.
struct counted {
  static inline int copies = 0;
  static inline int moves = 0;
  int value = 0;
  counted() = default;
  explicit counted(int v) : value(v) {}
  counted(const counted& o) : value(o.value) { ++copies; }
  counted(counted&& o) noexcept : value(o.value) { ++moves; }
  counted& operator=(const counted& o) {
    value = o.value;
    ++copies;
    return *this;
  }
  counted& operator=(counted&& o) noexcept {
    value = o.value;
    ++moves;
    return *this;
  }
};

actio::task<counted> make_counted(int v) {
  co_await actio::sleep(1ms);
  co_return counted{v};
}

} // namespace

TEST_CASE("gather returns results in argument order, not completion order",
          "[gather]") {
  actio::runtime rt{virtual_time()};
  std::vector<actio::future<int>> fs;
  for (int i = 0; i < 5; ++i)
    fs.push_back(
        rt.create_task(value_after, i, std::chrono::milliseconds(50 - i * 10)));
  CHECK(rt.run_until_complete(actio::gather(fs)) ==
        std::vector<int>{0, 1, 2, 3, 4});
  auto [a, b] = rt.run_until_complete(actio::gather(
      value_after(1, 20ms), rt.create_task(value_after, 2, 10ms)));
  CHECK(a == 1);
  CHECK(b == 2);
}

TEST_CASE("gather fails fast with the first error while the others keep "
          "running",
          "[gather]") {
  actio::runtime rt{virtual_time()};
  auto slow = rt.create_task(value_after, 1, 100ms);
  auto g = actio::gather(
      std::vector<actio::future<int>>{rt.create_task(fail_after, 10ms), slow});
  CHECK_THROWS_WITH(rt.run_until_complete(g), "child failed");
  CHECK_FALSE(slow.done());
  CHECK(rt.run_until_complete(slow) == 1);
}

TEST_CASE("gather with return_exceptions yields every value or error",
          "[gather]") {
  actio::runtime rt{virtual_time()};
  auto g = actio::gather(
      actio::return_exceptions,
      std::vector<actio::future<int>>{rt.create_task(value_after, 1, 30ms),
                                      rt.create_task(fail_after, 10ms),
                                      rt.create_task(value_after, 3, 20ms)});
  auto out = rt.run_until_complete(g);
  REQUIRE(out.size() == 3);
  CHECK(out[0].value() == 1);
  CHECK_FALSE(out[1].has_value());
  CHECK_THROWS_WITH(out[1].value(), "child failed");
  CHECK(out[2].value() == 3);
}

TEST_CASE("a gather of gathers groups results", "[gather]") {
  actio::runtime rt{virtual_time()};
  auto g1 = actio::gather(
      std::vector<actio::future<int>>{rt.create_task(value_after, 1, 10ms),
                                      rt.create_task(value_after, 2, 5ms)});
  auto g2 = actio::gather(
      std::vector<actio::future<int>>{rt.create_task(value_after, 3, 1ms)});
  auto [r1, r2] = rt.run_until_complete(actio::gather(g1, g2));
  CHECK(r1 == std::vector<int>{1, 2});
  CHECK(r2 == std::vector<int>{3});
}

TEST_CASE("gather takes a vector of coroutine objects and runs them as "
          "concurrent tasks",
          "[gather]") {
  actio::runtime rt{virtual_time()};
  auto start = rt.time();
  auto f = rt.create_task([]() -> actio::task<std::vector<int>> {
    std::vector<actio::task<int>> coros;
    for (int i = 0; i < 5; ++i)
      coros.push_back(value_after(i, std::chrono::milliseconds(100 * (5 - i))));
    co_return co_await actio::gather(std::move(coros));
  });
  CHECK(rt.run_until_complete(f) == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(actio::test::elapsed(rt, start) == Approx(0.5));

  auto g = rt.create_task([]() -> actio::task<std::size_t> {
    std::vector<actio::task<int>> coros;
    coros.push_back(value_after(1, 1ms));
    coros.push_back(fail_after(2ms));
    auto all =
        co_await actio::gather(actio::return_exceptions, std::move(coros));
    co_return static_cast<std::size_t>(all[0].has_value()) +
        static_cast<std::size_t>(!all[1].has_value());
  });
  CHECK(rt.run_until_complete(g) == 2);
}

TEST_CASE("gather of an empty vector completes at once", "[gather]") {
  actio::runtime rt{virtual_time()};
  CHECK(rt.run_until_complete(actio::gather(std::vector<actio::future<int>>{}))
            .empty());
}

TEST_CASE("cancelling a gather cancels every child", "[gather][cancel]") {
  actio::runtime rt{virtual_time()};
  auto a = rt.create_task(value_after, 1, 1000ms);
  auto b = rt.create_task(value_after, 2, 2000ms);
  auto g = actio::gather(std::vector<actio::future<int>>{a, b});
  rt.call_later(10ms, [g] { g.cancel(); });
  CHECK_THROWS_AS(rt.run_until_complete(g), actio::cancelled_error);
  CHECK_THROWS_AS(rt.run_until_complete(a), actio::cancelled_error);
  rt.run_until_complete(actio::wait(std::vector{b}));
  CHECK(b.cancelled());
}

TEST_CASE("gather moves values it alone holds instead of copying them",
          "[gather]") {
  actio::runtime rt{virtual_time()};
  std::vector<actio::future<counted>> fs;
  for (int i = 0; i < 10; ++i)
    fs.push_back(rt.create_task(make_counted, i));
  auto g = actio::gather(std::move(fs));
  counted::copies = 0;
  auto out = rt.run_until_complete(std::move(g));
  CHECK(out.size() == 10);
  CHECK(out[9].value == 9);
  CHECK(counted::copies == 0);
}

TEST_CASE("wait splits done and pending and never cancels pending", "[wait]") {
  actio::runtime rt{virtual_time()};
  std::vector<actio::future<int>> fs{rt.create_task(value_after, 1, 10ms),
                                     rt.create_task(value_after, 2, 500ms)};
  SECTION("first_completed") {
    auto r = rt.run_until_complete(
        actio::wait(fs, actio::return_when::first_completed));
    CHECK(r.done.size() == 1);
    CHECK(r.pending.size() == 1);
    CHECK(r.done[0].result() == 1);
  }
  SECTION("timeout") {
    auto start = rt.time();
    auto r = rt.run_until_complete(
        actio::wait(fs, actio::return_when::all_completed, 100ms));
    CHECK(rt.time() - start == 100ms);
    CHECK(r.done.size() == 1);
    REQUIRE(r.pending.size() == 1);
    CHECK_FALSE(r.pending[0].cancelled());
    CHECK(rt.run_until_complete(r.pending[0]) == 2);
  }
  SECTION("all_completed") {
    auto r = rt.run_until_complete(actio::wait(fs));
    CHECK(r.done.size() == 2);
    CHECK(r.pending.empty());
  }
}

TEST_CASE("wait with first_exception returns at the first failure", "[wait]") {
  actio::runtime rt{virtual_time()};
  std::vector<actio::future<int>> fs{rt.create_task(fail_after, 10ms),
                                     rt.create_task(value_after, 2, 500ms)};
  auto start = rt.time();
  auto r = rt.run_until_complete(
      actio::wait(fs, actio::return_when::first_exception));
  CHECK(rt.time() - start == 10ms);
  REQUIRE(r.done.size() == 1);
  CHECK(r.done[0].exception() != nullptr);
}

TEST_CASE("as_completed yields results in completion order", "[as_completed]") {
  actio::runtime rt{virtual_time()};
  std::vector<actio::future<int>> fs;
  for (int i = 0; i < 5; ++i)
    fs.push_back(
        rt.create_task(value_after, i, std::chrono::milliseconds(50 - i * 10)));
  auto collector = rt.create_task([fs]() -> actio::task<std::vector<int>> {
    std::vector<int> seen;
    for (auto& f : actio::as_completed(fs))
      seen.push_back(co_await f);
    co_return seen;
  });
  CHECK(rt.run_until_complete(collector) == std::vector<int>{4, 3, 2, 1, 0});
}

TEST_CASE("as_completed_iter yields the inputs themselves in completion "
          "order, and a failed one does not end the loop",
          "[as_completed][generator]") {
  actio::runtime rt{virtual_time()};
  std::vector<actio::future<int>> fs;
  fs.push_back(rt.create_task(value_after, 0, 30ms));
  fs.push_back(rt.create_task(fail_after, 10ms));
  fs.push_back(rt.create_task(value_after, 2, 20ms));
  auto inputs = fs;
  auto seen = rt.run_until_complete(
      rt.create_task([inputs]() mutable -> actio::task<std::vector<int>> {
        std::vector<int> out;
        auto done = actio::as_completed_iter(std::move(inputs));
        while (auto f = co_await done.next()) {
          CHECK(f->done());
          out.push_back(f->exception() ? -1 : f->result());
        }
        co_return out;
      }));
  CHECK(seen == std::vector<int>{-1, 2, 0});
}

TEST_CASE("a consumer of as_completed_iter cancelled while it waits leaves "
          "the inputs running, and one that stops early cancels nothing",
          "[as_completed][generator][cancel]") {
  actio::runtime rt{virtual_time()};
  auto slow = rt.create_task(value_after, 1, 10s);
  auto fast = rt.create_task(value_after, 2, 10ms);
  auto consumer = rt.create_task([slow, fast]() -> actio::task<int> {
    auto done = actio::as_completed_iter(std::vector{slow, fast});
    auto first = co_await done.next();
    co_await done.next(); // waits for `slow`: cancelled here
    co_return first->result();
  });
  rt.call_later(1s, [consumer] { consumer.cancel(); });
  CHECK_THROWS_AS(rt.run_until_complete(consumer), actio::cancelled_error);
  CHECK(fast.result() == 2);
  CHECK_FALSE(slow.done());
  auto early = rt.create_task([slow]() -> actio::task<int> {
    auto done = actio::as_completed_iter(std::vector{slow});
    (void)done; // dropped before its first next()
    co_return 0;
  });
  rt.run_until_complete(early);
  CHECK(rt.run_until_complete(slow) == 1);
}

TEST_CASE("as_completed_iter of no inputs ends at once",
          "[as_completed][generator]") {
  actio::runtime rt{virtual_time()};
  auto n = rt.run_until_complete(rt.create_task([]() -> actio::task<int> {
    auto done = actio::as_completed_iter(std::vector<actio::future<int>>{});
    int count = 0;
    while (co_await done.next())
      ++count;
    co_return count;
  }));
  CHECK(n == 0);
}

TEST_CASE("wait_for returns the value in time, or cancels the task and "
          "raises timeout_error",
          "[wait_for]") {
  actio::runtime rt{virtual_time()};
  CHECK(rt.run_until_complete(
            actio::wait_for(rt.create_task(value_after, 5, 10ms), 1s)) == 5);
  auto slow = rt.create_task(value_after, 6, 10s);
  auto start = rt.time();
  CHECK_THROWS_AS(rt.run_until_complete(actio::wait_for(slow, 1s)),
                  actio::timeout_error);
  CHECK(rt.time() - start == 1s);
  CHECK_THROWS_AS(rt.run_until_complete(slow), actio::cancelled_error);
}

namespace {

/// Sleeps `d`; on cancel, logs and takes `cleanup` to clean up.
actio::task<int> slow_cleanup(std::chrono::milliseconds d,
                              std::chrono::milliseconds cleanup,
                              std::vector<std::string>* log) {
  bool cancelled = false;
  try {
    co_await actio::sleep(d);
  } catch (const actio::cancelled_error&) {
    cancelled = true;
  }
  if (cancelled) {
    co_await actio::sleep(cleanup);
    log->push_back("w:cancelled");
    throw actio::cancelled_error();
  }
  co_return 1;
}

actio::task<int> wait_for_slow(std::vector<std::string>* log) {
  auto inner = actio::create_task(slow_cleanup, 10s, 500ms, log);
  try {
    co_await actio::wait_for(inner, 1s);
  } catch (const actio::timeout_error&) {
    log->push_back(inner.done() ? "timeout" : "timeout, inner still running");
  }
  co_return 0;
}

/// Sleeps 10 s; on cancel, takes `cleanup`, logs "<name> cleaned up" and
/// ends cancelled.
actio::task<int> clean_up_slowly(std::string name,
                                 std::chrono::milliseconds cleanup,
                                 std::vector<std::string>* log) {
  bool cancelled = false;
  try {
    co_await actio::sleep(10s);
  } catch (const actio::cancelled_error&) {
    cancelled = true;
  }
  if (cancelled) {
    co_await actio::sleep(cleanup);
    log->push_back(name + " cleaned up");
    throw actio::cancelled_error();
  }
  co_return 1;
}

actio::task<int> swallow_and_return(int v) {
  try {
    co_await actio::sleep(10s);
  } catch (const actio::cancelled_error&) {
  }
  co_return v;
}

} // namespace

TEST_CASE("wait_for raises timeout_error only once the cancelled task has "
          "finished its cleanup, as asyncio does since 3.7",
          "[wait_for][cancel]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto start = rt.time();
  rt.run_until_complete(rt.create_task(wait_for_slow, &log));
  CHECK(log == std::vector<std::string>{"w:cancelled", "timeout"});
  CHECK(rt.time() - start == 1500ms);
}

TEST_CASE("wait_for returns the value of a task that answers its timeout's "
          "cancel with a value, and a cancelled wait_for cancels the task",
          "[wait_for][cancel]") {
  actio::runtime rt{virtual_time()};
  CHECK(rt.run_until_complete(
            actio::wait_for(rt.create_task(swallow_and_return, 4), 1s)) == 4);
  std::vector<std::string> log;
  auto inner = rt.create_task(slow_cleanup, 10s, 500ms, &log);
  auto w = actio::wait_for(inner, 5s);
  rt.call_later(1s, [w] { w.cancel(); });
  CHECK_THROWS_AS(rt.run_until_complete(w), actio::cancelled_error);
  CHECK(inner.cancelled());
  CHECK(log == std::vector<std::string>{"w:cancelled"});
}

TEST_CASE("a task_group cancels the siblings of a failing task and ends "
          "only when all have ended",
          "[task_group]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto parent = rt.create_task([&log]() -> actio::task<std::string> {
    actio::task_group group;
    auto slow = group.create_task(clean_up_slowly, std::string{"sibling"},
                                  1000ms, &log);
    group.create_task(fail_after, 100ms);
    try {
      co_await group.wait();
    } catch (const actio::exception_group& e) {
      log.push_back(std::string{"group failed: "} + e.what());
    }
    co_return slow.cancelled() ? "sibling cancelled" : "sibling not cancelled";
  });
  auto start = rt.time();
  CHECK(rt.run_until_complete(parent) == "sibling cancelled");
  CHECK(rt.time() - start == 1100ms);
  CHECK(log == std::vector<std::string>{"sibling cleaned up",
                                        "group failed: unhandled errors in a "
                                        "task_group (1 sub-exception)"});
}

TEST_CASE("a task_group whose tasks all succeed completes", "[task_group]") {
  actio::runtime rt{virtual_time()};
  auto parent = rt.create_task([]() -> actio::task<int> {
    actio::task_group group;
    auto a = group.create_task(value_after, 1, 10ms);
    auto b = group.create_task(value_after, 2, 20ms);
    co_await group.wait();
    co_return a.result() + b.result();
  });
  CHECK(rt.run_until_complete(parent) == 3);
}

TEST_CASE("a task cancelled while it awaits its task_group's wait() cancels "
          "every child, waits for their cleanup, then ends cancelled",
          "[task_group][cancel]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto parent = rt.create_task([&log]() -> actio::task<void> {
    actio::task_group group;
    group.create_task(clean_up_slowly, std::string{"a"}, 500ms, &log);
    group.create_task(clean_up_slowly, std::string{"b"}, 500ms, &log);
    try {
      co_await group.wait();
    } catch (const actio::cancelled_error&) {
      log.push_back("parent cancelled");
      throw;
    }
  });
  rt.call_later(1s, [parent] { parent.cancel(); });
  auto start = rt.time();
  CHECK_THROWS_AS(rt.run_until_complete(parent), actio::cancelled_error);
  CHECK(rt.time() - start == 1500ms);
  REQUIRE(log.size() == 3);
  CHECK(log[2] == "parent cancelled");
  std::sort(log.begin(), log.begin() + 2);
  CHECK(log[0] == "a cleaned up");
  CHECK(log[1] == "b cleaned up");
}
