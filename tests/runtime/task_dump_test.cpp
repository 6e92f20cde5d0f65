// SPDX-License-Identifier: Apache-2.0
#include "actio/task_dump.hpp"

#include "actio/create_task.hpp"
#include "actio/current_task.hpp"
#include "actio/future.hpp"
#include "actio/gather.hpp"
#include "actio/runtime.hpp"
#include "actio/sleep.hpp"
#include "actio/slow_step.hpp"
#include "actio/task.hpp"

#include "support/eventually.hpp"
#include "support/every_policy.hpp"
#include "support/stderr_capture.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <mutex>
#include <regex>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::eventually;
using actio::test::virtual_time;
using json = nlohmann::json;

namespace {

constexpr unsigned nap_line = __LINE__ + 1;
actio::task<void> nap(actio::duration d) {
  co_await actio::sleep(d);
}

actio::task<int> wait_for_value(actio::future<int> f) {
  co_return co_await f;
}

json dump_json(actio::runtime& rt) {
  return json::parse(rt.dump_tasks(actio::task_dump_format::json));
}

/// The dump's entry for the task named `name`; fails the test if absent.
json task_named(const json& dump, const std::string& name) {
  for (const auto& t : dump["tasks"])
    if (t["name"] == name)
      return t;
  FAIL("no task named '" << name << "' in " << dump.dump(2));
  return {};
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() &&
         s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// Whether `site` is a line of this file from `first` to `last`: a
/// coroutine's site is its first line with clang, its closing brace's with
/// GCC.
bool site_within(const std::string& site, unsigned first, unsigned last) {
  auto colon = site.rfind(':');
  if (colon == std::string::npos ||
      !ends_with(site.substr(0, colon), "task_dump_test.cpp"))
    return false;
  auto line = std::stoul(site.substr(colon + 1));
  return line >= first && line <= last;
}

/// Holds its thread for `d` without yielding it.
void busy_wait(std::chrono::milliseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

} // namespace

TEST_CASE("a string before the function names the task; unnamed tasks are "
          "Task-<id>",
          "[task_dump]") {
  actio::runtime rt{virtual_time()};
  auto named = rt.create_task("fetch example.org", nap, actio::duration{1s});
  auto unnamed = rt.create_task(nap, actio::duration{1s});
  auto object = rt.create_task(std::string{"from an object"}, nap(1s));
  CHECK(named.get_name() == "fetch example.org");
  CHECK(object.get_name() == "from an object");
  CHECK(unnamed.get_name().rfind("Task-", 0) == 0);
  CHECK(unnamed.get_name().size() > 5);
  CHECK(unnamed.set_name("renamed"));
  CHECK(unnamed.get_name() == "renamed");
  rt.run_until_complete(named);
  CHECK(named.get_name() == "fetch example.org"); // kept after the end

  actio::promise<int> p;
  auto plain = p.get_future();
  CHECK(plain.get_name().empty());
  CHECK_FALSE(plain.set_name("not a task"));
  CHECK(plain.get_name().empty());
}

TEST_CASE("current_task is the running task's future, and invalid outside "
          "any task",
          "[task_dump]") {
  actio::runtime rt{virtual_time()};
  CHECK_FALSE(actio::current_task().valid());
  auto f = rt.create_task("me", []() -> actio::task<std::string> {
    auto inner = actio::create_task("inner", []() -> actio::task<std::string> {
      co_return actio::current_task().get_name();
    });
    auto outer = actio::current_task().get_name();
    co_return outer + "/" + co_await inner;
  });
  CHECK(rt.run_until_complete(f) == "me/inner");
}

TEST_CASE("the dump shows each live task's name, state, wait, await site and "
          "parent",
          "[task_dump]") {
  actio::runtime rt{virtual_time()};
  actio::promise<int> never;
  auto never_f = never.get_future();
  unsigned gather_line = 0;
  unsigned main_line = __LINE__ + 2;
  auto main =
      rt.create_task("main", [never_f, &gather_line]() -> actio::task<void> {
        auto a = actio::create_task("sleeper a", nap, actio::duration{10s});
        auto b = actio::create_task("sleeper b", nap, actio::duration{20s});
        auto c = actio::create_task("waiter", wait_for_value, never_f);
        gather_line = __LINE__ + 1;
        co_await actio::gather(a, b, c);
      });
  actio::test::run_all(rt);

  auto dump = dump_json(rt);
  INFO(dump.dump(2));
  REQUIRE(dump["tasks"].size() == 4);
  CHECK(dump["deadlocks"].empty());
  auto m = task_named(dump, "main");
  CHECK(m["parent"].is_null());
  CHECK(m["state"] == "suspended");
  CHECK(m["wait_kind"] == "gather");
  CHECK(m["awaiting"] == "gather, 3 pending");
  CHECK(ends_with(m["site"],
                  "task_dump_test.cpp:" + std::to_string(gather_line)));
  CHECK(m["coroutine"].get<std::string>().rfind("operator() at ", 0) == 0);
  CHECK(site_within(m["coroutine_site"], main_line, gather_line + 1));
  auto a = task_named(dump, "sleeper a");
  CHECK(a["parent"] == m["id"]);
  CHECK(a["state"] == "suspended");
  CHECK(a["awaiting"].get<std::string>().rfind("sleep, due in 9.99", 0) == 0);
  auto b = task_named(dump, "sleeper b");
  CHECK(b["parent"] == m["id"]);
  CHECK(b["awaiting"].get<std::string>().rfind("sleep, due in 19.99", 0) == 0);
  CHECK(a["coroutine"] == "nap()");
  CHECK(b["coroutine"] == "nap()");
  auto w = task_named(dump, "waiter");
  CHECK(w["parent"] == m["id"]);
  CHECK(w["awaiting"] == "future");
  CHECK(w["coroutine"] == "wait_for_value()");
  CHECK(w["age"].get<double>() >= 0.001);
  CHECK(w["since"].get<double>() >= 0.001);

  // The text form: children indented under their parent.
  auto text = rt.dump_tasks();
  INFO(text);
  CHECK(text.rfind("4 live tasks at ", 0) == 0);
  auto id = [](const json& t) { return std::to_string(t["id"].get<long>()); };
  CHECK(text.find("\n#" + id(m) + " 'main' operator() at ") !=
        std::string::npos);
  CHECK(text.find("\n  #" + id(a) + " 'sleeper a' nap() suspended ") !=
        std::string::npos);
  CHECK(text.find("\n  #" + id(w) +
                  " 'waiter' wait_for_value() suspended 0.001 s: future") !=
        std::string::npos);

  never.set_value(1);
  rt.run_until_complete(main);
  CHECK(dump_json(rt)["tasks"].empty());
  CHECK(rt.dump_tasks().rfind("0 live tasks at ", 0) == 0);
}

TEST_CASE("the dump names the coroutine a task was made from, also from a "
          "coroutine object, and none when it cannot know",
          "[task_dump]") {
  actio::runtime rt{virtual_time()};
  actio::promise<int> never;
  // create_task(f(x)): the object's frame is the last one made here.
  auto direct = rt.create_task("direct", nap(actio::duration{10s}));
  // An object made, then another frame made before it is handed over: the
  // runtime no longer knows which coroutine it is, and says nothing.
  auto early = wait_for_value(never.get_future());
  auto later = nap(actio::duration{10s});
  auto unknown = rt.create_task("unknown", std::move(early));
  auto other = rt.create_task("other", std::move(later));
  actio::test::run_all(rt);

  auto dump = dump_json(rt);
  INFO(dump.dump(2));
  CHECK(task_named(dump, "direct")["coroutine"] == "nap()");
  CHECK(site_within(task_named(dump, "direct")["coroutine_site"], nap_line,
                    nap_line + 2));
  CHECK(task_named(dump, "unknown")["coroutine"] == "");
  CHECK(task_named(dump, "unknown")["coroutine_site"] == "");
  CHECK(task_named(dump, "other")["coroutine"] == "nap()");
  auto text = rt.dump_tasks();
  INFO(text);
  CHECK(text.find(" 'unknown' suspended ") != std::string::npos);

  never.set_value(1);
  rt.run_until_complete(actio::gather(direct, unknown, other));
}

TEST_CASE("a task awaiting a task shows that task; a circle of awaits is a "
          "deadlock",
          "[task_dump]") {
  actio::runtime rt{virtual_time()};
  actio::promise<actio::future<actio::none>> hand_b_to_a;
  auto a = rt.create_task(
      "a",
      [](actio::future<actio::future<actio::none>> fb) -> actio::task<void> {
        auto b = co_await fb;
        co_await b;
      },
      hand_b_to_a.get_future());
  auto b = rt.create_task(
      "b",
      [](actio::future<actio::none> fa) -> actio::task<void> { co_await fa; },
      a);
  hand_b_to_a.set_value(b);
  actio::test::run_all(rt);

  auto dump = dump_json(rt);
  INFO(dump.dump(2));
  auto ta = task_named(dump, "a");
  auto tb = task_named(dump, "b");
  auto ida = ta["id"].get<long>();
  auto idb = tb["id"].get<long>();
  CHECK(ta["awaiting"] == "task " + std::to_string(idb) + " 'b'");
  CHECK(tb["awaiting"] == "task " + std::to_string(ida) + " 'a'");
  REQUIRE(dump["deadlocks"].size() == 1);
  auto cycle = dump["deadlocks"][0].get<std::vector<long>>();
  CHECK(cycle == std::vector<long>{std::min(ida, idb), std::max(ida, idb)});
  CHECK(rt.dump_tasks().find("deadlock: task ") != std::string::npos);
}

TEST_CASE("a task whose awaited task has ended but who has not yet resumed "
          "is ready and shows that task as ended",
          "[task_dump]") {
  actio::runtime rt{virtual_time()};
  auto child = rt.create_task("child", nap, actio::duration{1s});
  auto parent = rt.create_task(
      "parent",
      [](actio::future<actio::none> c) -> actio::task<void> { co_await c; },
      child);
  actio::test::run_all(rt); // the parent parks on the child
  auto cid = task_named(dump_json(rt), "child")["id"].get<long>();
  // Runs on the child's actor as the child ends: the parent's resumption is
  // queued to its own actor, which cannot run before this returns.
  json dump;
  std::string text;
  child.add_done_callback([&](const actio::future<actio::none>&) {
    dump = dump_json(rt);
    text = rt.dump_tasks();
  });
  rt.run_until_complete(parent);
  INFO(dump.dump(2));
  auto ended = "task " + std::to_string(cid) + " (ended)";
  // Its resumption is queued: ready, and still showing what it awaited.
  CHECK(task_named(dump, "parent")["awaiting"] == ended);
  CHECK(task_named(dump, "parent")["state"] == "ready");
  // The coroutine (a lambda here) stands between the name and the state.
  CHECK(std::regex_search(text, std::regex{"'parent' [^\n]* ready "}));
  CHECK(text.find(": " + ended) != std::string::npos);
}

TEST_CASE("a step that busy-waits 300 ms is reported with its name and await "
          "sites; a sleeping task and a quick one are not",
          "[task_dump][slow_step]") {
  auto policy = ACTIO_EVERY_SCHEDULER_POLICY();
  CAPTURE(policy);
  std::mutex mtx;
  std::vector<actio::slow_step_report> reports;
  auto opts = actio::test::real_time(policy);
  opts.slow_step = 100ms;
  opts.on_slow_step = [&](const actio::slow_step_report& r) {
    std::lock_guard<std::mutex> guard{mtx};
    reports.push_back(r);
  };
  auto seen = [&] {
    std::lock_guard<std::mutex> guard{mtx};
    return reports;
  };
  actio::runtime rt{opts};
  rt.run_until_complete(rt.create_task("sleepy", nap, actio::duration{300ms}));
  CHECK(seen().empty());

  unsigned lines[2] = {};
  auto busy = [](unsigned* at) -> actio::task<void> {
    at[0] = __LINE__ + 1;
    co_await actio::sleep(1ms);
    busy_wait(300ms);
    at[1] = __LINE__ + 1;
    co_await actio::sleep(1ms);
  };
  rt.run_until_complete(rt.create_task("busy", busy, lines));
  auto after_task = seen();
  REQUIRE(after_task.size() == 1);
  const auto& r = after_task[0];
  CHECK(r.task == "busy");
  CHECK(r.task_id != 0);
  CHECK(r.held >= 250ms);
  REQUIRE(r.resumed_file != nullptr);
  REQUIRE(r.suspended_file != nullptr);
  CHECK(ends_with(r.resumed_file, "task_dump_test.cpp"));
  CHECK(r.resumed_line == lines[0]);
  CHECK(r.suspended_line == lines[1]);
  auto line = actio::to_string(r);
  CHECK(line.find("task 'busy'") != std::string::npos);
  CHECK(line.find("task_dump_test.cpp:" + std::to_string(lines[1])) !=
        std::string::npos);

  rt.call_soon([] { busy_wait(300ms); });
  REQUIRE(eventually([&] { return seen().size() == 2; }));
  auto callback = seen()[1];
  CHECK(callback.task_id == 0);
  CHECK(callback.held >= 250ms);
  CHECK(actio::to_string(callback).find("a callback held") !=
        std::string::npos);
}

TEST_CASE("without a handler a slow step is one line on stderr",
          "[task_dump][slow_step]") {
  actio::test::stderr_capture err;
  auto opts = actio::test::real_time();
  opts.slow_step = 50ms;
  actio::runtime rt{opts};
  rt.run_until_complete(rt.create_task("hog", []() -> actio::task<void> {
    busy_wait(150ms);
    co_return;
  }));
  REQUIRE(eventually(
      [&] { return err.text().find("task 'hog'") != std::string::npos; }));
  CHECK(err.text().find("actio: slow step: task 'hog' (id ") !=
        std::string::npos);
  CHECK(err.text().find("from its start to its end") != std::string::npos);
}

TEST_CASE("with a dump signal set, the dump is printed to stderr when the "
          "signal arrives",
          "[task_dump]") {
  actio::test::stderr_capture err;
  auto opts = actio::test::real_time();
  opts.dump_signal = SIGUSR2;
  actio::runtime rt{opts};
  actio::promise<int> never;
  auto parked =
      rt.create_task("parked on a promise", wait_for_value, never.get_future());
  REQUIRE(eventually([&] {
    return rt.dump_tasks().find(
               "'parked on a promise' wait_for_value() suspended") !=
           std::string::npos;
  }));
  ::raise(SIGUSR2);
  REQUIRE(eventually([&] {
    return err.text().find(
               "'parked on a promise' wait_for_value() suspended") !=
           std::string::npos;
  }));
  CHECK(err.text().find("1 live task at ") != std::string::npos);
  never.set_value(7);
  CHECK(rt.run_until_complete(parked) == 7);
}

TEST_CASE("an error nobody retrieved is reported with the task's name",
          "[task_dump]") {
  actio::test::stderr_capture err;
  {
    actio::runtime rt{virtual_time()};
    auto doomed = rt.create_task("doomed", []() -> actio::task<void> {
      throw std::runtime_error("it broke");
      co_return;
    });
    actio::test::run_all(rt);
    REQUIRE(doomed.done());
  }
  CHECK(err.text().find("actio: task 'doomed' failed and its exception was "
                        "never retrieved: it broke") != std::string::npos);
}

TEST_CASE("the slow-step and dump-signal options are read from the command "
          "line",
          "[task_dump]") {
  auto parse = [](std::vector<std::string> args) {
    std::vector<char*> argv{const_cast<char*>("prog")};
    for (auto& a : args)
      argv.push_back(a.data());
    int argc = static_cast<int>(argv.size());
    argv.push_back(nullptr); // argv[argc], as main's has
    actio::runtime_options o;
    o.read_command_line(argc, argv.data());
    return o;
  };
  CHECK(parse({"--actio-slow-step=250ms"}).slow_step == 250ms);
  CHECK(parse({"--actio-slow-step=2s"}).slow_step == 2s);
  CHECK(parse({"--actio-slow-step=500us"}).slow_step == 500us);
  CHECK(parse({"--actio-slow-step=40"}).slow_step == 40ms);
  CHECK(parse({"--actio-slow-step=0"}).slow_step == 0ms);
  CHECK(parse({}).slow_step < actio::duration::zero()); // the build's default
  CHECK_THROWS_AS(parse({"--actio-slow-step=fast"}), std::invalid_argument);
  CHECK_THROWS_AS(parse({"--actio-slow-step=3h"}), std::invalid_argument);
  CHECK(parse({"--actio-dump-signal=SIGUSR1"}).dump_signal == SIGUSR1);
  CHECK(parse({"--actio-dump-signal=USR2"}).dump_signal == SIGUSR2);
  CHECK(parse({"--actio-dump-signal=10"}).dump_signal == 10);
  CHECK_THROWS_AS(parse({"--actio-dump-signal=SIGKILL"}),
                  std::invalid_argument);
  CHECK_THROWS_AS(parse({"--actio-dump-signal=2"}), std::invalid_argument);
  CHECK_THROWS_AS(parse({"--actio-dump-signal=99999"}), std::invalid_argument);
}

TEST_CASE("dumps read on another thread while tasks start, park and end "
          "stay well-formed under every scheduler policy",
          "[task_dump][threads]") {
  auto policy = ACTIO_EVERY_SCHEDULER_POLICY();
  CAPTURE(policy);
  auto churn = []() -> actio::task<void> {
    for (int round = 0; round < 100; ++round) {
      std::vector<actio::future<actio::none>> kids;
      for (int i = 0; i < 8; ++i)
        kids.push_back(actio::create_task("kid", nap, actio::duration{100us}));
      co_await actio::gather(kids);
    }
  };
  for (int repeat = 0; repeat < 5; ++repeat) {
    actio::runtime rt{actio::test::real_time(policy)};
    auto f = rt.create_task("churn", churn);
    int dumps = 0;
    bool well_formed = true;
    while (!f.done()) {
      auto dump = dump_json(rt);
      for (const auto& t : dump["tasks"]) {
        auto state = t["state"].get<std::string>();
        well_formed =
            well_formed && !t["name"].get<std::string>().empty() &&
            (state == "running" || state == "ready" || state == "suspended");
      }
      ++dumps;
    }
    rt.run_until_complete(f);
    CHECK(well_formed);
    CHECK(dumps > 0);
    CHECK(dump_json(rt)["tasks"].empty());
  }
}
