// SPDX-License-Identifier: Apache-2.0
#include "actio/exception_group.hpp"

#include "actio/actio.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

namespace {

struct parse_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string what_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  }
}

actio::task<int> fail_after(std::chrono::milliseconds d, std::string what) {
  co_await actio::sleep(d);
  throw std::runtime_error(what);
}

actio::task<int> parse_fail_after(std::chrono::milliseconds d) {
  co_await actio::sleep(d);
  throw parse_error("bad input");
}

actio::task<int> value_after(std::chrono::milliseconds d, int v) {
  co_await actio::sleep(d);
  co_return v;
}

/// Fails only after `cleanup` once cancelled: its error comes after the
/// first one and must not be lost.
template <class E = std::runtime_error>
actio::task<int> fail_in_cleanup(std::chrono::milliseconds cleanup,
                                 std::string what) {
  bool cancelled = false;
  try {
    co_await actio::sleep(10s);
  } catch (const actio::cancelled_error&) {
    cancelled = true;
  }
  if (cancelled) {
    co_await actio::sleep(cleanup);
    throw E(what);
  }
  co_return 0;
}

actio::task<std::vector<std::string>> group_of_three() {
  actio::task_group group;
  group.create_task(fail_after, 10ms, "first");
  group.create_task(fail_in_cleanup<>, 50ms, "cleanup failed");
  group.create_task(fail_in_cleanup<parse_error>, 20ms, "bad input");
  auto quiet = group.create_task(value_after, 1s, 1);
  std::vector<std::string> seen;
  try {
    co_await group.wait();
  } catch (const actio::exception_group& g) {
    for (auto& e : g.exceptions())
      seen.push_back(what_of(e));
    seen.push_back(g.contains<parse_error>() ? "has parse_error"
                                             : "no parse_error");
  }
  seen.push_back(quiet.cancelled() ? "quiet cancelled" : "quiet not cancelled");
  co_return seen;
}

actio::task<int> nested_group() {
  actio::task_group group;
  group.create_task(parse_fail_after, 10ms);
  co_await group.wait();
  co_return 0;
}

actio::task<std::size_t> outer_of_nested() {
  actio::task_group group;
  group.create_task(nested_group);
  group.create_task(fail_in_cleanup<>, 5ms, "outer cleanup failed");
  try {
    co_await group.wait();
  } catch (const actio::exception_group& g) {
    CHECK(g.size() == 2);
    CHECK(g.matching<actio::exception_group>().size() == 1);
    CHECK(g.matching<std::runtime_error>().size() == 2);
    co_return g.matching<parse_error>().size();
  }
  co_return 0;
}

} // namespace

TEST_CASE("an exception_group holds every error, says how many, and matches "
          "by type through nested groups",
          "[exception_group]") {
  auto a = std::make_exception_ptr(std::runtime_error("a"));
  auto b = std::make_exception_ptr(parse_error("b"));
  actio::exception_group inner{"inner", {b}};
  actio::exception_group g{"two failed", {a, std::make_exception_ptr(inner)}};
  CHECK(std::string{g.what()} == "two failed (2 sub-exceptions)");
  CHECK(g.message() == "two failed");
  CHECK(g.size() == 2);
  CHECK(g.contains<parse_error>());
  CHECK_FALSE(g.contains<std::logic_error>());
  auto parse = g.matching<parse_error>();
  REQUIRE(parse.size() == 1);
  CHECK(parse[0] == b);
  CHECK(g.matching<std::runtime_error>().size() == 2);
  CHECK(std::string{inner.what()} == "inner (1 sub-exception)");
}

TEST_CASE("an exception_group of no errors or of a null error is refused",
          "[exception_group]") {
  CHECK_THROWS_AS(actio::exception_group("none", {}), std::invalid_argument);
  CHECK_THROWS_AS(actio::exception_group("null", {std::exception_ptr{}}),
                  std::invalid_argument);
}

TEST_CASE("a task_group fails with every child's error in completion order, "
          "including errors raised while reacting to the group's cancel",
          "[exception_group][task_group]") {
  actio::runtime rt{virtual_time()};
  auto seen = rt.run_until_complete(rt.create_task(group_of_three));
  CHECK(seen == std::vector<std::string>{"first", "bad input", "cleanup failed",
                                         "has parse_error", "quiet cancelled"});
}

TEST_CASE("a task_group's error nests a child's task_group error",
          "[exception_group][task_group]") {
  actio::runtime rt{virtual_time()};
  CHECK(rt.run_until_complete(rt.create_task(outer_of_nested)) == 1);
}

TEST_CASE("gather(all_errors, ...) waits for every child and fails with all "
          "their errors in argument order",
          "[exception_group][gather]") {
  actio::runtime rt{virtual_time()};
  auto slow = rt.create_task(fail_after, 50ms, "slow");
  auto ok = rt.create_task(value_after, 100ms, 5);
  auto fast = rt.create_task(fail_after, 10ms, "fast");
  auto start = rt.time();
  try {
    rt.run_until_complete(actio::gather(
        actio::all_errors, std::vector<actio::future<int>>{slow, ok, fast}));
    FAIL("no exception_group");
  } catch (const actio::exception_group& g) {
    REQUIRE(g.size() == 2);
    CHECK(what_of(g.exceptions()[0]) == "slow");
    CHECK(what_of(g.exceptions()[1]) == "fast");
  }
  CHECK(rt.time() - start == 100ms);
  CHECK(ok.result() == 5);

  try {
    rt.run_until_complete(
        actio::gather(actio::all_errors, fail_after(20ms, "x"),
                      value_after(10ms, 1), parse_fail_after(5ms)));
    FAIL("no exception_group");
  } catch (const actio::exception_group& g) {
    REQUIRE(g.size() == 2);
    CHECK(what_of(g.exceptions()[0]) == "x");
    CHECK(g.contains<parse_error>());
  }
}

TEST_CASE("gather(all_errors, ...) without errors yields the values; with a "
          "cancelled child and no error it is cancelled",
          "[exception_group][gather]") {
  actio::runtime rt{virtual_time()};
  auto [a, b] = rt.run_until_complete(actio::gather(
      actio::all_errors, value_after(20ms, 1), value_after(10ms, 2)));
  CHECK(a == 1);
  CHECK(b == 2);
  CHECK(rt.run_until_complete(actio::gather(
            actio::all_errors, std::vector<actio::future<int>>{})) ==
        std::vector<int>{});
  auto doomed = rt.create_task(value_after, 1s, 3);
  auto g = actio::gather(actio::all_errors,
                         std::vector<actio::future<int>>{
                             doomed, rt.create_task(value_after, 10ms, 4)});
  rt.call_later(100ms, [doomed] { doomed.cancel(); });
  CHECK_THROWS_AS(rt.run_until_complete(g), actio::cancelled_error);
}
