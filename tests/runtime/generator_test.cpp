// SPDX-License-Identifier: Apache-2.0
#include "actio/generator.hpp"

#include "actio/actio.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

namespace {

/// Sets `*flag` when destroyed: shows that a generator's locals were
/// cleaned up.
struct on_exit {
  std::shared_ptr<bool> flag;
  ~on_exit() { *flag = true; }
};

actio::generator<int> counting(int n, std::shared_ptr<int> steps) {
  for (int i = 0; i < n; ++i) {
    ++*steps;
    co_yield i;
  }
}

actio::generator<std::string> ticking(int n, std::shared_ptr<bool> cleaned) {
  on_exit guard{cleaned};
  for (int i = 0; i < n; ++i) {
    co_await actio::sleep(1s);
    co_yield "tick " + std::to_string(i);
  }
}

actio::generator<int> failing_after(int n) {
  for (int i = 0; i < n; ++i)
    co_yield i;
  throw std::runtime_error("source broke");
}

template <class T>
actio::task<std::vector<T>> collect(actio::generator<T> g) {
  std::vector<T> out;
  while (auto v = co_await g.next())
    out.push_back(std::move(*v));
  co_return out;
}

actio::task<std::vector<int>> take(actio::generator<int>* g, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i)
    if (auto v = co_await g->next())
      out.push_back(*v);
  co_return out;
}

} // namespace

TEST_CASE("a generator runs only as far as its consumer asks", "[generator]") {
  actio::runtime rt{virtual_time()};
  auto steps = std::make_shared<int>(0);
  auto g = counting(10, steps);
  CHECK(*steps == 0);
  CHECK(rt.run_until_complete(rt.create_task(take, &g, 3)) ==
        std::vector<int>{0, 1, 2});
  CHECK(*steps == 3);
  CHECK_FALSE(g.done());
  CHECK(rt.run_until_complete(rt.create_task(take, &g, 7)) ==
        std::vector<int>{3, 4, 5, 6, 7, 8, 9});
  // The body has not returned until asked once more.
  CHECK(rt.run_until_complete(rt.create_task(take, &g, 5)).empty());
  CHECK(g.done());
}

TEST_CASE("a generator's body awaits like a task, on the consumer's clock",
          "[generator]") {
  actio::runtime rt{virtual_time()};
  auto cleaned = std::make_shared<bool>(false);
  auto start = rt.time();
  auto got = rt.run_until_complete(
      rt.create_task(collect<std::string>, ticking(3, cleaned)));
  CHECK(got == std::vector<std::string>{"tick 0", "tick 1", "tick 2"});
  CHECK(actio::test::elapsed(rt, start) == Approx(3.0).margin(0.01));
  CHECK(*cleaned);
}

TEST_CASE("an exception that ends the body reaches the consumer once, after "
          "the values before it",
          "[generator]") {
  actio::runtime rt{virtual_time()};
  auto g = failing_after(2);
  CHECK(rt.run_until_complete(rt.create_task(take, &g, 2)) ==
        std::vector<int>{0, 1});
  CHECK_THROWS_WITH(rt.run_until_complete(rt.create_task(take, &g, 1)),
                    "source broke");
  CHECK(rt.run_until_complete(rt.create_task(take, &g, 1)).empty());
}

TEST_CASE("a consumer that stops early destroys the generator, running its "
          "cleanup",
          "[generator]") {
  actio::runtime rt{virtual_time()};
  auto cleaned = std::make_shared<bool>(false);
  {
    auto g = ticking(10, cleaned);
    auto first = rt.run_until_complete(rt.create_task(
        [](actio::generator<std::string>* gen) -> actio::task<std::string> {
          co_return *co_await gen->next();
        },
        &g));
    CHECK(first == "tick 0");
    CHECK_FALSE(*cleaned);
  }
  CHECK(*cleaned);
}

TEST_CASE("cancelling the consuming task while the body awaits ends the body "
          "with cancelled_error, cleaned up",
          "[generator]") {
  actio::runtime rt{virtual_time()};
  auto cleaned = std::make_shared<bool>(false);
  auto consumer = rt.create_task(collect<std::string>, ticking(10, cleaned));
  rt.run_until_complete(
      rt.create_task([]() -> actio::task<> { co_await actio::sleep(2500ms); }));
  consumer.cancel();
  CHECK_THROWS_AS(rt.run_until_complete(consumer), actio::cancelled_error);
  CHECK(*cleaned);
}

TEST_CASE("next() on an empty or finished generator gives nothing, and a "
          "second next() while one waits is refused",
          "[generator]") {
  actio::runtime rt{virtual_time()};
  actio::generator<int> empty;
  CHECK(rt.run_until_complete(rt.create_task(take, &empty, 2)).empty());

  auto cleaned = std::make_shared<bool>(false);
  auto g = ticking(5, cleaned);
  auto first = rt.create_task(
      [](actio::generator<std::string>* gen) -> actio::task<bool> {
        co_return static_cast<bool>(co_await gen->next());
      },
      &g);
  auto second = rt.create_task(
      [](actio::generator<std::string>* gen) -> actio::task<bool> {
        co_await actio::sleep(100ms); // the first next() waits in the body
        co_return static_cast<bool>(co_await gen->next());
      },
      &g);
  CHECK_THROWS_AS(rt.run_until_complete(second), actio::invalid_state_error);
  CHECK(rt.run_until_complete(first));
}

namespace {

/// Where the stack is when called (a plain function's frame address).
[[gnu::noinline]] std::uintptr_t stack_position() {
  return reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
}

/// Yields n values, recording where on the stack its body ran for each.
actio::generator<int> stack_probe(int n, std::vector<std::uintptr_t>* depth) {
  for (int i = 0; i < n; ++i) {
    depth->push_back(stack_position());
    co_yield i;
  }
}

actio::task<long> drain_probe(int n, std::vector<std::uintptr_t>* depth) {
  long sum = 0;
  auto g = stack_probe(n, depth);
  while (auto v = co_await g.next())
    sum += *v;
  co_return sum;
}

} // namespace

TEST_CASE("a consumer and a body that never suspend hand over values without "
          "nesting on the stack",
          "[generator]") {
  // Without a trampoline, each value would nest the body's resume inside
  // the consumer's unless the compiler turns symmetric transfer into a
  // tail call (it does not at -O1 or under ASan: 50k values overflowed).
  actio::runtime rt{virtual_time()};
  std::vector<std::uintptr_t> depth;
  constexpr int n = 200000;
  CHECK(rt.run_until_complete(rt.create_task(drain_probe, n, &depth)) ==
        static_cast<long>(n) * (n - 1) / 2);
  REQUIRE(depth.size() == static_cast<std::size_t>(n));
  CHECK(depth.front() == depth.back());
}
