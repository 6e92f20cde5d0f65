// SPDX-License-Identifier: Apache-2.0
// Runs examples 07, 08 and 17 (when the build has examples) and checks what
// they print.
#include "support/run_program.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

using namespace std::chrono_literals;
using actio::test::run_program;

namespace {

std::string example(const std::string& name) {
  return std::string{ACTIO_EXAMPLES_DIR} + "/" + name;
}

bool built(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0;
}

std::vector<std::string> lines(const std::string& out) {
  std::vector<std::string> result;
  std::istringstream in{out};
  for (std::string line; std::getline(in, line);)
    result.push_back(line);
  return result;
}

} // namespace

TEST_CASE("example 07: ten blocking GETs on a pool of 2 beat the same GETs "
          "one after the other",
          "[executor][examples]") {
  auto path = example("07_executor");
  if (!built(path)) {
    WARN("examples not built (ACTIO_BUILD_EXAMPLES=OFF): skipped");
    return;
  }
  auto r = run_program({path, "--actio-no-signals"}, 20s);
  REQUIRE(r.exit_code == 0);
  auto ls = lines(r.out);
  REQUIRE(ls.size() == 22);
  for (int i = 0; i < 10; ++i) {
    auto body = "<html>/item/" + std::to_string(i) + "</html>";
    CHECK(ls[static_cast<std::size_t>(i)] == body);
    CHECK(ls[static_cast<std::size_t>(11 + i)] == body);
  }
  const std::string prefix = "耗时: ";
  REQUIRE(ls[10].rfind(prefix, 0) == 0);
  REQUIRE(ls[21].rfind(prefix, 0) == 0);
  auto pooled = std::stod(ls[10].substr(prefix.size()));
  auto sequential = std::stod(ls[21].substr(prefix.size()));
  CHECK(sequential >= 0.5); // ten 50 ms answers can only be slower
  CHECK(pooled >= 0.25);
  // The pool's effect shows in what the server answered at once, not in
  // wall time (a shared machine): both workers, and never more.
  auto at_once = [](const std::string& line) {
    auto at = line.find("up to ");
    REQUIRE(at != std::string::npos);
    return std::stoi(line.substr(at + 6));
  };
  CHECK(at_once(ls[10]) == 2);
  CHECK(at_once(ls[21]) == 1);
}

TEST_CASE("example 08: the counter prints 0, the page goes from parse_html "
          "to use_html through the queue, and the cache fetches once",
          "[queue][cache][counter][examples]") {
  auto path = example("08_sync_and_communication");
  if (!built(path)) {
    WARN("examples not built (ACTIO_BUILD_EXAMPLES=OFF): skipped");
    return;
  }
  // 2M counter messages on CAF's one-thread test scheduler: ~5 s in
  // Release, 22-29 s under ASan on a loaded machine.
  auto r = run_program({path, "--actio-virtual-time"}, 100s);
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) ==
        std::vector<std::string>{
            "0",
            "从网络获取结果 ==> <html>http://www.baidu.com</html>",
            "从队列拿到结果 ==> <html>http://www.baidu.com</html>",
            "<actio::queue maxsize=0>",
            "<html>http://www.baidu.com</html>",
            "fetches: 1",
        });
}

TEST_CASE("example 17: the lock keeps the total exact and is given back by "
          "a cancelled holder, an event wakes all, a condition hands over "
          "three items, a barrier numbers arrivals and breaks on abort",
          "[lock][event][condition][barrier][examples]") {
  auto path = example("17_sync_primitives");
  if (!built(path)) {
    WARN("examples not built (ACTIO_BUILD_EXAMPLES=OFF): skipped");
    return;
  }
  auto r = run_program({path, "--actio-virtual-time"}, 30s);
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) == std::vector<std::string>{
                            "lock: total = 3000",
                            "lock: held = true",
                            "lock: held after its holder was cancelled = false",
                            "event: 3 waiters woke",
                            "condition: consumer got 1 2 3",
                            "barrier: arrival indices 2 0 1",
                            "barrier: after abort: barrier is broken",
                        });
}
