// SPDX-License-Identifier: Apache-2.0
#include "actio/actio.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;

namespace {

actio::task<int> compute(int x, int y) {
  co_await actio::sleep(2s);
  co_return x + y;
}

} // namespace

TEST_CASE("a task sleeping 2 s returns its value under virtual time",
          "[task]") {
  actio::runtime rt{actio::runtime_options{.virtual_time = true}};
  auto start = rt.time();
  auto f = rt.create_task(compute, 1, 2);
  CHECK(rt.run_until_complete(f) == 3);
  CHECK(rt.time() - start == 2s);
}
