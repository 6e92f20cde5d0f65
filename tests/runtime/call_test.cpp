// SPDX-License-Identifier: Apache-2.0
#include "actio/call.hpp"

#include "actio/actio.hpp"
#include "support/every_policy.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

TEST_CASE("call_later runs callbacks by deadline, equal deadlines in "
          "scheduling order, call_soon first",
          "[timer]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto add = [&log](std::string s) { log.push_back(std::move(s)); };
  auto now = rt.time();
  rt.call_later(2s, add, std::string{"b2"});
  rt.call_at(now + 1s, add, std::string{"a1"});
  rt.call_at(now + 2s, add, std::string{"c2"});
  rt.call_later(1s, add, std::string{"d1"});
  rt.call_soon(add, std::string{"soon"});
  rt.call_at(now + 2s, [&rt] { rt.stop(); });
  rt.run_forever();
  CHECK(log == std::vector<std::string>{"soon", "a1", "d1", "b2", "c2"});
  CHECK(rt.time() - now == 2s);
}

TEST_CASE("a cancelled callback never runs, cancel reports whether it "
          "prevented the call",
          "[timer]") {
  actio::runtime rt{virtual_time()};
  int calls = 0;
  auto h = rt.call_later(1s, [&calls] { ++calls; });
  CHECK(h.cancel());
  CHECK(h.cancelled());
  CHECK_FALSE(h.cancel());
  auto ran = rt.call_later(1s, [&calls] { ++calls; });
  rt.call_later(2s, [&rt] { rt.stop(); });
  rt.run_forever();
  CHECK(calls == 1);
  CHECK_FALSE(ran.cancel());
  CHECK_FALSE(ran.cancelled());
}

TEST_CASE("call_soon is also cancellable until it runs", "[timer]") {
  actio::runtime rt{virtual_time()};
  int calls = 0;
  auto h = rt.call_soon([&calls] { ++calls; });
  CHECK(h.cancel());
  rt.call_later(1ms, [&rt] { rt.stop(); });
  rt.run_forever();
  CHECK(calls == 0);
}

TEST_CASE("free call_later inside a task runs on the runtime's loop",
          "[timer]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto f = rt.create_task([&log]() -> actio::task<> {
    actio::call_later(2s, [&log] { log.push_back("later"); });
    actio::call_soon([&log] { log.push_back("soon"); });
    co_await actio::sleep(3s);
    log.push_back("task");
  });
  rt.run_until_complete(f);
  CHECK(log == std::vector<std::string>{"soon", "later", "task"});
}

TEST_CASE("an exception in a callback is reported and the loop goes on",
          "[timer]") {
  actio::runtime rt{virtual_time()};
  int calls = 0;
  rt.call_soon([] { throw std::runtime_error("callback failure"); });
  rt.call_later(1s, [&] {
    ++calls;
    rt.stop();
  });
  rt.run_forever();
  CHECK(calls == 1);
}

TEST_CASE("call_soon_threadsafe from another thread wakes run_forever",
          "[timer][threads]") {
  actio::test::time_limit limit{5s, "call_soon_threadsafe"};
  actio::runtime rt{actio::test::real_time()};
  std::atomic<int> calls{0};
  std::thread other([&] {
    for (int i = 0; i < 100; ++i)
      rt.call_soon_threadsafe([&calls] { ++calls; });
    rt.call_soon_threadsafe([&rt] { rt.stop(); });
  });
  rt.run_forever();
  other.join();
  CHECK(calls == 100);
}

