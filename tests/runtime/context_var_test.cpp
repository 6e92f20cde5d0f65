// SPDX-License-Identifier: Apache-2.0
#include "actio/context_var.hpp"

#include "actio/actio.hpp"
#include "support/every_policy.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace std::chrono_literals;
using actio::test::time_limit;
using actio::test::virtual_time;

namespace {

actio::context_var<std::string> request_id{"request_id"};
actio::context_var<int> depth{"depth", 0};

actio::task<std::string> read_request_id() {
  co_await actio::sleep(1ms);
  co_return request_id.get("<none>");
}

actio::task<std::string> set_then_read(std::string value) {
  (void)request_id.set(std::move(value));
  co_await actio::sleep(10ms);
  co_return request_id.get();
}

actio::task<int> nest(int levels) {
  (void)depth.set(depth.get() + 1);
  if (levels == 0)
    co_return depth.get();
  co_return co_await actio::create_task(nest, levels - 1);
}

} // namespace

TEST_CASE("a task sees the values set before it was created, and what it "
          "sets is seen neither by its creator nor by its siblings",
          "[context_var]") {
  actio::runtime rt{virtual_time()};
  auto log = rt.run_until_complete(
      rt.create_task([]() -> actio::task<std::vector<std::string>> {
        auto token = request_id.set("parent");
        auto inherits = actio::create_task(read_request_id);
        auto a = actio::create_task(set_then_read, std::string{"a"});
        auto b = actio::create_task(set_then_read, std::string{"b"});
        std::vector<std::string> seen;
        for (auto* f : {&inherits, &a, &b})
          seen.push_back(co_await *f);
        seen.push_back(request_id.get());
        request_id.reset(token);
        seen.push_back(request_id.get("<unset>"));
        co_return seen;
      }));
  CHECK(log ==
        std::vector<std::string>{"parent", "a", "b", "parent", "<unset>"});
}

TEST_CASE("a context is copied when a task is created: a later set in the "
          "creator does not reach a task already created",
          "[context_var]") {
  actio::runtime rt{virtual_time()};
  auto seen = rt.run_until_complete(
      rt.create_task([]() -> actio::task<std::pair<std::string, std::string>> {
        auto first = request_id.set("before");
        auto child = actio::create_task(read_request_id);
        auto second = request_id.set("after");
        auto later = actio::create_task(read_request_id);
        co_return std::pair{co_await child, co_await later};
      }));
  CHECK(seen.first == "before");
  CHECK(seen.second == "after");
}

TEST_CASE("each generation of tasks inherits its parent's value and builds "
          "on it",
          "[context_var]") {
  actio::runtime rt{virtual_time()};
  CHECK(rt.run_until_complete(rt.create_task(nest, 4)) == 5);
  CHECK(depth.get() == 0); // main's own context is untouched
}

TEST_CASE("get without a value throws lookup_error unless a default or a "
          "fallback is given",
          "[context_var]") {
  actio::context_var<int> plain{"plain"};
  actio::context_var<int> with_default{"with_default", 7};
  CHECK(plain.name() == "plain");
  CHECK_FALSE(plain.is_set());
  CHECK_THROWS_AS(plain.get(), actio::lookup_error);
  CHECK_THROWS_WITH(plain.get(), Catch::Contains("'plain'"));
  CHECK(plain.get(3) == 3);
  CHECK(with_default.get() == 7);
  CHECK(with_default.get(9) == 9); // a fallback wins over the default
  CHECK_FALSE(with_default.is_set());
}

TEST_CASE("reset restores the previous value, once, and only for the token's "
          "own variable",
          "[context_var]") {
  actio::context_var<int> v{"v", 0};
  actio::context_var<int> other{"other", 0};
  auto one = v.set(1);
  auto two = v.set(2);
  CHECK(v.get() == 2);
  CHECK_THROWS_AS(other.reset(two), actio::invalid_state_error);
  v.reset(two);
  CHECK(v.get() == 1);
  CHECK_THROWS_AS(v.reset(two), actio::invalid_state_error);
  v.reset(one);
  CHECK_FALSE(v.is_set());
  CHECK(v.get() == 0);
}

