// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/queue.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"
#include "sync/counting.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::counting;
using actio::test::elapsed;
using actio::test::run_all;
using actio::test::settle;
using actio::test::virtual_time;

namespace {

template <class Q>
std::vector<int> drain(actio::runtime& rt, Q& q, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i)
    out.push_back(rt.run_until_complete(q.get()));
  return out;
}

actio::task<void> producer(actio::queue<int> q, int n,
                           std::vector<double>* put_times,
                           actio::time_point start) {
  for (int i = 0; i < n; ++i) {
    co_await q.put(i);
    put_times->push_back(
        std::chrono::duration<double>(actio::runtime::current()->time() - start)
            .count());
  }
}

actio::task<std::vector<int>> slow_consumer(actio::queue<int> q, int n) {
  std::vector<int> got;
  for (int i = 0; i < n; ++i) {
    co_await actio::sleep(1s);
    got.push_back(co_await q.get());
  }
  co_return got;
}

actio::task<int> get_one(actio::queue<int> q) {
  co_return co_await q.get();
}

} // namespace

TEST_CASE("queue returns items first in, first out, lifo_queue last in, "
          "first out and priority_queue smallest first",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> fifo{rt};
  actio::lifo_queue<int> lifo{rt};
  actio::priority_queue<int> prio{rt};
  for (int v : {3, 1, 4, 1, 5}) {
    fifo.put(v);
    lifo.put(v);
    prio.put(v);
  }
  CHECK(drain(rt, fifo, 5) == std::vector<int>{3, 1, 4, 1, 5});
  CHECK(drain(rt, lifo, 5) == std::vector<int>{5, 1, 4, 1, 3});
  CHECK(drain(rt, prio, 5) == std::vector<int>{1, 1, 3, 4, 5});
}

TEST_CASE("priority_queue honours a custom comparator", "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::priority_queue<int, std::greater<int>> q{rt};
  for (int v : {2, 9, 4})
    q.put(v);
  CHECK(drain(rt, q, 3) == std::vector<int>{9, 4, 2});
}

TEST_CASE("waiting getters are served first come, first served, and a "
          "cancelled getter is skipped without consuming an item",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt};
  auto g1 = q.get();
  auto g2 = q.get();
  auto g3 = q.get();
  auto g4 = q.get();
  run_all(rt);
  CHECK_FALSE(g1.done());
  CHECK(g2.cancel());
  q.put(10);
  q.put(20);
  q.put(30);
  CHECK(rt.run_until_complete(g1) == 10);
  CHECK(rt.run_until_complete(g3) == 20);
  CHECK(rt.run_until_complete(g4) == 30);
  CHECK(g2.cancelled());
  CHECK(rt.run_until_complete(q.qsize()) == 0);
}

TEST_CASE("a put on a full queue waits for room, and waiting putters are "
          "admitted in order",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt, 1};
  auto p0 = q.put(0);
  auto p1 = q.put(1);
  auto p2 = q.put(2);
  run_all(rt);
  CHECK(p0.done());
  CHECK_FALSE(p1.done());
  CHECK_FALSE(p2.done());
  CHECK(rt.run_until_complete(q.full()));
  CHECK(rt.run_until_complete(q.get()) == 0);
  run_all(rt);
  CHECK(p1.done());
  CHECK_FALSE(p2.done());
  CHECK(drain(rt, q, 2) == std::vector<int>{1, 2});
  CHECK(p2.done());
  CHECK(rt.run_until_complete(q.empty()));
}

TEST_CASE("backpressure: a producer on a bounded queue runs only as fast as "
          "its consumer",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt, 2};
  std::vector<double> put_times;
  auto start = rt.time();
  auto prod = rt.create_task(producer, q, 6, &put_times, start);
  auto got = rt.run_until_complete(rt.create_task(slow_consumer, q, 6));
  rt.run_until_complete(prod);
  CHECK(got == std::vector<int>{0, 1, 2, 3, 4, 5});
  REQUIRE(put_times.size() == 6);
  CHECK(put_times[0] == Approx(0.0));
  CHECK(put_times[1] == Approx(0.0));
  CHECK(put_times[2] == Approx(1.0));
  CHECK(put_times[5] == Approx(4.0));
  CHECK(elapsed(rt, start) == Approx(6.0).margin(0.01));
}

