// SPDX-License-Identifier: Apache-2.0
#include "actio/caf/interop.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

namespace {

caf::behavior doubler(caf::event_based_actor*) {
  return {[](int x) { return x * 2; }};
}

caf::behavior silent(caf::event_based_actor* self,
                     std::shared_ptr<std::vector<caf::response_promise>> kept) {
  return {[self, kept](int) -> caf::result<int> {
    kept->push_back(self->make_response_promise());
    return caf::delegated<int>{};
  }};
}

caf::behavior failing(caf::event_based_actor*) {
  return {[](int) -> caf::result<int> {
    return caf::make_error(caf::sec::invalid_argument, "no thanks");
  }};
}

actio::task<int> compute(int x, int y) {
  co_await actio::sleep(1s);
  co_return x + y;
}

actio::task<int> quick(int x) {
  co_return x + 1;
}

/// For each int it receives, starts `quick` and lets its future go at once,
/// as example 10 does: only actio::then keeps the future's state.
caf::behavior quick_starter(caf::event_based_actor* self,
                            std::shared_ptr<std::atomic<int>> answered,
                            std::shared_ptr<actio::promise<int>> all_done,
                            int expected) {
  return {[=](int x) {
    actio::then(
        self, actio::create_task(quick, x),
        [=](int& v) {
          if (v == x + 1 && answered->fetch_add(1) + 1 == expected)
            all_done->set_value(expected);
        },
        [](caf::error&) {});
  }};
}

} // namespace

TEST_CASE("a task awaits a CAF actor's response with actio::request",
          "[caf_interop]") {
  actio::runtime rt{virtual_time()};
  auto d = rt.system().spawn(doubler);
  auto f = rt.create_task([d]() -> actio::task<int> {
    co_return co_await actio::request<int>(d, 1s, 21);
  });
  CHECK(rt.run_until_complete(f) == 42);
}

TEST_CASE("actio::request times out with timeout_error and the task lives on",
          "[caf_interop]") {
  actio::runtime rt{virtual_time()};
  auto kept = std::make_shared<std::vector<caf::response_promise>>();
  auto s = rt.system().spawn(silent, kept);
  auto start = rt.time();
  auto f = rt.create_task([s]() -> actio::task<std::string> {
    try {
      co_await actio::request<int>(s, 5s, 1);
    } catch (const actio::timeout_error&) {
      co_return "timed out";
    }
    co_return "answered";
  });
  CHECK(rt.run_until_complete(f) == "timed out");
  CHECK(rt.time() - start == 5s);
  kept->clear();
}

TEST_CASE("actio::request without a timeout waits as long as the answer "
          "takes",
          "[caf_interop]") {
  actio::runtime rt{virtual_time()};
  auto kept = std::make_shared<std::vector<caf::response_promise>>();
  auto s = rt.system().spawn(silent, kept);
  auto start = rt.time();
  auto f = rt.create_task([s]() -> actio::task<int> {
    co_return co_await actio::request<int>(s, 21);
  });
  // Answer only after a simulated day: no timeout fires before.
  rt.call_later(24h, [kept] {
    for (auto& rp : *kept)
      rp.deliver(42);
  });
  CHECK(rt.run_until_complete(f) == 42);
  CHECK(rt.time() - start == 24h);
  auto g = rt.create_task([s]() -> actio::task<int> {
    co_return co_await actio::request<int>(s, caf::infinite, 1);
  });
  rt.call_later(1h, [kept] { kept->back().deliver(7); });
  CHECK(rt.run_until_complete(g) == 7);
}

TEST_CASE("actio::request's timeout is cancelled by the answer: a task that "
          "asks again and again never times out",
          "[caf_interop]") {
  actio::runtime rt{virtual_time()};
  auto d = rt.system().spawn(doubler);
  auto start = rt.time();
  auto f = rt.create_task([d]() -> actio::task<int> {
    int sum = 0;
    for (int i = 0; i < 100; ++i) {
      sum += co_await actio::request<int>(d, 1s, 1);
      co_await actio::sleep(100ms);
    }
    co_return sum;
  });
  CHECK(rt.run_until_complete(f) == 200);
  CHECK(rt.time() - start == 10s);
}

