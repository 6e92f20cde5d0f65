// SPDX-License-Identifier: Apache-2.0
#include "actio/runtime.hpp"

#include "actio/actio.hpp"
#include "support/eventually.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/policy/work_sharing.hpp>
#include <caf/policy/work_stealing.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/scheduler/coordinator.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
      .count();
}

/// Whether `rt`'s scheduler runs on CAF's `Policy` (actio extends the
/// policy, so the coordinator's type names it as a template argument).
template <class Policy>
bool uses(actio::runtime& rt) {
  std::string name = typeid(rt.system().scheduler()).name();
  std::string policy = typeid(Policy).name();
  // Itanium mangling: the policy's own name appears inside the coordinator's.
  return name.find(policy.substr(policy.find("policy"))) != std::string::npos;
}

actio::task<int> sleep_for(std::chrono::seconds d) {
  co_await actio::sleep(d);
  co_return 1;
}

} // namespace

TEST_CASE("the default scheduler is handoff, with one thread per core",
          "[runtime][options]") {
  actio::runtime rt{actio::test::real_time()};
  CHECK(rt.options().policy == actio::scheduler_policy::handoff);
  CHECK(std::string{typeid(rt.system().scheduler()).name()}.find(
            "handoff_coordinator") != std::string::npos);
  CHECK(rt.system().scheduler().num_workers() ==
        rt.options().effective_threads());
  CHECK(rt.options().effective_threads() >= 2);
}

TEST_CASE("scheduler options from code take effect", "[runtime][options]") {
  auto o = actio::test::real_time();
  o.policy = actio::scheduler_policy::stealing;
  o.threads = 3;
  actio::runtime rt{o};
  CHECK(uses<caf::policy::work_stealing>(rt));
  CHECK(rt.system().scheduler().num_workers() == 3);
  o.policy = actio::scheduler_policy::sharing;
  actio::runtime rt2{o};
  CHECK(uses<caf::policy::work_sharing>(rt2));
}

TEST_CASE("actio options are read from the command line and removed from "
          "argv",
          "[runtime][options]") {
  std::vector<std::string> args{"prog",
                                "--actio-threads=3",
                                "--keep",
                                "--actio-scheduler=stealing",
                                "--actio-max-throughput=50",
                                "--actio-no-signals",
                                "last"};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  actio::runtime rt{argc, argv.data()};
  CHECK(argc == 3);
  CHECK(std::string{argv[1]} == "--keep");
  CHECK(std::string{argv[2]} == "last");
  CHECK(rt.options().threads == 3);
  CHECK(rt.options().max_throughput == 50);
  CHECK_FALSE(rt.options().handle_signals);
  CHECK(uses<caf::policy::work_stealing>(rt));
  CHECK(rt.system().scheduler().num_workers() == 3);
}

TEST_CASE("a malformed or unknown actio option is a clear error",
          "[runtime][options]") {
  actio::runtime_options o;
  std::vector<std::string> args{"prog", "--actio-threads=many"};
  std::vector<char*> argv{args[0].data(), args[1].data(), nullptr};
  int argc = 2;
  CHECK_THROWS_WITH(o.read_command_line(argc, argv.data()),
                    Catch::Contains("expected a number"));
  args[1] = "--actio-colour=blue";
  argv[1] = args[1].data();
  argc = 2;
  CHECK_THROWS_WITH(o.read_command_line(argc, argv.data()),
                    Catch::Contains("unknown option '--actio-colour=blue'"));
  args[1] = "--actio-scheduler=fastest";
  argv[1] = args[1].data();
  argc = 2;
  CHECK_THROWS_WITH(o.read_command_line(argc, argv.data()),
                    Catch::Contains("'sharing', 'stealing' or 'handoff'"));
  args[1] = "--actio-threads=0";
  argv[1] = args[1].data();
  argc = 2;
  CHECK_THROWS_WITH(o.read_command_line(argc, argv.data()),
                    Catch::Contains("expected at least 1"));
  args[1] = "--actio-max-throughput=99999999999999999999999";
  argv[1] = args[1].data();
  argc = 2;
  CHECK_THROWS_WITH(o.read_command_line(argc, argv.data()),
                    Catch::Contains("too large"));
}

TEST_CASE("options are read from ACTIO_ environment variables",
          "[runtime][options]") {
  ::setenv("ACTIO_THREADS", "5", 1);
  ::setenv("ACTIO_SCHEDULER", "stealing", 1);
  actio::runtime_options o;
  o.read_environment();
  ::unsetenv("ACTIO_THREADS");
  ::unsetenv("ACTIO_SCHEDULER");
  CHECK(o.threads == 5);
  CHECK(o.policy == actio::scheduler_policy::stealing);
}