TEST_CASE("put_nowait on a full queue fails with queue_full and get_nowait on "
          "an empty one with queue_empty",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt, 1};
  CHECK_THROWS_AS(rt.run_until_complete(q.get_nowait()), actio::queue_empty);
  rt.run_until_complete(q.put_nowait(7));
  CHECK_THROWS_AS(rt.run_until_complete(q.put_nowait(8)), actio::queue_full);
  CHECK_THROWS_WITH(rt.run_until_complete(q.put_nowait(8)), "queue is full");
  CHECK(rt.run_until_complete(q.get_nowait()) == 7);
  CHECK(rt.run_until_complete(q.qsize()) == 0);
}

TEST_CASE("put_nowait hands an item straight to a waiting getter even on a "
          "bounded queue",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt, 1};
  auto g = q.get();
  rt.run_until_complete(q.put_nowait(1));
  rt.run_until_complete(q.put_nowait(2));
  CHECK(rt.run_until_complete(g) == 1);
  CHECK(rt.run_until_complete(q.get()) == 2);
}

TEST_CASE("close keeps queued items for getters, fails waiting and later "
          "putters, and fails getters once drained",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt, 2};
  q.put(1);
  q.put(2);
  auto blocked = q.put(3);
  run_all(rt);
  CHECK_FALSE(blocked.done());
  q.close();
  CHECK_THROWS_AS(rt.run_until_complete(blocked), actio::queue_closed);
  CHECK_THROWS_AS(rt.run_until_complete(q.put(4)), actio::queue_closed);
  CHECK(drain(rt, q, 2) == std::vector<int>{1, 2});
  CHECK_THROWS_AS(rt.run_until_complete(q.get()), actio::queue_closed);
  CHECK_THROWS_AS(rt.run_until_complete(q.get_nowait()), actio::queue_closed);
}

TEST_CASE("close wakes every waiting getter with queue_closed", "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt};
  auto a = rt.create_task(get_one, q);
  auto b = rt.create_task(get_one, q);
  run_all(rt);
  q.close();
  CHECK_THROWS_AS(rt.run_until_complete(a), actio::queue_closed);
  CHECK_THROWS_AS(rt.run_until_complete(b), actio::queue_closed);
}

TEST_CASE("items are moved through put, get, put_batch and get_batch, never "
          "copied",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  counting::reset();
  actio::queue<counting> q{rt, 4};
  auto g = q.get();
  q.put(counting{1});
  q.put(counting{2});
  std::vector<counting> batch;
  batch.reserve(3);
  for (int i = 3; i <= 5; ++i)
    batch.emplace_back(i);
  q.put_batch(std::move(batch));
  CHECK(rt.run_until_complete(std::move(g)).value == 1);
  auto rest = rt.run_until_complete(q.get_batch(10));
  REQUIRE(rest.size() == 4);
  CHECK(rest.front().value == 2);
  CHECK(rest.back().value == 5);
  CHECK(counting::copies == 0);
  CHECK(counting::moves > 0);
}

namespace {
struct by_value {
  bool operator()(const counting& a, const counting& b) const {
    return a.value < b.value;
  }
};
} // namespace

TEST_CASE("lifo and priority queues move items too, never copy them",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  counting::reset();
  actio::lifo_queue<counting> lifo{rt};
  actio::priority_queue<counting, by_value> prio{rt};
  for (int v : {5, 3, 8, 1}) {
    lifo.put(counting{v});
    prio.put(counting{v});
  }
  CHECK(rt.run_until_complete(lifo.get()).value == 1);
  auto smallest = rt.run_until_complete(prio.get_batch(2));
  REQUIRE(smallest.size() == 2);
  CHECK(smallest[0].value == 1);
  CHECK(smallest[1].value == 3);
  CHECK(rt.run_until_complete(prio.get()).value == 5);
  CHECK(counting::copies == 0);
}

TEST_CASE("put_batch fills a bounded queue in order and waits for room for "
          "the rest",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt, 2};
  auto p = q.put_batch({1, 2, 3, 4, 5});
  run_all(rt);
  CHECK_FALSE(p.done());
  CHECK(rt.run_until_complete(q.get_batch(10)) == std::vector<int>{1, 2});
  CHECK(rt.run_until_complete(q.get_batch(1)) == std::vector<int>{3});
  CHECK(rt.run_until_complete(q.get_batch(10)) == std::vector<int>{4, 5});
  CHECK(p.done());
}