TEST_CASE("actio::request with a zero timeout times out unless the answer "
          "is already there",
          "[caf_interop]") {
  actio::runtime rt{virtual_time()};
  auto kept = std::make_shared<std::vector<caf::response_promise>>();
  auto s = rt.system().spawn(silent, kept);
  auto f = rt.create_task([s]() -> actio::task<int> {
    co_return co_await actio::request<int>(s, 0s, 1);
  });
  CHECK_THROWS_AS(rt.run_until_complete(f), actio::timeout_error);
  kept->clear();
}

TEST_CASE("actio::request turns a CAF error into runtime_error",
          "[caf_interop]") {
  actio::runtime rt{virtual_time()};
  auto a = rt.system().spawn(failing);
  auto f = rt.create_task([a]() -> actio::task<int> {
    co_return co_await actio::request<int>(a, 1s, 1);
  });
  CHECK_THROWS_AS(rt.run_until_complete(f), actio::runtime_error);
}

TEST_CASE("a plain CAF actor creates a task and gets its result with "
          "actio::then",
          "[caf_interop]") {
  actio::runtime rt{virtual_time()};
  actio::promise<std::string> report;
  auto reporter =
      std::make_shared<actio::promise<std::string>>(std::move(report));
  auto result = reporter->get_future();
  rt.system().spawn([reporter](caf::event_based_actor* self) {
    auto f = actio::create_task(compute, 1, 2);
    actio::then(
        self, f,
        [reporter](int& v) {
          reporter->set_value("value " + std::to_string(v));
        },
        [reporter](caf::error&) { reporter->set_value("error"); });
  });
  CHECK(rt.run_until_complete(result) == "value 3");
}

TEST_CASE("actio::then reports a failed task as a CAF error", "[caf_interop]") {
  actio::runtime rt{virtual_time()};
  auto reporter = std::make_shared<actio::promise<std::string>>();
  auto result = reporter->get_future();
  auto failing_task = rt.create_task([]() -> actio::task<int> {
    co_await actio::sleep(1s);
    throw std::runtime_error("task broke");
  });
  rt.system().spawn([reporter, failing_task](caf::event_based_actor* self) {
    actio::then(
        self, failing_task, [reporter](int&) { reporter->set_value("value"); },
        [reporter](caf::error& e) {
          reporter->set_value(e == caf::sec::runtime_error ? "runtime_error"
                                                           : "other");
        });
  });
  CHECK(rt.run_until_complete(result) == "runtime_error");
}

