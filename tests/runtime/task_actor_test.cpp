// SPDX-License-Identifier: Apache-2.0
// A task's actor is a lean CAF actor of its own (not a scheduled_actor):
// these pin that it is still an actor in every way CAF users rely on, and
// that its memory goes when the task ends.
#include "actio/caf/interop.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/system_messages.hpp>

#include <catch2/catch.hpp>

#include <malloc.h>

#include <memory>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool sanitized = true;
#else
constexpr bool sanitized = false;
#endif

actio::task<int> sleeper(actio::duration d) {
  co_await actio::sleep(d);
  co_return 1;
}

std::size_t heap_in_use() {
  auto info = ::mallinfo2();
  return info.uordblks + info.hblkhd;
}

} // namespace

TEST_CASE("a task's actor can be monitored: its monitor hears a normal end",
          "[task_actor]") {
  actio::runtime rt{virtual_time()};
  auto f = rt.create_task(sleeper, actio::duration{1s});
  auto addr = actio::actor_of(f).address(); // no strong handle kept
  REQUIRE(addr);
  auto reason = std::make_shared<std::string>();
  auto watcher =
      rt.system().spawn([addr, reason](caf::event_based_actor* self) {
        self->monitor(addr);
        self->set_down_handler([reason](caf::down_msg& dm) {
          *reason = dm.reason ? caf::to_string(dm.reason) : "normal";
        });
        return caf::behavior{[](int) {}};
      });
  CHECK(rt.run_until_complete(f) == 1);
  rt.run_until_complete(rt.create_task(sleeper, actio::duration{1ms}));
  CHECK(*reason == "normal");
  CHECK_FALSE(actio::actor_of(f));
  caf::anon_send_exit(watcher, caf::exit_reason::user_shutdown);
}

TEST_CASE("a task linked to an actor that fails is killed with it, and its "
          "future fails",
          "[task_actor]") {
  actio::runtime rt{virtual_time()};
  auto f = rt.create_task(sleeper, actio::duration{1h});
  auto task = actio::actor_of(f);
  REQUIRE(task);
  auto buddy = rt.system().spawn([task](caf::event_based_actor* self) {
    self->link_to(task);
    return caf::behavior{[self](int) { self->quit(caf::sec::runtime_error); }};
  });
  auto start = rt.time();
  rt.call_later(10s, [buddy] { caf::anon_send(buddy, 1); });
  CHECK_THROWS_AS(rt.run_until_complete(f), actio::cancelled_error);
  CHECK(rt.time() - start == 10s);
  CHECK(rt.system().registry().running() == 0);
}

TEST_CASE("a task's actor ending normally tells its links, which live on",
          "[task_actor]") {
  actio::runtime rt{virtual_time()};
  auto f = rt.create_task(sleeper, actio::duration{1s});
  auto exit_seen = std::make_shared<std::string>();
  auto buddy = rt.system().spawn(
      [task = actio::actor_of(f), exit_seen](caf::event_based_actor* self) {
        self->link_to(task);
        self->set_exit_handler([exit_seen](caf::exit_msg& em) {
          *exit_seen = em.reason ? caf::to_string(em.reason) : "normal";
        });
        return caf::behavior{[](int) {}};
      });
  CHECK(rt.run_until_complete(f) == 1);
  rt.run_until_complete(rt.create_task(sleeper, actio::duration{1ms}));
  CHECK(*exit_seen == "normal");
  caf::anon_send_exit(buddy, caf::exit_reason::user_shutdown);
}

TEST_CASE("a message sent to a task is dropped and a request to it gets an "
          "error, never silence",
          "[task_actor]") {
  actio::runtime rt{virtual_time()};
  auto f = rt.create_task(sleeper, actio::duration{1s});
  auto task = actio::actor_of(f);
  caf::anon_send(task, std::string{"hello"});
  auto answer = std::make_shared<std::string>();
  rt.system().spawn([task, answer](caf::event_based_actor* self) {
    self->request(task, caf::infinite, 42)
        .then([answer](int) { *answer = "value"; },
              [answer](caf::error& err) { *answer = caf::to_string(err); });
  });
  CHECK(rt.run_until_complete(f) == 1);
  CHECK_THAT(*answer, Catch::Contains("unexpected_message"));
}

