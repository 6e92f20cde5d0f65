// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the raw CAF 0.17 benchmark peers: the actor system
// configuration (scheduler policy from argv), the suite's PRNG, timing and the
// one JSON line of the bench protocol (see docs/bench.md).
#pragma once

#include <actio/caf/scheduler.hpp>

#include <caf/all.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace caf_bench {

/// Command line of a CAF peer: `<prog> <case> <N> [sharing|stealing|handoff]`.
struct args {
  std::string bench_case;
  long n = 0;
  std::string policy = "sharing";

  /// The `impl` name reported: "caf" (sharing), "caf-stealing" or
  /// "caf-handoff" (actio's scheduler under plain CAF actors).
  std::string impl() const {
    return policy == "sharing" ? "caf" : "caf-" + policy;
  }
};

/// Parses argv or exits with status 2 and a usage line.
inline args parse(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s <case> <N> [sharing|stealing|handoff]\n",
                 argv[0]);
    std::exit(2);
  }
  args a;
  a.bench_case = argv[1];
  a.n = std::strtol(argv[2], nullptr, 10);
  for (int i = 3; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "sharing" || arg == "stealing" || arg == "handoff") {
      a.policy = arg;
    } else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      std::exit(2);
    }
  }
  return a;
}

/// Actor system configuration: CAF's `sharing` or `stealing` policy, or
/// actio's `handoff` scheduler.
inline void configure(caf::actor_system_config& cfg, const args& a) {
  if (a.policy == "handoff")
    actio::use_scheduler(cfg, actio::scheduler_policy::handoff);
  else if (a.policy == "stealing")
    cfg.set("scheduler.policy", caf::atom("stealing"));
  else
    cfg.set("scheduler.policy", caf::atom("sharing"));
}

/// The suite's shared PRNG, identical in every peer.
struct splitmix64 {
  std::uint64_t state;
  std::uint64_t next() {
    state += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

/// Seconds since construction, on the steady clock.
class stopwatch {
public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }

private:
  std::chrono::steady_clock::time_point start_ =
      std::chrono::steady_clock::now();
};

/// Prints the protocol's JSON line; `detail` is a JSON object.
inline void report(const args& a, bool ok, double wall, double ops,
                   const std::string& detail = "{}") {
  std::printf("{\"case\": \"%s\", \"impl\": \"%s\", \"n\": %ld, \"ok\": %s, "
              "\"wall_s\": %.6f, \"ops_per_s\": %.1f, \"detail\": %s}\n",
              a.bench_case.c_str(), a.impl().c_str(), a.n,
              ok ? "true" : "false", wall, wall > 0 ? ops / wall : 0.0,
              detail.c_str());
  std::fflush(stdout);
}

} // namespace caf_bench
