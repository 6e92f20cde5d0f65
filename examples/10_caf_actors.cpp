// SPDX-License-Identifier: Apache-2.0
// Tasks and plain CAF actors side by side (the design card's "people who
// define actors in C++"): a CAF event-based actor creates a task and gets
// its result in CAF's own request(...).then style, a task asks a CAF
// actor with co_await actio::request, and a CAF actor answers requests
// with a task's result (actio::respond). Also a delayed message to an
// actor that is cancelled before it is due (CAF 0.17's delayed_send cannot
// be).
#include <actio/actio.hpp>
#include <actio/caf/interop.hpp>

#include <caf/event_based_actor.hpp>

#include <iostream>
#include <string>

using namespace std::chrono_literals;

namespace {

actio::task<int> compute(int x, int y) {
  co_await actio::sleep(1s);
  co_return x + y;
}

/// A plain CAF actor that doubles numbers, and prints what it is told.
caf::behavior doubler(caf::event_based_actor*) {
  return {
      [](int x) { return 2 * x; },
      [](const std::string& note) {
        std::cout << "doubler got: " << note << "\n";
      },
  };
}

/// A plain CAF actor that starts a task and reacts to its result with
/// CAF's callback style.
caf::behavior starter(caf::event_based_actor* self,
                      std::shared_ptr<actio::promise<std::string>> done) {
  auto f = actio::create_task(compute, 20, 1);
  actio::then(
      self, f,
      [done](int& v) {
        std::cout << "actor: the task returned " << v << "\n";
        done->set_value("starter saw " + std::to_string(v));
      },
      [done](caf::error& e) {
        done->set_value("error: " + caf::to_string(e));
      });
  return {[](int) {}};
}

/// A plain CAF actor whose answers are computed by tasks: each request
/// starts one, and the reply goes out when it completes.
caf::behavior adder(caf::event_based_actor* self) {
  return {[self](int x, int y) -> caf::result<int> {
    return actio::respond(self, actio::create_task(compute, x, y));
  }};
}

actio::task<int> ask_adder(caf::actor a) {
  int sum = co_await actio::request<int>(a, 5s, 40, 2);
  std::cout << "task: the task-backed actor answered " << sum << "\n";
  co_return sum;
}

actio::task<int> ask_doubler(caf::actor d) {
  int doubled = co_await actio::request<int>(d, 1s, 21);
  std::cout << "task: the actor answered " << doubled << "\n";
  co_return doubled;
}

} // namespace

int main(int argc, char** argv) {
  actio::runtime rt{argc, argv};
  auto d = rt.system().spawn(doubler);

  // style 1: a CAF actor awaits a task
  auto done = std::make_shared<actio::promise<std::string>>();
  auto report = done->get_future();
  rt.system().spawn(starter, done);
  std::cout << rt.run_until_complete(report) << "\n";

  // style 2: a task awaits a CAF actor
  int result = rt.run_until_complete(rt.create_task(ask_doubler, d));
  std::cout << "result " << result << "\n";

  // style 3: a CAF actor answers a request with a task's result
  auto a = rt.system().spawn(adder);
  rt.run_until_complete(rt.create_task(ask_adder, a));

  // a delayed message that is cancelled, and one that arrives
  auto never = actio::send_later(d, 2s, std::string{"you should not see this"});
  actio::send_later(d, 1s, std::string{"hello after 1 s"});
  never.cancel();
  rt.run_until_complete(
      actio::create_task([]() -> actio::task<> { co_await actio::sleep(3s); }));
}
