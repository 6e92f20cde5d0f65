// SPDX-License-Identifier: Apache-2.0
#include "support/run_program.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <sstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::run_program;

namespace {

std::string example(const std::string& name) {
  return std::string{ACTIO_EXAMPLES_DIR} + "/" + name;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

long count(const std::string& text, const std::string& what) {
  auto ls = lines(text);
  return std::count(ls.begin(), ls.end(), what);
}

} // namespace

TEST_CASE("example 01: one 2 s task and ten concurrent ones both take 2 s",
          "[examples]") {
  auto r = run_program({example("01_event_loop"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(count(r.out, "this is a test for async") == 11);
  CHECK(count(r.out, "test again") == 11);
  CHECK(count(r.out, "耗时: 2.000") == 2);
}

TEST_CASE("example 01 --blocking: thread sleeps serialise on the scheduler "
          "threads",
          "[examples]") {
  auto r = run_program(
      {example("01_event_loop"), "--blocking", "--actio-threads=10"}, 20s);
  REQUIRE(r.exit_code == 0);
  CHECK(count(r.out, "test again") == 11);
}

TEST_CASE("example 02: wait, gather and a gather of gathers take 2 s each",
          "[examples]") {
  auto r =
      run_program({example("02_wait_and_gather"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(count(r.out, "wait: 2 done, 0 pending") == 1);
  CHECK(count(r.out, "gather: 4 results") == 1);
  CHECK(count(r.out, "groups: 2 + 2 results, lixingyun") == 1);
  CHECK(count(r.out, "耗时: 2.000") == 3);
}

TEST_CASE("example 03: the done callback gets the result and the bound "
          "argument",
          "[examples]") {
  auto r =
      run_program({example("03_future_callback"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) ==
        std::vector<std::string>{"this is a test for async", "test again",
                                 "callback ==> lixingyun another ==> wanglin",
                                 "lixingyun"});
}

TEST_CASE("example 04 without Ctrl-C: the tasks finish in 2 s", "[examples]") {
  auto r = run_program({example("04_cancel"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(count(r.out, "test again") == 3);
  CHECK(count(r.out, "耗时: 2.000") == 1);
}

TEST_CASE("example 04: SIGINT cancels the running tasks, each cancel "
          "reports true, and the process exits 130 within 2 s",
          "[examples][signals]") {
  auto r = run_program({example("04_cancel")}, 10s, SIGINT, 300ms);
  CHECK(r.exit_code == 130);
  CHECK(r.seconds < 2.0);
  CHECK(count(r.out, "cancel task ==> true") == 3);
  CHECK(count(r.out, "task cleans up after cancel") == 3);
  CHECK(count(r.out, "test again") == 0);
  CHECK(count(r.out, "cancelled: true") == 1);
}

TEST_CASE("example 05: print_sum awaits compute and prints 1 + 2 = 3 after "
          "2 s",
          "[examples]") {
  auto r = run_program(
      {example("05_nested_coroutines"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) == std::vector<std::string>{"打印 1 + 2", "计算 1 + 2",
                                                 "1 + 2 = 3", "耗时: 2.000",
                                                 "计算 3 + 4", "3 + 4 = 7",
                                                 "耗时: 2.000"});
}

TEST_CASE("example 06: call_* callbacks run in the seed's order",
          "[examples]") {
  auto expected =
      std::vector<std::string>{"call_soon ==> 5",  "call_soon_threadsafe ==> 2",
                               "call_later ==> 1", "call_at ==> 1",
                               "call_later ==> 2", "call_at ==> 2",
                               "call_later ==> 3", "call_at ==> 3"};
  SECTION("on virtual time") {
    auto r = run_program(
        {example("06_call_soon_later_at"), "--actio-virtual-time"}, 10s);
    REQUIRE(r.exit_code == 0);
    CHECK(lines(r.out) == expected);
  }
  SECTION("in real time") {
    auto r = run_program({example("06_call_soon_later_at")}, 10s);
    REQUIRE(r.exit_code == 0);
    CHECK(lines(r.out) == expected);
    CHECK(r.seconds >= 3.0);
  }
}

TEST_CASE("example 09: twenty hand-written GETs over open_connection, "
          "concurrently with as_completed and then one by one",
          "[examples][stream]") {
  auto r = run_program({example("09_http_over_sockets")}, 30s);
  REQUIRE(r.exit_code == 0);
  for (int i = 0; i < 20; ++i) {
    auto page = "<html><title>/item/" + std::to_string(i) +
                "</title><body>page /item/" + std::to_string(i) +
                "</body></html>";
    CHECK(count(r.out, page) == 2);
  }
  auto ls = lines(r.out);
  REQUIRE(ls.size() == 42);
  auto seconds = [](const std::string& line) {
    return std::stod(line.substr(line.find(':') + 2));
  };
  CHECK(ls[20].find("concurrently") != std::string::npos);
  CHECK(ls[41].find("one after another") != std::string::npos);
  CHECK(seconds(ls[20]) * 3 < seconds(ls[41]));
}

TEST_CASE("example 09 with --client: the same twenty GETs through "
          "http_client",
          "[examples][http_client]") {
  auto r = run_program({example("09_http_over_sockets"), "--client"}, 30s);
  REQUIRE(r.exit_code == 0);
  for (int i = 0; i < 20; ++i) {
    auto page = "<html><title>/item/" + std::to_string(i) +
                "</title><body>page /item/" + std::to_string(i) +
                "</body></html>";
    CHECK(count(r.out, page) == 2);
  }
  auto ls = lines(r.out);
  REQUIRE(ls.size() == 42);
  CHECK(ls[20].find("concurrently") != std::string::npos);
  CHECK(ls[41].find("one after another") != std::string::npos);
}

TEST_CASE("example 10: a CAF actor awaits a task and a task awaits a CAF "
          "actor",
          "[examples][caf_interop]") {
  auto r = run_program({example("10_caf_actors"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) == std::vector<std::string>{
                            "actor: the task returned 21", "starter saw 21",
                            "task: the actor answered 42", "result 42",
                            "doubler got: hello after 1 s"});
}
