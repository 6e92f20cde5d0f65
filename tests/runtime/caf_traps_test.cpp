// SPDX-License-Identifier: Apache-2.0
// Pins the CAF 0.17 behaviours actio designs around, on CAF's deterministic
// scheduler. If one of these starts failing after a CAF upgrade, the matching
// workaround in actio may no longer be needed.
#include "actio/actio.hpp"
#include "actio/caf/interop.hpp"
#include "support/virtual_runtime.hpp"

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/make_message.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <caf/send.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <typeinfo>

using namespace std::chrono_literals;

namespace {

struct caf_test_system {
  caf_test_system() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    sys = std::make_unique<caf::actor_system>(cfg);
  }
  caf::scheduler::test_coordinator& sched() {
    return static_cast<caf::scheduler::test_coordinator&>(sys->scheduler());
  }
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
};

/// Answers nothing: keeps every promise forever.
caf::behavior
hoarder(caf::event_based_actor* self,
        std::shared_ptr<std::vector<caf::response_promise>> kept) {
  return {[self, kept](int) -> caf::result<int> {
    kept->push_back(self->make_response_promise());
    return caf::delegated<int>{};
  }};
}

/// Makes a promise for every request and drops it.
caf::behavior dropper(caf::event_based_actor* self) {
  return {[self](int) -> caf::result<int> {
    auto rp = self->make_response_promise();
    (void)rp;
    return caf::delegated<int>{};
  }};
}

} // namespace

TEST_CASE("CAF trap: .then without an error handler kills the requester on "
          "timeout",
          "[caf_traps]") {
  caf_test_system t;
  auto kept = std::make_shared<std::vector<caf::response_promise>>();
  auto server = t.sys->spawn(hoarder, kept);
  auto reason = std::make_shared<caf::error>();
  auto alive_after = std::make_shared<bool>(true);
  t.sys->spawn([=](caf::event_based_actor* self) -> caf::behavior {
    self->attach_functor([=](const caf::error& r) {
      *reason = r;
      *alive_after = false;
    });
    self->request(server, std::chrono::seconds(1), 42).then([](int) {});
    return {[](int) {}};
  });
  t.sched().run();
  t.sched().clock().advance_time(std::chrono::seconds(2));
  t.sched().run();
  CHECK_FALSE(*alive_after);
  CHECK(*reason == caf::sec::request_timeout);
  // actio never parks a `.then` without an error path: a task awaiting a
  // future gets timeout_error from wait_for and survives (see
  // combinators_test: "wait_for returns the value in time ...").
  kept->clear();
}

TEST_CASE("CAF trap: a dropped response promise never answers, the "
          "requester only hears its own timeout",
          "[caf_traps]") {
  caf_test_system t;
  auto server = t.sys->spawn(dropper);
  auto got_value = std::make_shared<bool>(false);
  auto got_error = std::make_shared<caf::error>();
  t.sys->spawn([=](caf::event_based_actor* self) {
    self->request(server, std::chrono::seconds(10), 1)
        .then([=](int) { *got_value = true; },
              [=](const caf::error& e) { *got_error = e; });
  });
  t.sched().run();
  CHECK_FALSE(*got_value);
  CHECK_FALSE(*got_error); // nothing arrived: the promise just vanished
  t.sched().clock().advance_time(std::chrono::seconds(10));
  t.sched().run();
  CHECK(*got_error == caf::sec::request_timeout);
}

TEST_CASE("actio: the awaiters of a task whose actor ends early hear about "
          "it at once, not at their own timeout",
          "[caf_traps]") {
  actio::promise<int> never;
  actio::future<int> f;
  {
    actio::runtime rt{actio::test::virtual_time()};
    f = rt.create_task([r = never.get_future()]() -> actio::task<int> {
      co_return co_await r;
    });
    rt.call_soon([] {});
  } // close cancels, then kills what is left; every future is completed
  CHECK(f.done());
  CHECK_THROWS_AS(f.result(), actio::cancelled_error);
}