TEST_CASE("callbacks scheduled by a task run in its context as it was when "
          "scheduled, and what they set stays theirs",
          "[context_var][call]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  rt.run_until_complete(rt.create_task([&log, &rt]() -> actio::task<void> {
    (void)request_id.set("soon");
    actio::call_soon([&log] {
      log.push_back("call_soon: " + request_id.get());
      (void)request_id.set("changed by a callback");
    });
    (void)request_id.set("later");
    actio::call_later(
        5ms, [&log] { log.push_back("call_later: " + request_id.get()); });
    (void)request_id.set("at");
    actio::call_at(rt.time() + 6ms,
                   [&log] { log.push_back("call_at: " + request_id.get()); });
    co_await actio::sleep(10ms);
    log.push_back("task: " + request_id.get());
  }));
  actio::call_soon([&log] { log.push_back("main: " + request_id.get("-")); });
  actio::test::run_all(rt);
  CHECK(log == std::vector<std::string>{"call_soon: soon", "call_later: later",
                                        "call_at: at", "task: at", "main: -"});
}

TEST_CASE("a done callback runs in the context of the code that added it, "
          "on whatever thread completes the future",
          "[context_var][future]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  actio::promise<int> p;
  auto f = p.get_future();
  auto adder = rt.create_task([f, &log]() -> actio::task<void> {
    (void)request_id.set("adder");
    f.add_done_callback([&log](const actio::future<int>&) {
      log.push_back("done: " + request_id.get("<none>"));
    });
    co_return;
  });
  rt.run_until_complete(adder);
  rt.run_until_complete(rt.create_task([&p]() -> actio::task<void> {
    (void)request_id.set("completer");
    p.set_value(1);
    co_return;
  }));
  CHECK(log == std::vector<std::string>{"done: adder"});
}

namespace {

actio::generator<std::string> ids(int n) {
  for (int i = 0; i < n; ++i) {
    co_await actio::sleep(1ms);
    co_yield request_id.get("<none>");
  }
}

} // namespace

TEST_CASE("a generator's body runs in its consumer's context",
          "[context_var][generator]") {
  actio::runtime rt{virtual_time()};
  auto seen = rt.run_until_complete(
      rt.create_task([]() -> actio::task<std::vector<std::string>> {
        auto gen = ids(2);
        std::vector<std::string> out;
        (void)request_id.set("consumer 1");
        out.push_back(*co_await gen.next());
        (void)request_id.set("consumer 2");
        out.push_back(*co_await gen.next());
        co_return out;
      }));
  CHECK(seen == std::vector<std::string>{"consumer 1", "consumer 2"});
}

TEST_CASE("a value set in main before run_until_complete reaches the task",
          "[context_var]") {
  actio::runtime rt{virtual_time()};
  auto token = request_id.set("from main");
  CHECK(rt.run_until_complete(rt.create_task(read_request_id)) == "from main");
  request_id.reset(token);
  CHECK(rt.run_until_complete(rt.create_task(read_request_id)) == "<none>");
}

namespace {

/// Sets its own value, then checks it across many suspensions while other
/// tasks on other threads do the same with theirs.
actio::task<int> keep_own_value(int id, int rounds) {
  (void)depth.set(id);
  int mismatches = 0;
  for (int i = 0; i < rounds; ++i) {
    co_await actio::sleep(0ms);
    if (depth.get() != id)
      ++mismatches;
    if (i % 8 == 0 && co_await actio::create_task([]() -> actio::task<int> {
                        co_return depth.get();
                      }) != id)
      ++mismatches;
  }
  co_return mismatches;
}

} // namespace

TEST_CASE("tasks on real threads each keep their own value across "
          "suspensions, under every scheduler policy",
          "[context_var][threads]") {
  auto policy = ACTIO_EVERY_SCHEDULER_POLICY();
  CAPTURE(actio::to_string(policy));
  time_limit limit{20s, "context_var on real threads"};
  actio::runtime rt{actio::test::real_time(policy)};
  for (int repeat = 0; repeat < 5; ++repeat) {
    std::vector<actio::future<int>> fs;
    for (int id = 1; id <= 64; ++id)
      fs.push_back(rt.create_task(keep_own_value, id, 50));
    auto mismatches = rt.run_until_complete(actio::gather(fs));
    for (int m : mismatches)
      CHECK(m == 0);
  }
  CHECK(depth.get() == 0);
}