TEST_CASE("join completes once every item put was marked task_done, and an "
          "extra task_done fails",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<std::string> q{rt};
  q.put("a");
  q.put("b");
  auto joined = q.join();
  CHECK(rt.run_until_complete(q.get()) == "a");
  q.task_done();
  run_all(rt);
  CHECK_FALSE(joined.done());
  CHECK(rt.run_until_complete(q.get()) == "b");
  rt.run_until_complete(q.task_done());
  rt.run_until_complete(joined);
  CHECK_THROWS_AS(rt.run_until_complete(q.task_done()),
                  actio::invalid_state_error);
}

TEST_CASE("a getter task cancelled after its item was delivered gives the "
          "item back to the front of the queue",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt};
  auto t = rt.create_task(get_one, q);
  run_all(rt);
  q.put(42);
  q.put(43);
  t.cancel();
  CHECK_THROWS_AS(rt.run_until_complete(t), actio::cancelled_error);
  CHECK(rt.run_until_complete(q.get()) == 42);
  CHECK(rt.run_until_complete(q.get()) == 43);
}

TEST_CASE("an item served to a get whose future is dropped unread goes "
          "back to the front of the queue",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt};
  {
    auto f = q.get();
    q.put(7);
    q.put(8);
    run_all(rt);
    REQUIRE(f.done());
  }
  run_all(rt);
  CHECK(rt.run_until_complete(q.qsize()) == 2);
  CHECK(drain(rt, q, 2) == std::vector<int>{7, 8});
}

TEST_CASE("an item read from its future is not given back when the future "
          "goes",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt};
  q.put(1);
  q.put(2);
  {
    auto f = q.get();
    CHECK(rt.run_until_complete(f) == 1);
  }
  run_all(rt);
  CHECK(rt.run_until_complete(q.qsize()) == 1);
  CHECK(rt.run_until_complete(q.get()) == 2);
}

TEST_CASE("a gather that fails after one of its gets was served gives the "
          "item back to the queue",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt};
  q.put(5);
  auto fail_later = []() -> actio::task<int> {
    co_await actio::sleep(10ms);
    throw std::runtime_error("boom");
  };
  {
    auto g = actio::gather(q.get(), rt.create_task(fail_later));
    CHECK_THROWS_WITH(rt.run_until_complete(g), "boom");
  }
  run_all(rt);
  CHECK(rt.run_until_complete(q.get()) == 5);
}

TEST_CASE("a cancelled waiting put never adds its item", "[queue]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q{rt, 1};
  q.put(1);
  auto p = q.put(2);
  auto p3 = q.put(3);
  run_all(rt);
  CHECK(p.cancel());
  CHECK(drain(rt, q, 2) == std::vector<int>{1, 3});
  CHECK(p3.done());
  CHECK(rt.run_until_complete(q.qsize()) == 0);
}

TEST_CASE("a queue created inside a task uses the task's runtime", "[queue]") {
  actio::runtime rt{virtual_time()};
  auto f = rt.create_task([]() -> actio::task<int> {
    actio::queue<int> q{3};
    co_await q.put(5);
    co_return co_await q.get();
  });
  CHECK(rt.run_until_complete(f) == 5);
}

TEST_CASE("one producer and one consumer move 200k items with batches "
          "across threads",
          "[queue][threads]") {
  actio::test::time_limit limit{20s, "queue throughput"};
  actio::runtime rt{actio::test::real_time()};
  actio::queue<int> q{rt, 1024};
  constexpr int n = 200000;
  constexpr std::size_t chunk = 256;
  auto prod = rt.create_task([q]() mutable -> actio::task<void> {
    std::vector<int> batch;
    for (int i = 0; i < n; ++i) {
      batch.push_back(i);
      if (batch.size() == chunk || i == n - 1) {
        co_await q.put_batch(std::move(batch));
        batch = {};
      }
    }
  });
  auto start = std::chrono::steady_clock::now();
  auto cons = rt.create_task([q]() mutable -> actio::task<long long> {
    long long sum = 0;
    int seen = 0;
    int expect = 0;
    while (seen < n) {
      auto items = co_await q.get_batch(chunk);
      for (int v : items) {
        if (v != expect++)
          throw std::runtime_error("out of order");
        sum += v;
      }
      seen += static_cast<int>(items.size());
    }
    co_return sum;
  });
  auto sum = rt.run_until_complete(cons);
  rt.run_until_complete(prod);
  auto secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  CHECK(sum == static_cast<long long>(n) * (n - 1) / 2);
  WARN("queue batch throughput: " << static_cast<long long>(n / secs)
                                  << " items/s");
}