TEST_CASE("a request to a task that has ended gets an error", "[task_actor]") {
  actio::runtime rt{virtual_time()};
  auto f = rt.create_task(sleeper, actio::duration{1s});
  caf::actor task = actio::actor_of(f); // a strong handle: outlives the task
  CHECK(rt.run_until_complete(f) == 1);
  auto answer = std::make_shared<std::string>();
  rt.system().spawn([task, answer](caf::event_based_actor* self) {
    self->request(task, caf::infinite, 42)
        .then([answer](int) { *answer = "value"; },
              [answer](caf::error& err) { *answer = caf::to_string(err); });
  });
  rt.run_until_complete(rt.create_task(sleeper, actio::duration{1ms}));
  CHECK_FALSE(answer->empty());
  CHECK(*answer != "value");
}

TEST_CASE("killing a task's actor fails its future and releases the actor",
          "[task_actor]") {
  actio::runtime rt{virtual_time()};
  auto f = rt.create_task(sleeper, actio::duration{1h});
  rt.run_until_complete(rt.create_task(sleeper, actio::duration{1ms}));
  {
    auto task = actio::actor_of(f);
    REQUIRE(task);
    caf::anon_send_exit(task, caf::exit_reason::kill);
  }
  CHECK_THROWS_WITH(rt.run_until_complete(f),
                    Catch::Contains("task's actor ended"));
  CHECK(rt.system().registry().running() == 0);
  CHECK(rt.all_tasks().empty());
  CHECK_FALSE(actio::actor_of(f));
}

TEST_CASE("a task's actor is a CAF actor of the runtime's system while it "
          "runs, and no longer once it ends",
          "[task_actor]") {
  actio::runtime rt{virtual_time()};
  std::vector<actio::future<int>> tasks;
  for (int i = 0; i < 100; ++i)
    tasks.push_back(rt.create_task(sleeper, actio::duration{1s}));
  rt.run_until_complete(rt.create_task(sleeper, actio::duration{1ms}));
  // the 100 sleepers, while the helper above has ended
  CHECK(rt.system().registry().running() == 100);
  for (auto& t : tasks)
    CHECK(rt.run_until_complete(t) == 1);
  CHECK(rt.system().registry().running() == 0);
}

TEST_CASE("1M tasks created and cancelled before they start leave nothing "
          "behind",
          "[task_actor][memory]") {
  const int n = sanitized ? 100000 : 1000000;
  actio::runtime rt{virtual_time()};
  // Warm up the allocator and the runtime's own structures first.
  rt.run_until_complete(rt.create_task(sleeper, actio::duration{1ms}));
  auto before = heap_in_use();
  {
    std::vector<actio::future<int>> tasks;
    tasks.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      tasks.push_back(rt.create_task(sleeper, actio::duration{1h}));
      tasks.back().cancel();
    }
    CHECK(rt.system().registry().running() == static_cast<std::size_t>(n));
    // Runs every job queued before it: the cancelled tasks' first runs.
    rt.run_until_complete(rt.create_task(sleeper, actio::duration{1ms}));
    int cancelled = 0;
    for (auto& t : tasks)
      cancelled += t.done() && t.cancelled() ? 1 : 0;
    CHECK(cancelled == n);
    CHECK(rt.system().registry().running() == 0);
    CHECK(rt.all_tasks().empty());
  }
  if (!sanitized) {
    // Every actor, driver, frame and future state is freed: what is left in
    // use is within 1 MB of before (not ~n * 500 bytes).
    auto after = heap_in_use();
    CHECK(after < before + (1u << 20));
  }
}

TEST_CASE("tasks run, sleep, request and end on real threads under every "
          "policy",
          "[task_actor][threads]") {
  auto policy = GENERATE(actio::scheduler_policy::sharing,
                         actio::scheduler_policy::stealing,
                         actio::scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{60s, "task actors on real threads"};
  auto o = actio::test::real_time();
  o.policy = policy;
  actio::runtime rt{o};
  auto echo = rt.system().spawn(
      []() -> caf::behavior { return {[](int x) { return x + 1; }}; });
  for (int round = 0; round < 5; ++round) {
    std::vector<actio::future<int>> tasks;
    for (int i = 0; i < 200; ++i)
      tasks.push_back(rt.create_task([echo, i]() -> actio::task<int> {
        co_await actio::sleep(std::chrono::microseconds(i % 7));
        int x = i;
        for (int k = 0; k < 20; ++k)
          x = co_await actio::request<int>(echo, 5s, x);
        co_await actio::sleep(0s);
        co_return x;
      }));
    for (int i = 0; i < 200; ++i)
      CHECK(rt.run_until_complete(tasks[static_cast<std::size_t>(i)]) ==
            i + 20);
  }
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}
