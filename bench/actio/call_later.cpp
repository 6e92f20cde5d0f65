// SPDX-License-Identifier: Apache-2.0
// N call_later callbacks with seeded random delays in [0, 1 s]; ok if every
// callback ran in deadline order. The loop runs while the timers are being
// registered (actio has no stopped loop): order is checked for every pair in
// which the later-firing callback's call_at had returned at least 1 ms
// before the earlier one fell due (a timer cannot fire before it is
// registered).
// Reports lateness percentiles, the registration time, and the p99
// lateness of the timers due after registration ended.
#include "report.hpp"

#include <actio/actio.hpp>

#include <algorithm>
#include <atomic>
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
  // Lateness of the timers due after the last one was registered: the
  // timer service's own delay, without the registration burst's.
  std::vector<double> lateness_after;
  lateness_after.reserve(static_cast<std::size_t>(n));
  // When the last timer was registered (max until then).
  std::atomic<actio::time_point> registered_all_at{actio::time_point::max()};
  // When each call_at had returned (0 until then): the order check counts
  // only timers whose registration was complete, not merely begun, since a
  // registering thread preempted between reading the clock and handing the
  // timer over would otherwise look like a timer fired out of order.
  std::vector<std::atomic<actio::time_point::rep>> registered_at(
      static_cast<std::size_t>(n));
  actio::time_point last_due{};
  bool in_order = true;
  long fired = 0;
  actio::bench::stopwatch clock;
  for (long i = 0; i < n; ++i) {
    auto delay = std::chrono::microseconds(delay_us(rng));
    auto due = rt.time() + delay;
    auto& done_at = registered_at[static_cast<std::size_t>(i)];
    rt.call_at(due, [&, due] {
      auto now = rt.time();
      auto rep = done_at.load(std::memory_order_acquire);
      auto registered = rep == 0 ? actio::time_point::max()
                                 : actio::time_point{actio::duration{rep}};
      lateness.push_back(std::chrono::duration<double>(now - due).count());
      if (due > registered_all_at.load(std::memory_order_relaxed))
        lateness_after.push_back(
            std::chrono::duration<double>(now - due).count());
      if (due < last_due && registered < last_due &&
          last_due - registered > std::chrono::milliseconds(1))
        in_order = false;
      last_due = due;
      if (++fired == n)
        rt.stop();
    });
    done_at.store(rt.time().time_since_epoch().count(),
                  std::memory_order_release);
  }
  double register_s = clock.seconds();
  registered_all_at.store(rt.time());
  rt.run_forever();
  double wall = clock.seconds();
  std::sort(lateness.begin(), lateness.end());
  std::sort(lateness_after.begin(), lateness_after.end());
  auto pct = [](const std::vector<double>& v, double p) {
    return v.empty() ? 0.0
                     : v[static_cast<std::size_t>(
                           p * static_cast<double>(v.size() - 1))] *
                           1e3;
  };
  std::string detail =
      "{\"p50_late_ms\": " + std::to_string(pct(lateness, 0.5)) +
      ", \"p99_late_ms\": " + std::to_string(pct(lateness, 0.99)) +
      ", \"max_late_ms\": " + std::to_string(pct(lateness, 1.0)) +
      ", \"register_s\": " + std::to_string(register_s) +
      ", \"due_after_registration\": " + std::to_string(lateness_after.size()) +
      ", \"p99_late_after_registration_ms\": " +
      std::to_string(pct(lateness_after, 0.99)) + "}";
  actio::bench::report("call_later", n, in_order && fired == n, wall,
                       static_cast<double>(n), detail);
}