TEST_CASE("real-time timers fire in deadline order", "[timer][threads]") {
  actio::test::time_limit limit{5s, "real-time timers"};
  actio::runtime rt{actio::test::real_time()};
  std::vector<int> order;
  for (int i = 10; i > 0; --i)
    rt.call_later(std::chrono::milliseconds(i * 5),
                  [&order, i] { order.push_back(i); });
  rt.call_later(80ms, [&rt] { rt.stop(); });
  rt.run_forever();
  CHECK(order == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
}

namespace {

/// A timer registered for the wheel tests: its deadline and rank.
struct planned {
  actio::time_point due;
  int seq;
};

/// Whether `fired` (sequence numbers in firing order) is `plan` sorted by
/// deadline, equal deadlines in scheduling order.
bool in_deadline_order(std::vector<planned> plan,
                       const std::vector<int>& fired) {
  std::stable_sort(
      plan.begin(), plan.end(),
      [](const planned& a, const planned& b) { return a.due < b.due; });
  if (plan.size() != fired.size())
    return false;
  for (std::size_t i = 0; i < plan.size(); ++i)
    if (plan[i].seq != fired[i])
      return false;
  return true;
}

} // namespace

TEST_CASE("timers near, across and far beyond the timer wheel's 4 s span "
          "fire in deadline order, equal deadlines in scheduling order",
          "[timer]") {
  actio::runtime rt{virtual_time()};
  std::mt19937 rng{7};
  // Microsecond deadlines over 20 s, a tenth of them on shared
  // milliseconds, plus a few hours away: every path of the wheel and its
  // heap, and the moves between them.
  std::uniform_int_distribution<int> us{0, 20'000'000};
  std::uniform_int_distribution<int> shared_ms{0, 20'000};
  auto start = rt.time();
  std::vector<planned> plan;
  std::vector<int> fired;
  for (int i = 0; i < 20000; ++i) {
    auto offset = i % 10 == 0 ? std::chrono::microseconds(shared_ms(rng) * 1000)
                              : std::chrono::microseconds(us(rng));
    if (i % 5000 == 1)
      offset = std::chrono::hours(3) + std::chrono::microseconds(i);
    plan.push_back({start + offset, i});
    rt.call_at(start + offset, [&fired, i] { fired.push_back(i); });
  }
  auto last = std::max_element(plan.begin(), plan.end(),
                               [](const planned& a, const planned& b) {
                                 return a.due < b.due;
                               })
                  ->due;
  rt.call_at(last, [&rt] { rt.stop(); });
  rt.run_forever();
  CHECK(in_deadline_order(plan, fired));
  CHECK(rt.time() == last);
}

TEST_CASE("a timer whose deadline has passed fires before later ones, and "
          "timers added while others fire keep deadline order",
          "[timer]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto start = rt.time();
  rt.call_at(start + 5s, [&] {
    log.push_back("at 5 s");
    rt.call_at(rt.time() - 2s, [&] { log.push_back("3 s, already past"); });
    rt.call_at(rt.time() + 1ms, [&] { log.push_back("5.001 s"); });
    rt.call_at(rt.time() + 10s, [&] { log.push_back("15 s"); });
  });
  rt.call_at(start + 6s, [&] { log.push_back("6 s"); });
  rt.call_at(start + 20s, [&] { rt.stop(); });
  rt.run_forever();
  CHECK(log == std::vector<std::string>{"at 5 s", "3 s, already past",
                                        "5.001 s", "6 s", "15 s"});
}

TEST_CASE("cancelled timers far beyond the wheel never hold the virtual "
          "clock",
          "[timer][cancel]") {
  actio::runtime rt{virtual_time()};
  auto start = rt.time();
  std::vector<actio::timer_handle> handles;
  for (int i = 0; i < 3000; ++i)
    handles.push_back(
        rt.call_later(std::chrono::seconds(10 + i), [] { FAIL("cancelled"); }));
  for (auto& h : handles)
    h.cancel();
  bool ran = false;
  rt.call_later(1ms, [&] { ran = true; });
  actio::test::run_all(rt);
  CHECK(ran);
  CHECK(rt.time() - start < 10s);
}

TEST_CASE("real-time timers registered in a burst fire in deadline order "
          "and never early, under every scheduler policy",
          "[timer][threads]") {
  auto policy = ACTIO_EVERY_SCHEDULER_POLICY();
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{10s, "a burst of real-time timers"};
  actio::runtime rt{actio::test::real_time(policy)};
  std::mt19937 rng{11};
  std::uniform_int_distribution<int> us{0, 30'000};
  // 200 ms ahead: registration ends long before the first falls due.
  auto base = rt.time() + 200ms;
  std::vector<planned> plan;
  std::vector<int> fired;
  int early = 0;
  for (int i = 0; i < 5000; ++i) {
    auto due = base + std::chrono::microseconds(us(rng));
    plan.push_back({due, i});
    rt.call_at(due, [&, due, i] {
      if (rt.time() < due)
        ++early;
      fired.push_back(i);
      if (fired.size() == 5000)
        rt.stop();
    });
  }
  rt.run_forever();
  CHECK(early == 0);
  CHECK(in_deadline_order(plan, fired));
}

namespace {

/// A callback's captures that count how many copies of them are alive (the
/// token's use count) and how often they ran; `Pad` makes it too large to
/// be stored inside its timer node.
template <std::size_t Pad>
struct counted_call {
  std::shared_ptr<int> token;
  int* runs;
  std::array<char, Pad> pad{};
  void operator()() const { ++*runs; }
};

} // namespace

TEST_CASE("callbacks stored inside their timer node and larger ones run once "
          "and release their captures once, whether they ran, were "
          "cancelled or were still pending at close",
          "[timer]") {
  static_assert(sizeof(counted_call<8>) <= actio::detail::max_inline_call);
  static_assert(sizeof(counted_call<512>) > actio::detail::max_inline_call);
  auto token = std::make_shared<int>(0);
  int small_runs = 0;
  int large_runs = 0;
  {
    actio::runtime rt{virtual_time()};
    auto now = rt.time();
    std::vector<actio::timer_handle> cancelled;
    for (int i = 0; i < 10; ++i) {
      // Due, cancelled, and pending at close, of each size.
      rt.call_at(now + 1s, counted_call<8>{token, &small_runs});
      rt.call_at(now + 1s, counted_call<512>{token, &large_runs});
      cancelled.push_back(
          rt.call_at(now + 1s, counted_call<8>{token, &small_runs}));
      cancelled.push_back(
          rt.call_at(now + 1s, counted_call<512>{token, &large_runs}));
      rt.call_at(now + 1h, counted_call<8>{token, &small_runs});
      rt.call_at(now + 1h, counted_call<512>{token, &large_runs});
    }
    rt.call_soon(counted_call<8>{token, &small_runs});
    rt.call_soon(counted_call<512>{token, &large_runs});
    for (auto& h : cancelled)
      CHECK(h.cancel());
    rt.call_at(now + 2s, [&rt] { rt.stop(); });
    rt.run_forever();
    CHECK(small_runs == 11);
    CHECK(large_runs == 11);
  }
  CHECK(token.use_count() == 1);
}

TEST_CASE("a callback that throws does not keep the callbacks due with it "
          "from running",
          "[timer]") {
  actio::runtime rt{virtual_time()};
  auto at = rt.time() + 1s;
  std::vector<int> ran;
  rt.call_at(at, [&] { ran.push_back(1); });
  rt.call_at(at, [] { throw std::runtime_error("callback failure"); });
  rt.call_at(at, [&] { ran.push_back(3); });
  rt.call_at(at + 1s, [&] { rt.stop(); });
  rt.run_forever();
  CHECK(ran == std::vector<int>{1, 3});
}

TEST_CASE("rounds of timers registered from a foreign thread, each while the "
          "last is fired and its nodes freed, run once each in deadline "
          "order under every scheduler policy",
          "[timer][threads]") {
  auto policy = ACTIO_EVERY_SCHEDULER_POLICY();
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{10s, "rounds of foreign-thread timers"};
  constexpr int rounds = 3;
  constexpr int per_round = 2000;
  auto token = std::make_shared<int>(0);
  std::vector<planned> plan;
  std::vector<int> fired; // on the loop actor only
  std::atomic<int> fired_count{0};
  int early = 0;
  {
    actio::runtime rt{actio::test::real_time(policy)};
    std::thread registrar{[&] {
      std::mt19937 rng{7};
      std::uniform_int_distribution<int> us{0, 20'000};
      for (int r = 0; r < rounds; ++r) {
        // 100 ms ahead: registration ends long before the first falls due.
        // Each round reuses the nodes the loop freed in the last one.
        auto base = rt.time() + 100ms;
        for (int i = r * per_round; i < (r + 1) * per_round; ++i) {
          auto due = base + std::chrono::microseconds(us(rng));
          plan.push_back({due, i});
          rt.call_at(due, [&, due, i, token] {
            if (rt.time() < due)
              ++early;
            fired.push_back(i);
            if (fired_count.fetch_add(1) + 1 == rounds * per_round)
              rt.stop();
          });
        }
        while (fired_count.load() < (r + 1) * per_round)
          std::this_thread::sleep_for(1ms);
      }
    }};
    rt.run_forever();
    registrar.join();
  }
  CHECK(early == 0);
  CHECK(in_deadline_order(plan, fired));
  CHECK(token.use_count() == 1);
}