TEST_CASE("an embedded runtime runs tasks beside the program's runtime, "
          "which stays current, and ignores ACTIO_ variables",
          "[runtime][options]") {
  actio::test::time_limit limit{20s, "embedded runtime"};
  actio::runtime program{actio::test::real_time()};
  ::setenv("ACTIO_THREADS", "5", 1);
  actio::runtime_options eo;
  eo.embedded = true;
  eo.threads = 1;
  {
    actio::runtime embedded{eo};
    ::unsetenv("ACTIO_THREADS");
    CHECK(embedded.options().threads == 1);
    CHECK(actio::runtime::current() == &program);
    // a task of the embedded runtime finds it as its ambient runtime
    auto f =
        embedded.create_task([]() -> actio::task<int> { co_return 6 * 7; });
    CHECK(embedded.run_until_complete(f) == 42);
    // free functions outside any task still reach the program's runtime
    CHECK(program.run_until_complete(actio::create_task(
              []() -> actio::task<int> { co_return 1; })) == 1);
  }
  CHECK(actio::runtime::current() == &program);
}

TEST_CASE("stop() from another thread ends run_forever", "[runtime][threads]") {
  actio::test::time_limit limit{5s, "stop from another thread"};
  actio::runtime rt{actio::test::real_time()};
  std::atomic<bool> looping{false};
  rt.call_soon([&looping] { looping = true; });
  std::thread stopper([&rt, &looping] {
    // stop() is what is tested, so it must come while run_forever runs
    // (no CHECK here: Catch's assertions belong to the test's thread)
    actio::test::eventually([&] { return looping.load(); });
    rt.stop();
  });
  auto t0 = std::chrono::steady_clock::now();
  rt.run_forever();
  stopper.join();
  CHECK(looping);
  CHECK(seconds_since(t0) < 2.0);
}

TEST_CASE("run_until_complete waits in real time and returns the value",
          "[runtime][threads]") {
  actio::test::time_limit limit{5s, "real-time run_until_complete"};
  actio::runtime rt{actio::test::real_time()};
  auto t0 = std::chrono::steady_clock::now();
  auto f = rt.create_task([]() -> actio::task<int> {
    co_await actio::sleep(50ms);
    co_return 42;
  });
  CHECK(rt.run_until_complete(f) == 42);
  CHECK(seconds_since(t0) >= 0.05);
}

TEST_CASE("a future can be awaited from a thread that is not an actor",
          "[runtime][threads]") {
  actio::test::time_limit limit{5s, "blocking wait"};
  actio::runtime rt{actio::test::real_time()};
  auto f = rt.create_task(sleep_for, 0s);
  std::thread other([f] { f.wait(); });
  other.join();
  CHECK(f.result() == 1);
}

TEST_CASE("shutdown with a 1-hour timer pending returns within 1 s",
          "[runtime][shutdown]") {
  actio::test::time_limit limit{10s, "shutdown with a 1-hour timer"};
  auto t0 = std::chrono::steady_clock::now();
  actio::future<int> f;
  {
    actio::runtime rt{actio::test::real_time()};
    f = rt.create_task(sleep_for, std::chrono::seconds{3600});
    rt.call_later(std::chrono::hours{1}, [] {});
    rt.run_until_complete(rt.create_task(sleep_for, 0s));
    t0 = std::chrono::steady_clock::now();
  }
  CHECK(seconds_since(t0) < 1.0);
  CHECK(f.cancelled());
}

TEST_CASE("shutdown with a task mid-request returns within 1 s and cancels "
          "it",
          "[runtime][shutdown]") {
  actio::test::time_limit limit{10s, "shutdown mid-request"};
  actio::promise<int> never;
  actio::future<int> f;
  auto t0 = std::chrono::steady_clock::now();
  {
    actio::runtime rt{actio::test::real_time()};
    f = rt.create_task([r = never.get_future()]() -> actio::task<int> {
      co_return co_await r;
    });
    rt.run_until_complete(rt.create_task(sleep_for, 0s));
    t0 = std::chrono::steady_clock::now();
  }
  CHECK(seconds_since(t0) < 1.0);
  CHECK(f.cancelled());
}

namespace {

/// Sleeps, then answers every cancel with another sleep (with `spin`, a
/// sleep(0), which never lets virtual time move): a task that never ends
/// by itself.
actio::task<int> ignore_cancels(bool spin, int* cancels) {
  auto nap = 1s;
  for (;;) {
    try {
      co_await actio::sleep(nap);
    } catch (const actio::cancelled_error&) {
      ++*cancels;
      if (spin)
        nap = 0s;
    }
  }
}

} // namespace

