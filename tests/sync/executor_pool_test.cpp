// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/executor_pool.hpp"

#include "actio/actio.hpp"
#include "actio/metrics/runtime_metrics.hpp"
#include "support/eventually.hpp"
#include "support/metric_sample.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using actio::test::real_time;
using actio::test::time_limit;

namespace {

/// A gate that blocked jobs wait on (with a cap, so that a failing test
/// never leaves a thread behind for long).
struct gate {
  std::promise<void> open_promise;
  std::shared_future<void> opened = open_promise.get_future().share();
  void open() { open_promise.set_value(); }
};

/// Blocks until `opened` (captured by value, so that a job that outlives
/// its test never touches a dead gate).
void wait_open(const std::shared_future<void>& opened) {
  opened.wait_for(10s);
}

/// Polls the pool's counters until `pred` holds (bounded by the test's
/// time limit): the workers are threads, so there is no event to await.
template <class Pred>
actio::executor_stats wait_stats(actio::runtime& rt, actio::executor_pool& pool,
                                 Pred pred) {
  actio::executor_stats s;
  REQUIRE(actio::test::eventually([&] {
    s = rt.run_until_complete(pool.stats());
    return pred(s);
  }));
  return s;
}

/// Submits a job that waits for `g` to open, then sets `returned` and
/// returns 7; returns its future once a worker has started it.
actio::future<int>
start_gated_job(actio::executor_pool& pool, gate& g,
                std::shared_ptr<std::atomic<bool>> returned) {
  auto started = std::make_shared<std::atomic<bool>>(false);
  auto job = pool.submit([o = g.opened, started, returned] {
    *started = true;
    wait_open(o);
    *returned = true;
    return 7;
  });
  REQUIRE(actio::test::eventually([&] { return started->load(); }));
  return job;
}

int blocking_add(int a, int b) {
  std::this_thread::sleep_for(5ms);
  return a + b;
}

actio::task<int> offload(int a, int b) {
  co_return co_await actio::run_in_executor(blocking_add, a, b);
}

} // namespace

TEST_CASE("submit runs a blocking function on a worker thread and returns "
          "its result and exceptions propagate with their type",
          "[executor]") {
  time_limit limit{10s, "executor results"};
  actio::runtime rt{real_time()};
  actio::executor_pool pool{rt, {2, 0}};
  CHECK(pool.size() == 2);
  auto caller = std::this_thread::get_id();
  auto tid = rt.run_until_complete(
      pool.submit([] { return std::this_thread::get_id(); }));
  CHECK(tid != caller);
  CHECK(rt.run_until_complete(pool.submit(blocking_add, 2, 3)) == 5);
  auto bad = pool.submit([]() -> int { throw std::out_of_range("no such"); });
  CHECK_THROWS_AS(rt.run_until_complete(bad), std::out_of_range);
  rt.run_until_complete(pool.submit([] {}));
  auto s = wait_stats(rt, pool, [](auto& x) { return x.completed == 4; });
  CHECK(s.failed == 1);
  CHECK(s.running == 0);
  CHECK(s.queued == 0);
}

TEST_CASE("run_in_executor uses the runtime's default pool from a task",
          "[executor]") {
  time_limit limit{10s, "run_in_executor"};
  actio::runtime rt{real_time()};
  CHECK(rt.run_until_complete(rt.create_task(offload, 20, 22)) == 42);
  CHECK(actio::default_executor(rt).size() >= 1);
  CHECK(actio::default_executor(rt) == actio::default_executor(rt));
}

TEST_CASE("set_default_executor replaces the default pool with a configured "
          "one",
          "[executor]") {
  time_limit limit{10s, "set_default_executor"};
  actio::runtime rt{real_time()};
  auto before = actio::default_executor(rt);
  CHECK(before.size() >= 5);
  actio::set_default_executor(rt, {3, 0});
  CHECK(actio::default_executor(rt).size() == 3);
  CHECK_FALSE(actio::default_executor(rt) == before);
  CHECK(rt.run_until_complete(rt.create_task(offload, 1, 2)) == 3);
}

