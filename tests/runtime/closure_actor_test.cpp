// SPDX-License-Identifier: Apache-2.0
// The actor behind queues, semaphores, caches and the runtime's loop runs
// posted closures without CAF messages: these pin its order, its end and
// that it is still a CAF actor.
#include "actio/detail/closure_actor.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/system_messages.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using actio::detail::closure_actor;

namespace {

caf::actor handle_of(const closure_actor& a) {
  return caf::actor_cast<caf::actor>(
      static_cast<caf::actor_control_block*>(a.control_block()));
}

} // namespace

TEST_CASE("closures posted from several threads all run, each thread's in "
          "the order posted, under every policy",
          "[closure_actor][threads]") {
  auto policy = GENERATE(actio::scheduler_policy::sharing,
                         actio::scheduler_policy::stealing,
                         actio::scheduler_policy::handoff);
  CAPTURE(actio::to_string(policy));
  actio::test::time_limit limit{60s, "closures from several threads"};
  for (int run = 0; run < 3; ++run) {
    auto o = actio::test::real_time();
    o.policy = policy;
    actio::runtime rt{o};
    auto a = closure_actor::spawn(actio::detail::core_of(rt));
    constexpr int threads = 4;
    constexpr int per_thread = 20000;
    // Touched only on the actor: no lock.
    auto last = std::make_shared<std::vector<int>>(threads, -1);
    auto in_order = std::make_shared<bool>(true);
    actio::promise<int> done;
    auto f = done.get_future();
    auto count = std::make_shared<int>(0);
    auto shared_done = std::make_shared<actio::promise<int>>(std::move(done));
    std::vector<std::thread> posters;
    for (int t = 0; t < threads; ++t)
      posters.emplace_back([=] {
        for (int i = 0; i < per_thread; ++i)
          a.post([=] {
            auto& prev = (*last)[static_cast<std::size_t>(t)];
            *in_order = *in_order && prev == i - 1;
            prev = i;
            if (++*count == threads * per_thread)
              shared_done->set_value(*count);
          });
      });
    for (auto& p : posters)
      p.join();
    CHECK(rt.run_until_complete(f) == threads * per_thread);
    CHECK(*in_order);
  }
}

TEST_CASE("a closure actor can be monitored and killed; closures posted "
          "after its end are dropped unrun",
          "[closure_actor]") {
  actio::runtime rt{actio::test::virtual_time()};
  auto a = closure_actor::spawn(actio::detail::core_of(rt));
  auto weak = a.weak();
  auto down = std::make_shared<caf::error>();
  auto watcher = rt.system().spawn(
      [down](caf::event_based_actor* self, caf::actor target) {
        self->monitor(target);
        self->set_down_handler([self, down](caf::down_msg& dm) {
          *down = dm.reason;
          self->quit();
        });
        return caf::behavior{[](int) {}};
      },
      handle_of(a));
  auto ran = std::make_shared<int>(0);
  a.post([ran] { ++*ran; });
  rt.run_until_complete(
      rt.create_task([]() -> actio::task<> { co_await actio::sleep(1ms); }));
  CHECK(*ran == 1);
  a.stop();
  rt.run_until_complete(
      rt.create_task([]() -> actio::task<> { co_await actio::sleep(1ms); }));
  CHECK(*down == caf::exit_reason::user_shutdown);
  // The weak handle still reaches it while `a` holds it; posts are dropped,
  // and what they captured is released (the promise fails as broken).
  actio::promise<int> p;
  auto f = p.get_future();
  weak.post([ran, p = std::move(p)]() mutable {
    ++*ran;
    p.set_value(1);
  });
  CHECK(*ran == 1);
  CHECK_THROWS_AS(rt.run_until_complete(f), actio::runtime_error);
}

TEST_CASE("a request to a closure actor gets an error instead of hanging",
          "[closure_actor]") {
  actio::test::time_limit limit{30s, "request to a closure actor"};
  actio::runtime rt{actio::test::real_time()};
  auto a = closure_actor::spawn(actio::detail::core_of(rt));
  caf::scoped_actor self{rt.system()};
  bool failed = false;
  self->request(handle_of(a), caf::infinite, 42)
      .receive([](int) {}, [&](caf::error&) { failed = true; });
  CHECK(failed);
}
