// SPDX-License-Identifier: Apache-2.0
// N call_later callbacks with seeded random delays in [0, 1 s]; ok if every
// callback ran in deadline order. The loop runs while the timers are being
// registered (actio has no stopped loop): order is checked for every pair in
// which the later-firing callback was registered at least 1 ms before the
// earlier one fell due (a timer cannot fire before it is registered).
// Reports lateness percentiles.
#include "report.hpp"

#include <actio/actio.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  long n = actio::bench::arg_n(argc, argv, 100000);
  actio::runtime rt{argc, argv};
  std::mt19937_64 rng{42};
  std::uniform_int_distribution<long> delay_us{0, 1000000};
  std::vector<double> lateness;
  lateness.reserve(static_cast<std::size_t>(n));
  actio::time_point last_due{};
  bool in_order = true;
  long fired = 0;
  actio::bench::stopwatch clock;
  for (long i = 0; i < n; ++i) {
    auto registered = rt.time();
    auto delay = std::chrono::microseconds(delay_us(rng));
    auto due = registered + delay;
    rt.call_at(due, [&, due, registered] {
      auto now = rt.time();
      lateness.push_back(std::chrono::duration<double>(now - due).count());
      if (due < last_due &&
          registered + std::chrono::milliseconds(1) < last_due)
        in_order = false;
      last_due = due;
      if (++fired == n)
        rt.stop();
    });
  }
  rt.run_forever();
  double wall = clock.seconds();
  std::sort(lateness.begin(), lateness.end());
  auto pct = [&](double p) {
    return lateness.empty()
               ? 0.0
               : lateness[static_cast<std::size_t>(
                     p * static_cast<double>(lateness.size() - 1))];
  };
  std::string detail = "{\"p50_late_ms\": " + std::to_string(pct(0.5) * 1e3) +
                       ", \"p99_late_ms\": " + std::to_string(pct(0.99) * 1e3) +
                       ", \"max_late_ms\": " + std::to_string(pct(1.0) * 1e3) +
                       "}";
  actio::bench::report("call_later", n, in_order && fired == n, wall,
                       static_cast<double>(n), detail);
}
