// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/generator_stream.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

namespace {

struct on_exit {
  std::shared_ptr<std::atomic<bool>> flag;
  ~on_exit() { flag->store(true); }
};

/// Yields n values tagged with `tag` (tag * 1'000'000 + i), counting how
/// many it produced, then fails if `fail`.
actio::generator<long> source(long tag, long n,
                              std::shared_ptr<std::atomic<long>> produced,
                              std::shared_ptr<std::atomic<bool>> cleaned,
                              bool fail = false) {
  on_exit guard{cleaned};
  for (long i = 0; i < n; ++i) {
    produced->fetch_add(1);
    co_yield tag * 1000000 + i;
  }
  if (fail)
    throw std::runtime_error("source " + std::to_string(tag) + " broke");
}

actio::generator<long> simple(long tag, long n, bool fail = false) {
  return source(tag, n, std::make_shared<std::atomic<long>>(0),
                std::make_shared<std::atomic<bool>>(false), fail);
}

/// Consumes everything, checking that the producer never ran more than
/// `ahead` + 2 values ahead (the queue, the value waiting in put and the
/// one being yielded).
actio::task<std::vector<long>>
consume_bounded(actio::generator<long> g,
                std::shared_ptr<std::atomic<long>> produced, long ahead,
                bool* bounded) {
  std::vector<long> out;
  while (auto v = co_await g.next()) {
    out.push_back(*v);
    if (produced->load() > static_cast<long>(out.size()) + ahead + 2)
      *bounded = false;
    co_await actio::sleep(1ms); // a slow consumer
  }
  co_return out;
}

actio::task<std::vector<long>> collect(actio::generator<long> g) {
  std::vector<long> out;
  while (auto v = co_await g.next())
    out.push_back(*v);
  co_return out;
}

actio::task<long> sum_own_task(long n) {
  auto g = actio::in_own_task(simple(0, n), 256);
  long sum = 0;
  while (auto v = co_await g.next())
    sum += *v;
  co_return sum;
}

actio::task<std::vector<long>>
collect_stream(long n, long ahead, std::shared_ptr<std::atomic<long>> produced,
               bool* bounded) {
  auto cleaned = std::make_shared<std::atomic<bool>>(false);
  co_return co_await consume_bounded(
      actio::in_own_task(source(0, n, produced, cleaned),
                         static_cast<std::size_t>(ahead)),
      produced, ahead, bounded);
}

actio::task<std::vector<long>> collect_own_task(actio::generator<long> g) {
  co_return co_await collect(actio::in_own_task(std::move(g), 4));
}

actio::task<long> first_then_stop(std::shared_ptr<std::atomic<bool>> cleaned) {
  auto produced = std::make_shared<std::atomic<long>>(0);
  auto g = actio::in_own_task(source(0, 1000000, produced, cleaned), 8);
  auto v = co_await g.next();
  co_return *v;
}

actio::task<std::vector<long>> collect_merge(std::vector<long> sizes,
                                             long failing) {
  std::vector<actio::generator<long>> sources;
  for (std::size_t i = 0; i < sizes.size(); ++i)
    sources.push_back(simple(static_cast<long>(i), sizes[i],
                             static_cast<long>(i) == failing));
  co_return co_await collect(actio::merge(std::move(sources), 16));
}

} // namespace

TEST_CASE("in_own_task streams a generator from another task in order, at "
          "most `ahead` values ahead of a slow consumer",
          "[generator][stream]") {
  actio::runtime rt{virtual_time()};
  auto produced = std::make_shared<std::atomic<long>>(0);
  bool bounded = true;
  auto got = rt.run_until_complete(
      rt.create_task(collect_stream, 200, 8, produced, &bounded));
  std::vector<long> expect;
  for (long i = 0; i < 200; ++i)
    expect.push_back(i);
  CHECK(got == expect);
  CHECK(bounded);
}

TEST_CASE("a source's error reaches the reader after the values before it",
          "[generator][stream]") {
  actio::runtime rt{virtual_time()};
  auto reader = rt.create_task([]() -> actio::task<std::vector<long>> {
    std::vector<long> out;
    auto g = actio::in_own_task(simple(0, 5, true), 4);
    try {
      while (auto v = co_await g.next())
        out.push_back(*v);
    } catch (const std::runtime_error& e) {
      out.push_back(-1);
    }
    co_return out;
  });
  CHECK(rt.run_until_complete(reader) == std::vector<long>{0, 1, 2, 3, 4, -1});
}

TEST_CASE("a reader that stops early cancels the producing task, whose "
          "source is cleaned up",
          "[generator][stream]") {
  actio::runtime rt{virtual_time()};
  auto cleaned = std::make_shared<std::atomic<bool>>(false);
  CHECK(rt.run_until_complete(rt.create_task(first_then_stop, cleaned)) == 0);
  rt.run_until_complete(
      rt.create_task([]() -> actio::task<> { co_await actio::sleep(10ms); }));
  CHECK(cleaned->load());
}

TEST_CASE("merge yields every value of every source, each source's in order, "
          "and fails with the first source that fails",
          "[generator][stream]") {
  actio::runtime rt{virtual_time()};
  auto got = rt.run_until_complete(
      rt.create_task(collect_merge, std::vector<long>{100, 50, 75}, -1));
  CHECK(got.size() == 225);
  for (long tag = 0; tag < 3; ++tag) {
    std::vector<long> mine;
    for (long v : got)
      if (v / 1000000 == tag)
        mine.push_back(v % 1000000);
    CHECK(std::is_sorted(mine.begin(), mine.end()));
    CHECK(mine.size() == (tag == 0 ? 100u : tag == 1 ? 50u : 75u));
  }
  CHECK_THROWS_WITH(rt.run_until_complete(rt.create_task(
                        collect_merge, std::vector<long>{100, 5, 100}, 1)),
                    "source 1 broke");
}

TEST_CASE("a generator streamed between tasks on real threads delivers "
          "every value, under every policy",
          "[generator][stream][threads]") {
  auto policy = GENERATE(actio::scheduler_policy::sharing,
                         actio::scheduler_policy::stealing,
                         actio::scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{60s, "generator stream"};
  for (int run = 0; run < 3; ++run) {
    auto o = actio::test::real_time();
    o.policy = policy;
    actio::runtime rt{o};
    constexpr long n = 50000;
    CHECK(rt.run_until_complete(rt.create_task(sum_own_task, n)) ==
          n * (n - 1) / 2);
    CHECK(
        rt.run_until_complete(rt.create_task(collect_own_task, simple(0, 1000)))
            .size() == 1000);
  }
}
