// SPDX-License-Identifier: Apache-2.0
// N jobs each blocking 5 ms on a pool of 16 blocking-worker actors
// (run_in_executor); ok if every result is back in order. Reports the ratio
// to the ideal N * 5 ms / 16.
#include "report.hpp"

#include <actio/actio.hpp>
#include <actio/sync/executor_pool.hpp>

#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  long n = actio::bench::arg_n(argc, argv, 2000);
  actio::runtime rt{argc, argv};
  actio::executor_options o;
  o.threads = 16;
  actio::executor_pool pool{rt, o};
  actio::bench::stopwatch clock;
  std::vector<actio::future<long>> jobs;
  jobs.reserve(static_cast<std::size_t>(n));
  for (long i = 0; i < n; ++i)
    jobs.push_back(pool.submit([i] {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return i;
    }));
  auto results = rt.run_until_complete(actio::gather(std::move(jobs)));
  double wall = clock.seconds();
  bool ok = static_cast<long>(results.size()) == n;
  for (long i = 0; ok && i < n; ++i)
    ok = results[static_cast<std::size_t>(i)] == i;
  double ideal = static_cast<double>(n) * 0.005 / 16.0;
  actio::bench::report(
      "executor", n, ok, wall, static_cast<double>(n),
      "{\"ideal_s\": " + std::to_string(ideal) +
          ", \"ratio_to_ideal\": " + std::to_string(wall / ideal) + "}");
}