TEST_CASE("closing a virtual-time runtime ends a task that ignores every "
          "cancel once the shutdown timeout has passed, on either clock",
          "[runtime][shutdown]") {
  auto spin = GENERATE(false, true);
  CAPTURE(spin);
  actio::test::time_limit limit{10s, "virtual-time close with a stubborn task"};
  int cancels = 0;
  actio::future<int> f;
  auto o = actio::test::virtual_time();
  o.shutdown_timeout = std::chrono::milliseconds{200};
  {
    actio::runtime rt{o};
    f = rt.create_task(ignore_cancels, spin, &cancels);
    actio::test::run_all(rt);
  }
  CHECK(cancels >= 1);
  CHECK(f.done());
}

TEST_CASE("shutdown with a detached actor blocked in a system call is "
          "forced after the timeout instead of hanging",
          "[runtime][shutdown]") {
  actio::test::time_limit limit{10s, "shutdown with a blocked actor"};
  auto o = actio::test::real_time();
  o.shutdown_timeout = 300ms;
  auto t0 = std::chrono::steady_clock::now();
  {
    actio::runtime rt{o};
    std::atomic<bool> blocking{false};
    rt.system().spawn<caf::detached>(
        [&blocking](caf::event_based_actor*) -> caf::behavior {
          blocking = true;
          std::this_thread::sleep_for(3s); // a blocking call
          return {};
        });
    REQUIRE(actio::test::eventually([&] { return blocking.load(); }));
    t0 = std::chrono::steady_clock::now();
  }
  CHECK(seconds_since(t0) < 1.0);
}

TEST_CASE("after close, creating tasks and timers is a clear error",
          "[runtime][shutdown]") {
  actio::runtime rt{actio::test::virtual_time()};
  rt.close();
  CHECK(rt.closed());
  CHECK_THROWS_AS(rt.create_task(sleep_for, 1s), actio::runtime_error);
  CHECK_THROWS_AS(rt.call_soon([] {}), actio::runtime_error);
  rt.close(); // idempotent
}

TEST_CASE("virtual time reports a deadlock instead of hanging",
          "[runtime][virtual]") {
  actio::runtime rt{actio::test::virtual_time()};
  actio::promise<int> never;
  auto f = rt.create_task(
      [r = never.get_future()]() -> actio::task<int> { co_return co_await r; });
  CHECK_THROWS_WITH(rt.run_until_complete(f),
                    Catch::Contains("nothing left to run"));
}

TEST_CASE("a SIGINT that comes while nobody waits is still reported as "
          "keyboard_interrupt by the next run_until_complete",
          "[runtime][signals]") {
  pid_t pid = fork();
  if (pid == 0) {
    actio::runtime rt; // handles SIGINT
    auto f = rt.create_task([]() -> actio::task<int> {
      co_await actio::sleep(60s);
      co_return 0;
    });
    std::raise(SIGINT); // nobody waits: every task is cancelled
    if (!actio::test::eventually([&] { return f.done(); }))
      std::_Exit(3);
    try {
      rt.run_until_complete(f);
    } catch (const actio::keyboard_interrupt&) {
      std::_Exit(0);
    } catch (...) {
      std::_Exit(2); // the cancelled future's error instead
    }
    std::_Exit(1);
  }
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("an uncaught keyboard_interrupt cancels the tasks and exits with "
          "130 within 2 s",
          "[runtime][signals]") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    actio::runtime rt; // handles SIGINT
    int out = fds[1];
    static std::atomic<bool> sleeping{false};
    std::thread([] {
      // Ctrl-C while the task sleeps, as a user would press it
      if (actio::test::eventually([] { return sleeping.load(); }))
        std::raise(SIGINT);
    }).detach();
    auto f = rt.create_task([out]() -> actio::task<int> {
      try {
        sleeping = true;
        co_await actio::sleep(60s);
      } catch (const actio::cancelled_error&) {
        (void)!write(out, "cancelled\n", 10);
        throw;
      }
      co_return 0;
    });
    // as if uncaught in main: an exception leaving a noexcept function
    // reaches std::terminate (Catch would otherwise catch it)
    [&]() noexcept { rt.run_until_complete(f); }();
    std::_Exit(0);
  }
  close(fds[1]);
  auto t0 = std::chrono::steady_clock::now();
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (seconds_since(t0) > 5.0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      FAIL("the interrupted process did not exit within 5 s");
    }
    std::this_thread::sleep_for(5ms);
  }
  char buf[64] = {};
  auto n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  CHECK(seconds_since(t0) < 2.0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(n > 0);
  CHECK(std::string{buf} == "cancelled\n");
}

