// SPDX-License-Identifier: Apache-2.0
// gather of N trivial tasks returning i; ok if the sum matches.
#include "report.hpp"

#include <actio/actio.hpp>

#include <vector>

namespace {

actio::task<long> identity(long i) {
  co_return i;
}

} // namespace

int main(int argc, char** argv) {
  long n = actio::bench::arg_n(argc, argv, 100000);
  actio::runtime rt{argc, argv};
  actio::bench::stopwatch clock;
  std::vector<actio::future<long>> tasks;
  tasks.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i)
    tasks.push_back(rt.create_task(identity, i));
  auto results = rt.run_until_complete(actio::gather(std::move(tasks)));
  double wall = clock.seconds();
  long sum = 0;
  for (long r : results)
    sum += r;
  bool ok = sum == n * (n - 1) / 2 && static_cast<long>(results.size()) == n;
  actio::bench::report("gather_trivial", n, ok, wall, static_cast<double>(n));
}
