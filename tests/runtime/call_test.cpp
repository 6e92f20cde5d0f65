// SPDX-License-Identifier: Apache-2.0
#include "actio/call.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <atomic>
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