TEST_CASE("one producer and one consumer move 20k single items in order "
          "across threads",
          "[queue][threads]") {
  actio::test::time_limit limit{20s, "queue single-item throughput"};
  actio::runtime rt{actio::test::real_time()};
  actio::queue<int> q{rt, 1024};
  constexpr int n = 20000;
  auto start = std::chrono::steady_clock::now();
  auto prod = rt.create_task([q]() mutable -> actio::task<void> {
    for (int i = 0; i < n; ++i)
      co_await q.put(i);
  });
  auto cons = rt.create_task([q]() mutable -> actio::task<int> {
    int expect = 0;
    for (int i = 0; i < n; ++i)
      if (co_await q.get() == expect)
        ++expect;
    co_return expect;
  });
  CHECK(rt.run_until_complete(cons) == n);
  rt.run_until_complete(prod);
  auto secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  WARN("queue single-item throughput: " << static_cast<long long>(n / secs)
                                        << " items/s");
}

TEST_CASE("when the last handle goes, the queue's actor ends and a waiting "
          "getter fails with queue_closed",
          "[queue]") {
  actio::runtime rt{virtual_time()};
  auto orphan = [&rt] {
    actio::queue<int> q{rt};
    return q.get();
  }();
  CHECK_THROWS_AS(rt.run_until_complete(orphan), actio::queue_closed);
}

TEST_CASE("the task dump shows a gather of three sleeping children, one of "
          "them awaiting a queue",
          "[queue][task_dump]") {
  actio::runtime rt{virtual_time()};
  actio::queue<int> q;
  auto consumer = [](actio::queue<int> from) -> actio::task<int> {
    co_return co_await from.get();
  };
  auto parent = rt.create_task("parent", [q, consumer]() -> actio::task<void> {
    auto a = actio::create_task(
        "sleeper",
        [](actio::duration d) -> actio::task<void> {
          co_await actio::sleep(d);
        },
        actio::duration{5s});
    auto b = actio::create_task("consumer", consumer, q);
    auto c = actio::create_task(
        "second sleeper",
        [](actio::duration d) -> actio::task<void> {
          co_await actio::sleep(d);
        },
        actio::duration{7s});
    co_await actio::gather(a, b, c);
  });
  run_all(rt);
  auto text = rt.dump_tasks();
  INFO(text);
  CHECK(text.rfind("4 live tasks at ", 0) == 0);
  auto line_of = [&](const std::string& name) {
    auto at = text.find("'" + name + "'");
    REQUIRE(at != std::string::npos);
    auto begin = text.rfind('\n', at) + 1;
    return text.substr(begin, text.find('\n', at) - begin);
  };
  CHECK(line_of("parent").rfind("#", 0) == 0);
  CHECK(line_of("parent").find("suspended 0.001 s: gather, 3 pending at ") !=
        std::string::npos);
  CHECK(line_of("sleeper").rfind("  #", 0) == 0);
  CHECK(line_of("sleeper").find("sleep, due in 4.999 s") != std::string::npos);
  CHECK(line_of("second sleeper").find("sleep, due in 6.999 s") !=
        std::string::npos);
  CHECK(line_of("consumer").rfind("  #", 0) == 0);
  CHECK(line_of("consumer").find("suspended 0.001 s: queue get 0x") !=
        std::string::npos);
  CHECK(line_of("consumer").find("queue_test.cpp:") != std::string::npos);

  rt.run_until_complete(q.put(1));
  rt.run_until_complete(parent);
  CHECK(rt.dump_tasks().rfind("0 live tasks", 0) == 0);
}