TEST_CASE("closing a runtime while its tasks are finishing is safe (no "
          "use-after-free in the task registry)",
          "[runtime][shutdown][threads]") {

  actio::test::time_limit limit{60s, "close while tasks finish"};
  for (int round = 0; round < 60; ++round) {
    actio::runtime rt{actio::test::real_time()};
    for (int i = 0; i < 100; ++i)
      (void)rt.create_task([]() -> actio::task<int> {
        for (int k = 0; k < 3; ++k)
          co_await actio::sleep(0s);
        co_return 1;
      });
  }
  SUCCEED("60 runtimes closed while their tasks were finishing");
}

TEST_CASE("close hooks run once when the runtime begins to close, before "
          "its tasks are cancelled",
          "[runtime][shutdown]") {
  std::vector<std::string> log;
  actio::future<int> f;
  {
    actio::runtime rt{actio::test::virtual_time()};
    CHECK(&actio::detail::owner_of(actio::detail::core_of(rt)) == &rt);
    f = rt.create_task(sleep_for, std::chrono::seconds{60});
    actio::detail::on_close(actio::detail::core_of(rt), [&log, f] {
      log.push_back(f.done() ? "task already done" : "task still running");
    });
  }
  CHECK(log == std::vector<std::string>{"task still running"});
  CHECK(f.cancelled());
}

namespace {

/// Calls run_until_complete where it must not be called, and returns the
/// error's text (empty if it did not throw).
std::string nested_run(actio::runtime& rt) {
  try {
    rt.run_until_complete(rt.create_task(sleep_for, 0s));
  } catch (const actio::runtime_error& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("run_until_complete inside a task, a callback or an actor raises "
          "at once instead of blocking the scheduler",
          "[runtime][threads]") {
  for (bool virtual_clock : {true, false}) {
    for (auto policy :
         {actio::scheduler_policy::sharing, actio::scheduler_policy::stealing,
          actio::scheduler_policy::handoff}) {
      actio::test::time_limit limit{30s, "nested run_until_complete"};
      auto opts = virtual_clock ? actio::test::virtual_time()
                                : actio::test::real_time();
      opts.policy = policy;
      opts.threads = 1; // the one thread the nested call would block
      actio::runtime rt{opts};
      auto from_task = rt.create_task(
          [&rt]() -> actio::task<std::string> { co_return nested_run(rt); });
      CHECK_THAT(rt.run_until_complete(from_task),
                 Catch::Contains("inside a runtime"));

      actio::promise<std::string> from_callback;
      rt.call_soon([&] { from_callback.set_value(nested_run(rt)); });
      CHECK_THAT(rt.run_until_complete(from_callback.get_future()),
                 Catch::Contains("already running"));

      auto from_actor = std::make_shared<actio::promise<std::string>>();
      rt.system().spawn([&rt, from_actor](caf::event_based_actor*) {
        from_actor->set_value(nested_run(rt));
      });
      CHECK_THAT(rt.run_until_complete(from_actor->get_future()),
                 Catch::Contains("co_await the future"));
      CHECK_THROWS_WITH(
          rt.run_until_complete(rt.create_task([&rt]() -> actio::task<> {
            rt.run_forever();
            co_return;
          })),
          Catch::Contains("run_forever"));
    }
  }
}

TEST_CASE("run_until_complete from a thread outside the runtime still works "
          "while a task runs",
          "[runtime][threads]") {
  actio::test::time_limit limit{30s, "outside run_until_complete"};
  auto opts = actio::test::real_time();
  opts.threads = 1;
  actio::runtime rt{opts};
  auto long_task = rt.create_task(sleep_for, 1s);
  int other = 0;
  std::thread t{[&] { other = rt.run_until_complete(sleep_for(0s)); }};
  t.join();
  CHECK(other == 1);
  long_task.cancel();
}

TEST_CASE("a runtime closes from a thread other than the one that made it, "
          "with a task still sleeping",
          "[runtime][threads]") {
  actio::test::time_limit limit{20s, "close from another thread"};
  auto rt = std::make_unique<actio::runtime>(actio::test::real_time());
  auto f = rt->create_task([]() -> actio::task<int> {
    co_await actio::sleep(std::chrono::hours(1));
    co_return 1;
  });
  std::thread closer{[&] { rt.reset(); }};
  closer.join();
  CHECK(f.cancelled());
}
