// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace actio::bench {

/// Wall-clock stopwatch for the timed region.
class stopwatch {
public:
  stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }

private:
  std::chrono::steady_clock::time_point start_;
};

/// Prints the one JSON line the bench harness reads.
inline void report(const char* bench_case, long n, bool ok, double wall_s,
                   double ops, const std::string& detail = "{}") {
  std::printf("{\"case\": \"%s\", \"impl\": \"actio\", \"n\": %ld, \"ok\": %s, "
              "\"wall_s\": %.6f, \"ops_per_s\": %.1f, \"detail\": %s}\n",
              bench_case, n, ok ? "true" : "false", wall_s,
              wall_s > 0 ? ops / wall_s : 0.0, detail.c_str());
}

/// N from argv[2] (argv[1] is the case name), or `fallback`.
inline long arg_n(int argc, char** argv, long fallback) {
  return argc > 2 ? std::strtol(argv[2], nullptr, 10) : fallback;
}

} // namespace actio::bench