TEST_CASE("CAF trap: a pending delayed_send keeps its receiver alive",
          "[caf_traps]") {
  caf_test_system t;
  {
    auto receiver =
        t.sys->spawn([]() -> caf::behavior { return {[](int) {}}; });
    caf::delayed_anon_send(receiver, std::chrono::hours(1), 42);
  }
  t.sched().run();
  // nobody holds the receiver, yet it still runs: the clock's entry is a
  // strong reference
  CHECK(t.sys->registry().running() == 1);
  t.sched().clock().advance_time(std::chrono::hours(1));
  t.sched().run();
  CHECK(t.sys->registry().running() == 0);
}

TEST_CASE("actio: timers hold only weak references and never keep an actor "
          "alive",
          "[caf_traps][timer]") {
  actio::runtime rt{actio::test::virtual_time()};
  auto start = rt.time();
  auto f = rt.create_task([]() -> actio::task<int> {
    co_await actio::sleep(std::chrono::hours(1));
    co_return 1;
  });
  rt.call_soon([f] { f.cancel(); });
  CHECK_THROWS_AS(rt.run_until_complete(f), actio::cancelled_error);
  CHECK(rt.system().registry().running() == 0);
  CHECK(rt.time() - start < 1s);
}

TEST_CASE("CAF trap: a request with a timeout puts an entry on CAF's actor "
          "clock, which stays there after the response",
          "[caf_traps]") {
  caf_test_system t;
  auto server = t.sys->spawn(
      []() -> caf::behavior { return {[](int x) { return x + 1; }}; });
  auto answered = std::make_shared<int>(0);
  auto requester = t.sys->spawn([=](caf::event_based_actor* self) {
    self->request(server, std::chrono::seconds(10), 1)
        .then([=](int y) { *answered = y; }, [](const caf::error&) {});
    return caf::behavior{[](int) {}}; // stays alive after the answer
  });
  t.sched().run();
  CHECK(*answered == 2);
  // The answer came, yet the timeout entry waits for its 10 s (in real time
  // each such entry is a locked insert and a wake-up of the clock thread).
  CHECK(t.sched().clock().schedule().size() == 1);
  caf::anon_send_exit(requester, caf::exit_reason::user_shutdown);
  t.sched().run();
}

TEST_CASE("actio: actio::request's timeout lives on actio's timer service, "
          "so CAF's clock holds nothing",
          "[caf_traps][caf_interop]") {
  actio::runtime rt{actio::test::virtual_time()};
  auto server = rt.system().spawn(
      []() -> caf::behavior { return {[](int x) { return x + 1; }}; });
  auto f = rt.create_task([server]() -> actio::task<int> {
    int sum = 0;
    for (int i = 0; i < 10; ++i)
      sum += co_await actio::request<int>(server, 10s, i);
    co_return sum;
  });
  CHECK(rt.run_until_complete(f) == 55);
  auto& sched =
      static_cast<caf::scheduler::test_coordinator&>(rt.system().scheduler());
  CHECK(sched.clock().schedule().empty());
}

namespace {

/// A type CAF 0.17 does not know (no type number), as actio's boxed
/// closures were. actio designs around it: task actors take resumes and
/// cancels as atomic words and closure actors take closures on a list of
/// their own (task_actor_test, closure_actor_test), not as messages.
struct unsafe_payload {
  int x = 0;
};

} // namespace

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(unsafe_payload)

TEST_CASE("CAF trap: a message of an unsafe type has no type number, so "
          "matching it compares std::type_info (by name)",
          "[caf_traps]") {
  auto msg = caf::make_message(unsafe_payload{42});
  auto type = msg.type(0);
  CHECK(type.first == 0);          // no type number: the fast path is closed
  REQUIRE(type.second != nullptr); // the type_info CAF compares instead
  CHECK(*type.second == typeid(unsafe_payload));
  CHECK(msg.match_elements<unsafe_payload>());
  // A builtin type is matched by number alone.
  CHECK(caf::make_message(42).type(0).first != 0);
}