TEST_CASE("a job cancelled before a worker starts it never runs",
          "[executor]") {
  time_limit limit{10s, "executor cancel"};
  actio::runtime rt{real_time()};
  actio::executor_pool pool{rt, {1, 0}};
  gate g;
  std::atomic<bool> ran{false};
  auto blocker = pool.submit([o = g.opened] {
    wait_open(o);
    return 1;
  });
  wait_stats(rt, pool, [](auto& s) { return s.running == 1; });
  auto victim = pool.submit([&ran] { ran = true; });
  wait_stats(rt, pool, [](auto& s) { return s.queued == 1; });
  CHECK(victim.cancel());
  CHECK(victim.cancelled());
  g.open();
  CHECK(rt.run_until_complete(blocker) == 1);
  auto s = wait_stats(rt, pool, [](auto& x) { return x.completed == 1; });
  CHECK(s.cancelled == 1);
  CHECK_FALSE(ran.load());
}

TEST_CASE("cancelling a running job does not stop it: cancel() returns false "
          "and the result still arrives",
          "[executor]") {
  time_limit limit{10s, "executor running cancel"};
  actio::runtime rt{real_time()};
  actio::executor_pool pool{rt, {1, 0}};
  gate g;
  auto returned = std::make_shared<std::atomic<bool>>(false);
  auto job = start_gated_job(pool, g, returned);
  CHECK_FALSE(job.cancel());
  g.open();
  CHECK(rt.run_until_complete(job) == 7);
}

TEST_CASE("a task cancelled while it awaits a running job ends cancelled "
          "once the job has returned, never before",
          "[executor][cancel]") {
  time_limit limit{10s, "cancel while awaiting a running job"};
  actio::runtime rt{real_time()};
  actio::executor_pool pool{rt, {1, 0}};
  gate g;
  auto returned = std::make_shared<std::atomic<bool>>(false);
  auto job = start_gated_job(pool, g, returned);
  auto awaiting = std::make_shared<std::atomic<bool>>(false);
  auto waiter = rt.create_task([job, awaiting]() -> actio::task<int> {
    *awaiting = true; // a cancel from now on is delivered at the co_await
    co_return co_await job;
  });
  REQUIRE(actio::test::eventually([&] { return awaiting->load(); }));
  waiter.cancel();
  rt.run_until_complete(rt.create_task(
      []() -> actio::task<void> { co_await actio::sleep(50ms); }));
  CHECK_FALSE(waiter.done()); // the job still runs: the task waits for it
  g.open();
  CHECK_THROWS_AS(rt.run_until_complete(waiter), actio::cancelled_error);
  CHECK(returned->load());
  CHECK(job.result() == 7);
}

TEST_CASE("a bounded job queue makes further submissions wait for room, in "
          "order",
          "[executor]") {
  time_limit limit{10s, "executor backpressure"};
  actio::runtime rt{real_time()};
  actio::executor_pool pool{rt, {1, 1}};
  gate g;
  std::vector<int> order;
  auto a = pool.submit([&, o = g.opened] {
    wait_open(o);
    order.push_back(1);
  });
  wait_stats(rt, pool, [](auto& s) { return s.running == 1; });
  auto b = pool.submit([&] { order.push_back(2); });
  auto c = pool.submit([&] { order.push_back(3); });
  auto s = wait_stats(rt, pool, [](auto& x) { return x.waiting_room == 1; });
  CHECK(s.queued == 1);
  g.open();
  rt.run_until_complete(actio::gather(a, b, c));
  CHECK(order == std::vector<int>{1, 2, 3});
}

TEST_CASE("shutdown fails queued jobs at once, lets a running job finish "
          "within the deadline, and rejects later submissions",
          "[executor]") {
  time_limit limit{10s, "executor shutdown"};
  actio::runtime rt{real_time()};
  actio::executor_pool pool{rt, {1, 0}};
  gate g;
  auto running = pool.submit([o = g.opened] {
    wait_open(o);
    return std::string{"done"};
  });
  wait_stats(rt, pool, [](auto& s) { return s.running == 1; });
  auto queued = pool.submit([] { return std::string{"never"}; });
  wait_stats(rt, pool, [](auto& s) { return s.queued == 1; });
  auto down = pool.shutdown(5s);
  CHECK_THROWS_AS(rt.run_until_complete(queued), actio::executor_shutdown);
  CHECK_FALSE(down.done());
  g.open();
  CHECK(rt.run_until_complete(running) == "done");
  CHECK(rt.run_until_complete(down));
  CHECK_THROWS_AS(rt.run_until_complete(pool.submit([] { return 1; })),
                  actio::executor_shutdown);
  auto s = rt.run_until_complete(pool.stats());
  CHECK(s.shut_down);
  CHECK(s.rejected == 2);
  CHECK(s.completed == 1);
}

