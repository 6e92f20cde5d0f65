// SPDX-License-Identifier: Apache-2.0
// A runtime holding N tasks that each sleep 10 s, gathered: what matters is
// the CPU time the harness measures (creation included), not the wall time;
// a scheduler that spins while idle shows here. ok if the sum is N.
#include "report.hpp"

#include <actio/actio.hpp>

#include <vector>

using namespace std::chrono_literals;

namespace {

actio::task<int> sleeper() {
  co_await actio::sleep(10s);
  co_return 1;
}

} // namespace

int main(int argc, char** argv) {
  long n = actio::bench::arg_n(argc, argv, 10000);
  actio::runtime rt{argc, argv};
  actio::bench::stopwatch clock;
  std::vector<actio::future<int>> tasks;
  tasks.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i)
    tasks.push_back(rt.create_task(sleeper));
  auto results = rt.run_until_complete(actio::gather(std::move(tasks)));
  double wall = clock.seconds();
  long sum = 0;
  for (int r : results)
    sum += r;
  actio::bench::report("idle", n, sum == n, wall, static_cast<double>(n));
}