TEST_CASE("actio::then keeps a task's state alive when the task finishes "
          "before the relay starts, on real threads under every policy",
          "[caf_interop][threads]") {
  for (auto policy :
       {actio::scheduler_policy::sharing, actio::scheduler_policy::stealing}) {
    for (std::size_t threads :
         {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
      actio::test::time_limit limit{60s, "then on real threads"};
      auto opts = actio::test::real_time();
      opts.policy = policy;
      opts.threads = threads;
      actio::runtime rt{opts};
      constexpr int n = 2000;
      auto answered = std::make_shared<std::atomic<int>>(0);
      auto all_done = std::make_shared<actio::promise<int>>();
      auto done = all_done->get_future();
      auto a = rt.system().spawn(quick_starter, answered, all_done, n);
      for (int i = 0; i < n; ++i)
        caf::anon_send(a, i);
      CHECK(rt.run_until_complete(done) == n);
      CHECK(answered->load() == n);
    }
  }
}

namespace {

actio::task<int> slow_double(int x) {
  co_await actio::sleep(1s);
  if (x < 0)
    throw std::invalid_argument("negative input");
  co_return 2 * x;
}

actio::task<int> ask(caf::actor a, int x) {
  co_return co_await actio::request<int>(a, 5s, x);
}

actio::task<std::vector<int>> ask_both(caf::actor a, int x, int y) {
  std::vector<actio::future<int>> answers{actio::create_task(ask, a, x),
                                          actio::create_task(ask, a, y)};
  co_return co_await actio::gather(answers);
}

/// A CAF actor that answers each request with a task's result.
caf::behavior task_backed(caf::event_based_actor* self) {
  return {[self](int x) -> caf::result<int> {
    return actio::respond(self, actio::create_task(slow_double, x));
  }};
}

} // namespace

TEST_CASE("a CAF actor answers a request with a task's result through "
          "actio::respond",
          "[caf_interop]") {
  actio::runtime rt{virtual_time()};
  auto a = rt.system().spawn(task_backed);
  auto start = rt.time();
  auto f = rt.create_task(ask_both, a, 20, 1);
  std::vector<int> expected{40, 2};
  CHECK(rt.run_until_complete(f) == expected);
  CHECK(rt.time() - start == 1s); // both tasks ran concurrently
  auto failed = rt.create_task([a]() -> actio::task<int> {
    co_return co_await actio::request<int>(a, 5s, -1);
  });
  CHECK_THROWS_WITH(rt.run_until_complete(failed),
                    Catch::Contains("negative input"));
}

TEST_CASE("actio::respond answers every request on real threads under every "
          "policy",
          "[caf_interop][threads]") {
  for (auto policy :
       {actio::scheduler_policy::sharing, actio::scheduler_policy::stealing}) {
    actio::test::time_limit limit{60s, "respond on real threads"};
    auto opts = actio::test::real_time();
    opts.policy = policy;
    actio::runtime rt{opts};
    auto a = rt.system().spawn([](caf::event_based_actor* self) {
      return caf::behavior{[self](int x) -> caf::result<int> {
        return actio::respond(self, actio::create_task(quick, x));
      }};
    });
    auto f = rt.create_task([a]() -> actio::task<long> {
      std::vector<actio::future<int>> answers;
      for (int i = 0; i < 1000; ++i)
        answers.push_back(actio::create_task(
            [a](int x) -> actio::task<int> {
              co_return co_await actio::request<int>(a, 30s, x);
            },
            i));
      long sum = 0;
      for (int v : co_await actio::gather(answers))
        sum += v;
      co_return sum;
    });
    CHECK(rt.run_until_complete(f) == 1000L * 1001L / 2);
  }
}

TEST_CASE("send_later delivers a message to a CAF actor at the deadline",
          "[caf_interop][timer]") {
  actio::runtime rt{virtual_time()};
  auto got = std::make_shared<actio::promise<int>>();
  auto result = got->get_future();
  auto receiver = rt.system().spawn([got](caf::event_based_actor*) {
    return caf::behavior{[got](int x) { got->set_value(x); }};
  });
  auto start = rt.time();
  actio::send_later(receiver, 3s, 7);
  CHECK(rt.run_until_complete(result) == 7);
  CHECK(rt.time() - start == 3s);
}

TEST_CASE("send_later can be cancelled and never keeps its receiver alive",
          "[caf_interop][timer]") {
  actio::runtime rt{virtual_time()};
  auto hits = std::make_shared<int>(0);
  {
    auto receiver = rt.system().spawn([hits](caf::event_based_actor*) {
      return caf::behavior{[hits](int) { ++*hits; }};
    });
    auto h = actio::send_later(receiver, 1s, 1);
    CHECK(h.cancel());
    actio::send_later(receiver, std::chrono::hours(1), 2);
  }
  rt.run_until_complete(
      rt.create_task([]() -> actio::task<> { co_await actio::sleep(2s); }));
  CHECK(*hits == 0);
  // the receiver is unreferenced: the pending hour-long message did not keep
  // it alive (CAF's delayed_send would)
  CHECK(rt.system().registry().running() == 0);
}