TEST_CASE("shutdown whose deadline passes fails the running job's future "
          "and reports false",
          "[executor]") {
  time_limit limit{10s, "executor shutdown deadline"};
  actio::runtime rt{real_time()};
  actio::executor_pool pool{rt, {1, 0}};
  gate g;
  auto stuck = pool.submit([o = g.opened] {
    wait_open(o);
    return 1;
  });
  wait_stats(rt, pool, [](auto& s) { return s.running == 1; });
  auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(rt.run_until_complete(pool.shutdown(50ms)));
  CHECK(std::chrono::steady_clock::now() - start < 2s);
  CHECK_THROWS_WITH(rt.run_until_complete(stuck),
                    "job still running at the shutdown deadline");
  g.open();
}

TEST_CASE("the runtime's close returns promptly while a worker is blocked in "
          "a job",
          "[executor]") {
  time_limit limit{10s, "close with a blocked worker"};
  gate g;
  auto opts = real_time();
  opts.shutdown_timeout = 100ms;
  auto rt = std::make_unique<actio::runtime>(opts);
  auto stuck =
      actio::default_executor(*rt).submit([o = g.opened] { wait_open(o); });
  auto start = std::chrono::steady_clock::now();
  REQUIRE(actio::test::eventually([&] {
    return rt->run_until_complete(actio::default_executor(*rt).stats())
               .running != 0;
  }));
  rt->close();
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(took < 2s);
  CHECK(stuck.done());
  CHECK_THROWS_AS(stuck.result(), actio::executor_shutdown);
  g.open();
  rt.reset();
}

TEST_CASE("an executor pool refuses a virtual-time runtime", "[executor]") {
  actio::runtime rt{actio::test::virtual_time()};
  CHECK_THROWS_AS(actio::executor_pool(rt), actio::runtime_error);
}

TEST_CASE("dropping the last pool handle ends its workers without waiting "
          "for idle ones",
          "[executor]") {
  time_limit limit{10s, "pool drop"};
  actio::runtime rt{real_time()};
  auto start = std::chrono::steady_clock::now();
  {
    actio::executor_pool pool{rt, {4, 0}};
    CHECK(rt.run_until_complete(pool.submit([] { return 3; })) == 3);
  }
  rt.close();
  CHECK(std::chrono::steady_clock::now() - start < 900ms);
}

TEST_CASE("an executor pool shows its queue, busy workers and job outcomes "
          "in the runtime's metrics",
          "[executor][metrics]") {
  time_limit limit{20s, "executor metrics"};
  actio::runtime rt{real_time()};
  actio::executor_pool pool{rt, {1, 0}};
  auto scrape = [&] { return actio::metrics(rt).render(); };
  // This pool's label is its number in the process: find it by its
  // single worker.
  std::string label;
  {
    auto text = scrape();
    auto at = text.rfind("actio_executor_workers{pool=\"");
    REQUIRE(at != std::string::npos);
    auto start = at + std::string{"actio_executor_workers{pool=\""}.size();
    label = text.substr(start, text.find('"', start) - start);
  }
  auto series = [&](const std::string& name, const std::string& extra = "") {
    return actio::test::metric_sample(scrape(), name + "{pool=\"" + label +
                                                    "\"" + extra + "}");
  };
  CHECK(series("actio_executor_workers") == 1.0);
  gate g;
  auto returned = std::make_shared<std::atomic<bool>>(false);
  auto first = start_gated_job(pool, g, returned);
  auto second = pool.submit([] { return 1; });
  auto third = pool.submit([]() -> int { throw std::runtime_error("x"); });
  CHECK(actio::test::eventually([&] {
    return series("actio_executor_busy_workers") == 1.0 &&
           series("actio_executor_queued") == 2.0;
  }));
  g.open();
  rt.run_until_complete(first);
  rt.run_until_complete(second);
  CHECK_THROWS(rt.run_until_complete(third));
  CHECK(actio::test::eventually([&] {
    return series("actio_executor_jobs_total", ",outcome=\"returned\"") ==
               2.0 &&
           series("actio_executor_jobs_total", ",outcome=\"threw\"") == 1.0 &&
           series("actio_executor_busy_workers") == 0.0 &&
           series("actio_executor_queued") == 0.0;
  }));
}
