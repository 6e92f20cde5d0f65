// SPDX-License-Identifier: Apache-2.0
#include "actio/shield.hpp"

#include "actio/actio.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::virtual_time;

namespace {

actio::task<int> save(std::chrono::milliseconds d,
                      std::vector<std::string>* log, int v) {
  co_await actio::sleep(d);
  log->push_back("saved");
  co_return v;
}

actio::task<int> fail_after(std::chrono::milliseconds d) {
  co_await actio::sleep(d);
  throw std::runtime_error("save failed");
}

actio::task<std::string> await_shielded(actio::future<int> f,
                                        std::vector<std::string>* log) {
  try {
    co_await actio::shield(f);
  } catch (const actio::cancelled_error&) {
    log->push_back("caller cancelled");
    throw;
  }
  co_return "not cancelled";
}

actio::task<int> await_shield_of(actio::future<int> f) {
  co_return co_await actio::shield(f);
}

} // namespace

TEST_CASE("a task awaiting shield(f) raises cancelled_error when cancelled "
          "while f keeps running to completion",
          "[shield][cancel]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto saving = rt.create_task(save, 5s, &log, 42);
  auto caller = rt.create_task(await_shielded, saving, &log);
  rt.call_later(1s, [caller] { caller.cancel(); });
  auto start = rt.time();
  CHECK_THROWS_AS(rt.run_until_complete(caller), actio::cancelled_error);
  CHECK(rt.time() - start == 1s);
  CHECK_FALSE(saving.done());
  CHECK(rt.run_until_complete(saving) == 42);
  CHECK(log == std::vector<std::string>{"caller cancelled", "saved"});
}

TEST_CASE("shield passes f's value or error through when nobody cancels",
          "[shield]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  CHECK(rt.run_until_complete(rt.create_task(
            await_shield_of, rt.create_task(save, 1s, &log, 7))) == 7);
  CHECK_THROWS_WITH(rt.run_until_complete(rt.create_task(
                        await_shield_of, rt.create_task(fail_after, 1s))),
                    "save failed");
}

TEST_CASE("cancelling the shield's future leaves f running; cancelling f "
          "itself cancels the shield",
          "[shield][cancel]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto saving = rt.create_task(save, 2s, &log, 1);
  auto s = actio::shield(saving);
  CHECK(s.cancel());
  CHECK(s.cancelled());
  CHECK_FALSE(saving.done());
  CHECK(rt.run_until_complete(saving) == 1);

  auto other = rt.create_task(save, 2s, &log, 2);
  auto s2 = actio::shield(other);
  rt.call_later(1s, [other] { other.cancel(); });
  CHECK_THROWS_AS(rt.run_until_complete(s2), actio::cancelled_error);
  CHECK(s2.cancelled());
}

TEST_CASE("shield of a finished future is a finished future with the same "
          "result; shield of no future throws",
          "[shield]") {
  actio::runtime rt{virtual_time()};
  actio::promise<int> p;
  p.set_value(3);
  auto s = actio::shield(p.get_future());
  REQUIRE(s.done());
  CHECK(s.result() == 3);
  CHECK_FALSE(s.cancel());

  actio::promise<int> failed;
  failed.set_exception(std::make_exception_ptr(std::runtime_error("boom")));
  auto sf = actio::shield(failed.get_future());
  REQUIRE(sf.done());
  CHECK_THROWS_WITH(sf.result(), "boom");

  CHECK_THROWS_AS(actio::shield(actio::future<int>{}), std::invalid_argument);
}

TEST_CASE("shield starts a coroutine object as a task", "[shield]") {
  actio::runtime rt{virtual_time()};
  std::vector<std::string> log;
  auto s = actio::shield(save(1s, &log, 9));
  CHECK(rt.run_until_complete(s) == 9);
}
