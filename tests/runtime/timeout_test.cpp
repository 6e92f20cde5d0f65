// SPDX-License-Identifier: Apache-2.0
#include "actio/timeout.hpp"

#include "actio/actio.hpp"
#include "support/every_policy.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using actio::test::time_limit;
using actio::test::virtual_time;
using log_t = std::vector<std::string>;

namespace {

actio::task<int> value_after(std::chrono::milliseconds d, int v) {
  co_await actio::sleep(d);
  co_return v;
}

actio::task<int> child(log_t* log) {
  try {
    co_await actio::sleep(100ms);
  } catch (const actio::cancelled_error&) {
    log->push_back("child cancelled");
    throw;
  }
  co_return 2;
}

actio::task<> inline_sleep(std::chrono::milliseconds d) {
  co_await actio::sleep(d);
}

/// Three awaits of different kinds, 100 ms each: a sleep, a child task's
/// future, a coroutine awaited inline.
actio::task<int> three_awaits(log_t* log) {
  try {
    co_await actio::sleep(100ms);
    log->push_back("a");
    co_await actio::create_task(child, log);
    log->push_back("b");
    co_await inline_sleep(100ms);
    log->push_back("c");
  } catch (const actio::cancelled_error&) {
    log->push_back("cancelled");
    throw;
  }
  co_return 3;
}

/// `three_awaits` under a deadline `d` from now; logs how it ended.
actio::task<int> scoped_three(std::chrono::milliseconds d, log_t* log) {
  try {
    co_return co_await actio::timeout(d, three_awaits, log);
  } catch (const actio::timeout_error&) {
    log->push_back("timeout");
  } catch (const actio::cancelled_error&) {
    log->push_back("outer cancelled");
    throw;
  }
  co_return -1;
}

actio::task<std::string> report_scope(const actio::deadline_scope& scope,
                                      actio::time_point* when) {
  *when = scope.when();
  try {
    co_await actio::sleep(10ms);
  } catch (const actio::cancelled_error&) {
  }
  co_return scope.expired() ? "expired" : "in time";
}

/// Sleeps `d`; on cancel, takes `cleanup` before it ends cancelled.
actio::task<int> slow_cleanup(std::chrono::milliseconds d,
                              std::chrono::milliseconds cleanup, log_t* log) {
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

actio::task<int> await_slow_cleanup(log_t* log) {
  co_return co_await actio::create_task(slow_cleanup, 10s, 500ms, log);
}

actio::task<int> scope_around_slow_cleanup(std::chrono::milliseconds d,
                                           log_t* log) {
  try {
    co_return co_await actio::timeout(d, await_slow_cleanup, log);
  } catch (const actio::timeout_error&) {
    log->push_back("timeout");
  }
  co_return -1;
}

// -- nested scopes -----------------------------------------------------------

actio::task<int> inner_block(std::chrono::milliseconds inner_d,
                             std::chrono::milliseconds sleep_d,
                             actio::deadline_scope* inner) {
  co_return co_await actio::timeout(
      inner_d,
      [inner, sleep_d](const actio::deadline_scope& s) -> actio::task<int> {
        *inner = s;
        co_await actio::sleep(sleep_d);
        co_return 1;
      });
}

actio::task<int> outer_block(const actio::deadline_scope& outer,
                             std::chrono::milliseconds inner_d,
                             std::chrono::milliseconds sleep_d,
                             actio::deadline_scope* inner, log_t* log) {
  (void)outer;
  try {
    co_await inner_block(inner_d, sleep_d, inner);
    log->push_back("inner in time");
  } catch (const actio::timeout_error&) {
    log->push_back("inner timeout");
  }
  co_await actio::sleep(50ms);
  log->push_back("outer body done");
  co_return 7;
}

actio::task<int> nested(std::chrono::milliseconds outer_d,
                        std::chrono::milliseconds inner_d,
                        std::chrono::milliseconds sleep_d,
                        actio::deadline_scope* outer,
                        actio::deadline_scope* inner, log_t* log) {
  try {
    co_return co_await actio::timeout(
        outer_d, [&](const actio::deadline_scope& s) -> actio::task<int> {
          *outer = s;
          return outer_block(s, inner_d, sleep_d, inner, log);
        });
  } catch (const actio::timeout_error&) {
    log->push_back("outer timeout");
  }
  co_return -1;
}

// -- reschedule, past deadlines, swallowed cancels ---------------------------

actio::task<int> extend_then_sleep(const actio::deadline_scope& s,
                                   std::chrono::milliseconds by) {
  co_await actio::sleep(50ms);
  s.reschedule(s.when() + by);
  co_await actio::sleep(100ms);
  co_return 1;
}

actio::task<std::string>
reschedule_after_expiry(const actio::deadline_scope& s) {
  try {
    co_await actio::sleep(1s);
  } catch (const actio::cancelled_error&) {
  }
  try {
    s.reschedule(s.when() + 1s);
  } catch (const actio::invalid_state_error&) {
    co_return "refused";
  }
  co_return "accepted";
}

actio::task<std::string> log_then_sleep(log_t* log) {
  log->push_back("started");
  co_await actio::sleep(1ms);
  log->push_back("after first await");
  co_return "done";
}

actio::task<int> no_await() {
  co_return 5;
}

actio::task<int> keep_handle(const actio::deadline_scope& s,
                             actio::deadline_scope* out) {
  *out = s;
  co_await actio::sleep(1ms);
  co_return 1;
}

actio::task<std::string> reschedule_from_here(actio::deadline_scope s) {
  try {
    s.reschedule(actio::time_point::max());
  } catch (const actio::invalid_state_error&) {
    co_return "refused";
  }
  co_return "accepted";
}

actio::task<std::string>
reschedule_from_other_task(const actio::deadline_scope& s) {
  auto r = co_await actio::create_task(reschedule_from_here, s);
  co_await actio::sleep(10ms);
  co_return r;
}

/// Swallows the first cancel and sleeps on: an expired scope awaiting it
/// waits for the next cancel (the runtime's close).
actio::task<int> ignore_first_cancel() {
  try {
    co_await actio::sleep(1h);
  } catch (const actio::cancelled_error&) {
  }
  co_await actio::sleep(1h);
  co_return 0;
}

actio::task<int> await_ignorer() {
  co_return co_await actio::create_task(ignore_first_cancel);
}

} // namespace

TEST_CASE("a block that ends before its deadline returns its value and the "
          "scope has not expired",
          "[timeout]") {
  actio::runtime rt{virtual_time()};
  log_t log;
  auto start = rt.time();
  CHECK(rt.run_until_complete(rt.create_task(scoped_three, 1s, &log)) == 3);
  CHECK(rt.time() - start == 300ms);
  CHECK(log == log_t{"a", "b", "c"});

  actio::time_point when{};
  start = rt.time();
  CHECK(rt.run_until_complete(actio::timeout(1s, report_scope, &when)) ==
        "in time");
  CHECK(when == start + 1s);
  CHECK(rt.run_until_complete(actio::timeout_at(rt.time() + 5ms, report_scope,
                                                &when)) == "expired");
}

TEST_CASE("an expired deadline cancels the pending await at each await point "
          "and the scope raises timeout_error at the deadline",
          "[timeout][cancel]") {
  actio::runtime rt{virtual_time()};
  auto point = GENERATE(0, 1, 2);
  CAPTURE(point);
  log_t log;
  auto deadline = std::chrono::milliseconds{50 + 100 * point};
  auto start = rt.time();
  CHECK(rt.run_until_complete(rt.create_task(scoped_three, deadline, &log)) ==
        -1);
  CHECK(rt.time() - start == deadline);
  std::vector<log_t> expected{{"cancelled", "timeout"},
                              {"a", "child cancelled", "cancelled", "timeout"},
                              {"a", "b", "cancelled", "timeout"}};
  CHECK(log == expected[static_cast<std::size_t>(point)]);
}

TEST_CASE("a cancel from outside the scope stays cancelled_error at each await "
          "point",
          "[timeout][cancel]") {
  actio::runtime rt{virtual_time()};
  auto point = GENERATE(0, 1, 2);
  CAPTURE(point);
  log_t log;
  auto f = rt.create_task(scoped_three, 1s, &log);
  rt.call_later(std::chrono::milliseconds{50 + 100 * point},
                [f] { f.cancel(); });
  CHECK_THROWS_AS(rt.run_until_complete(f), actio::cancelled_error);
  rt.run_until_complete(value_after(200ms, 0));
  std::sort(log.begin(), log.end());
  std::vector<log_t> expected{
      {"cancelled", "outer cancelled"},
      {"a", "cancelled", "child cancelled", "outer cancelled"},
      {"a", "b", "cancelled", "outer cancelled"}};
  CHECK(log == expected[static_cast<std::size_t>(point)]);
}

TEST_CASE("the scope raises timeout_error only once an awaited task has "
          "finished reacting to the cancel, as wait_for does",
          "[timeout][cancel]") {
  actio::runtime rt{virtual_time()};
  log_t log;
  auto start = rt.time();
  CHECK(rt.run_until_complete(
            rt.create_task(scope_around_slow_cleanup, 1000ms, &log)) == -1);
  CHECK(log == log_t{"w:cancelled", "timeout"});
  CHECK(rt.time() - start == 1500ms);
}

TEST_CASE("a cancel from outside while the expired scope waits for the "
          "awaited task stays cancelled_error, raised once that task has "
          "cleaned up (asyncio waits the same way)",
          "[timeout][cancel]") {
  actio::runtime rt{virtual_time()};
  log_t log;
  auto f = rt.create_task(scope_around_slow_cleanup, 100ms, &log);
  rt.call_later(200ms, [f] { f.cancel(); });
  auto start = rt.time();
  CHECK_THROWS_AS(rt.run_until_complete(f), actio::cancelled_error);
  CHECK(rt.time() - start == 600ms);
  CHECK(log == log_t{"w:cancelled"});
}

TEST_CASE("nested scopes: the inner deadline expires first and its "
          "timeout_error can be caught inside the outer scope",
          "[timeout][nested]") {
  actio::runtime rt{virtual_time()};
  log_t log;
  actio::deadline_scope outer, inner;
  auto start = rt.time();
  CHECK(rt.run_until_complete(rt.create_task(nested, 1s, 100ms, 500ms, &outer,
                                             &inner, &log)) == 7);
  CHECK(rt.time() - start == 150ms);
  CHECK(log == log_t{"inner timeout", "outer body done"});
  CHECK(inner.expired());
  CHECK_FALSE(outer.expired());
}

TEST_CASE("nested scopes: an outer deadline passing first goes through the "
          "inner scope as a cancel and the outer scope raises timeout_error",
          "[timeout][nested]") {
  actio::runtime rt{virtual_time()};
  log_t log;
  actio::deadline_scope outer, inner;
  auto start = rt.time();
  CHECK(rt.run_until_complete(rt.create_task(nested, 100ms, 1s, 500ms, &outer,
                                             &inner, &log)) == -1);
  CHECK(rt.time() - start == 100ms);
  CHECK(log == log_t{"outer timeout"});
  CHECK(outer.expired());
  CHECK_FALSE(inner.expired());
}

TEST_CASE("nested scopes whose deadlines pass together: the outermost one "
          "raises timeout_error",
          "[timeout][nested]") {
  actio::runtime rt{virtual_time()};
  log_t log;
  actio::deadline_scope outer, inner;
  CHECK(rt.run_until_complete(rt.create_task(nested, 100ms, 100ms, 500ms,
                                             &outer, &inner, &log)) == -1);
  CHECK(log == log_t{"outer timeout"});
  CHECK(outer.expired());
  CHECK(inner.expired());
}

TEST_CASE("reschedule moves the deadline later or earlier, and time_point "
          "max removes it",
          "[timeout][reschedule]") {
  actio::runtime rt{virtual_time()};
  auto start = rt.time();
  CHECK(rt.run_until_complete(actio::timeout(100ms, extend_then_sleep, 1s)) ==
        1);
  CHECK(rt.time() - start == 150ms);
  start = rt.time();
  CHECK_THROWS_AS(
      rt.run_until_complete(actio::timeout(1s, extend_then_sleep, -940ms)),
      actio::timeout_error);
  CHECK(rt.time() - start == 60ms);
  CHECK(rt.run_until_complete(actio::timeout(
            100ms, extend_then_sleep,
            std::chrono::duration_cast<std::chrono::milliseconds>(
                actio::time_point::max() - rt.time() - 10s))) == 1);
}

TEST_CASE("a deadline in the past expires at the first await that suspends; "
          "a block without one returns normally",
          "[timeout][bad_input]") {
  actio::runtime rt{virtual_time()};
  log_t log;
  auto start = rt.time();
  CHECK_THROWS_AS(rt.run_until_complete(
                      actio::timeout_at(rt.time() - 1s, log_then_sleep, &log)),
                  actio::timeout_error);
  CHECK_THROWS_AS(
      rt.run_until_complete(actio::timeout(0s, log_then_sleep, &log)),
      actio::timeout_error);
  CHECK_THROWS_AS(
      rt.run_until_complete(actio::timeout(-5s, log_then_sleep, &log)),
      actio::timeout_error);
  CHECK(rt.time() - start == 0s);
  CHECK(log == log_t{"started", "started", "started"});
  CHECK(rt.run_until_complete(actio::timeout(-1s, no_await)) == 5);
}

TEST_CASE("a block that catches the expiry's cancel ends normally, the scope "
          "reports expired, and reschedule is refused",
          "[timeout][bad_input]") {
  actio::runtime rt{virtual_time()};
  CHECK(rt.run_until_complete(actio::timeout(100ms, reschedule_after_expiry)) ==
        "refused");
}

TEST_CASE("a scope's handle outlives the scope: when and expired still "
          "answer, reschedule throws invalid_state_error, also from another "
          "task",
          "[timeout][bad_input]") {
  actio::runtime rt{virtual_time()};
  actio::deadline_scope kept;
  auto start = rt.time();
  CHECK(rt.run_until_complete(actio::timeout(1s, keep_handle, &kept)) == 1);
  CHECK(kept.when() == start + 1s);
  CHECK_FALSE(kept.expired());
  CHECK_THROWS_AS(kept.reschedule(rt.time() + 1s), actio::invalid_state_error);
  actio::deadline_scope empty;
  CHECK(empty.when() == actio::time_point::max());
  CHECK_FALSE(empty.expired());
  CHECK_THROWS_AS(empty.reschedule(rt.time()), actio::invalid_state_error);
  CHECK(rt.run_until_complete(actio::timeout(1s, reschedule_from_other_task)) ==
        "refused");
}

TEST_CASE("a scope awaited outside an actio task is refused", "[timeout]") {
  actio::runtime rt{virtual_time()};
  bool refused = false;
  rt.call_soon([&] {
    try {
      actio::detail::scope_guard g{1s};
    } catch (const actio::runtime_error&) {
      refused = true;
    }
  });
  rt.run_until_complete(value_after(1ms, 0));
  CHECK(refused);
}

TEST_CASE("closing the runtime with tasks inside scopes never hangs",
          "[timeout][shutdown]") {
  time_limit limit{10s, "closing with tasks inside deadline scopes"};
  log_t log;
  {
    actio::runtime rt{virtual_time()};
    rt.create_task(scoped_three, 1h, &log);
    // expired, and waiting for a task that swallowed the expiry's cancel
    rt.create_task([]() -> actio::task<int> {
      co_return co_await actio::timeout(1ms, await_ignorer);
    });
    rt.run_until_complete(value_after(10ms, 0));
  }
  {
    actio::runtime rt{actio::test::real_time()};
    rt.create_task(scoped_three, 1h, &log);
    rt.run_until_complete(value_after(10ms, 0));
  }
  SUCCEED();
}

namespace {

actio::task<int> await_promise(actio::future<int> f) {
  co_return co_await f;
}

/// The scope's timer racing the awaited result: `rounds` times, a promise is
/// set from a foreign thread at about the deadline.
actio::task<int> race_rounds(int rounds) {
  int values = 0;
  for (int i = 0; i < rounds; ++i) {
    actio::promise<int> p;
    auto f = p.get_future();
    std::thread setter{[p = std::move(p), i]() mutable {
      std::this_thread::sleep_for(
          std::chrono::microseconds{900 + (i % 5) * 50});
      p.set_value(i);
    }};
    try {
      values += co_await actio::timeout(1ms, await_promise, f) == i ? 1 : 0;
    } catch (const actio::timeout_error&) {
    }
    setter.join();
    co_await actio::sleep(0ms);
  }
  co_return values;
}

} // namespace

TEST_CASE("a scope's timer racing the awaited result gives the value or "
          "timeout_error, never a hang, under every scheduler policy",
          "[timeout][threads]") {
  auto policy = ACTIO_EVERY_SCHEDULER_POLICY();
  CAPTURE(actio::to_string(policy));
  time_limit limit{2s, "deadline scope racing its awaited result"};
  actio::runtime rt{actio::test::real_time(policy)};
  auto values = rt.run_until_complete(rt.create_task(race_rounds, 200));
  CHECK(values >= 0);
  CHECK(values <= 200);
}
