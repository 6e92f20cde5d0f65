// SPDX-License-Identifier: Apache-2.0
// add_signal_handler / remove_signal_handler (asyncio's loop methods of the
// same names), with real signals sent to this process.
#include "actio/runtime.hpp"

#include "actio/actio.hpp"
#include "support/eventually.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <memory>
#include <thread>

#include <unistd.h>

using namespace std::chrono_literals;

TEST_CASE("a signal handler runs on the loop actor each time its signal "
          "arrives, until it is removed",
          "[signals][threads]") {
  actio::test::time_limit limit{30s, "signal handler"};
  actio::runtime rt{actio::test::real_time()};
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto main_thread = std::this_thread::get_id();
  auto on_main = std::make_shared<std::atomic<bool>>(false);
  rt.add_signal_handler(SIGUSR1, [calls, on_main, main_thread] {
    if (std::this_thread::get_id() == main_thread)
      on_main->store(true);
    calls->fetch_add(1);
  });
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(::kill(::getpid(), SIGUSR1) == 0);
    CHECK(actio::test::eventually([&] { return calls->load() == i; }));
  }
  CHECK_FALSE(on_main->load());
  CHECK(rt.remove_signal_handler(SIGUSR1));
  CHECK_FALSE(rt.remove_signal_handler(SIGUSR1));
}

TEST_CASE("a second add_signal_handler for a signal replaces the first",
          "[signals][threads]") {
  actio::test::time_limit limit{30s, "signal handler replaced"};
  actio::runtime rt{actio::test::real_time()};
  auto first = std::make_shared<std::atomic<int>>(0);
  auto second = std::make_shared<std::atomic<int>>(0);
  rt.add_signal_handler(SIGUSR2, [first] { first->fetch_add(1); });
  rt.add_signal_handler(SIGUSR2, [second] { second->fetch_add(1); });
  REQUIRE(::kill(::getpid(), SIGUSR2) == 0);
  CHECK(actio::test::eventually([&] { return second->load() == 1; }));
  CHECK(first->load() == 0);
  CHECK(rt.remove_signal_handler(SIGUSR2));
}

TEST_CASE("a handler for SIGINT replaces the runtime's interrupt: the "
          "awaited task finishes instead of raising keyboard_interrupt",
          "[signals][threads]") {
  actio::test::time_limit limit{30s, "SIGINT handler"};
  auto options = actio::test::real_time();
  options.handle_signals = true; // the default watch is on
  actio::runtime rt{options};
  auto seen = std::make_shared<std::atomic<int>>(0);
  rt.add_signal_handler(SIGINT, [seen] { seen->fetch_add(1); });
  auto sleeper = rt.create_task([seen]() -> actio::task<int> {
    while (seen->load() == 0)
      co_await actio::sleep(1ms);
    co_return 7;
  });
  REQUIRE(::kill(::getpid(), SIGINT) == 0);
  CHECK(rt.run_until_complete(sleeper) == 7);
  CHECK(seen->load() == 1);
  CHECK(rt.remove_signal_handler(SIGINT));
}

TEST_CASE("signals that cannot be caught are refused with runtime_error, "
          "and a closed runtime takes no handler",
          "[signals]") {
  actio::runtime rt{actio::test::virtual_time()};
  CHECK_THROWS_AS(rt.add_signal_handler(SIGKILL, [] {}), actio::runtime_error);
  CHECK_THROWS_AS(rt.add_signal_handler(SIGSTOP, [] {}), actio::runtime_error);
  CHECK_THROWS_AS(rt.add_signal_handler(0, [] {}), actio::runtime_error);
  CHECK_THROWS_AS(rt.add_signal_handler(100000, [] {}), actio::runtime_error);
  CHECK_FALSE(rt.remove_signal_handler(SIGUSR1));
  rt.close();
  CHECK_THROWS_AS(rt.add_signal_handler(SIGUSR1, [] {}), actio::runtime_error);
  CHECK_FALSE(rt.remove_signal_handler(SIGUSR1));
}
