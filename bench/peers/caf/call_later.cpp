// SPDX-License-Identifier: Apache-2.0
// One actor schedules N messages to itself at absolute deadlines t0 + d_i
// (d_i from the suite's splitmix64, seed 42, in [0, 1 s]) via the actor
// clock; ok if all arrive and those due after registration finished arrive in
// deadline order. Reports lateness percentiles.
#include "common.hpp"

#include <algorithm>
#include <future>
#include <vector>

namespace {

using clock_type = caf::actor_clock;

struct timer_state {
  std::vector<double> late;
  std::int64_t registered = 0;
  std::int64_t last_due = 0;
  bool have_last = false;
  long violations = 0;
};

struct outcome {
  std::vector<double> late;
  long violations = 0;
  double registration_s = 0;
};

std::int64_t ticks(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

caf::behavior timers(caf::stateful_actor<timer_state>* self,
                     std::vector<long> delays_us, std::promise<outcome>* done) {
  auto& clk = self->system().clock();
  auto t0 = clk.now();
  auto me = caf::actor_cast<caf::strong_actor_ptr>(self);
  for (long d : delays_us) {
    auto due = t0 + std::chrono::microseconds(d);
    clk.schedule_message(due, me,
                         caf::make_mailbox_element(nullptr,
                                                   caf::make_message_id(),
                                                   caf::no_stages, ticks(due)));
  }
  self->state.registered = ticks(clk.now());
  self->state.late.reserve(delays_us.size());
  auto n = delays_us.size();
  auto registration_s =
      static_cast<double>(self->state.registered - ticks(t0)) * 1e-9;
  return {[=](std::int64_t due) {
    auto& st = self->state;
    auto now = ticks(self->system().clock().now());
    st.late.push_back(static_cast<double>(now - due) * 1e-9);
    if (due >= st.registered) {
      if (st.have_last && due < st.last_due)
        ++st.violations;
      st.last_due = due;
      st.have_last = true;
    }
    if (st.late.size() == n) {
      done->set_value(
          outcome{std::move(st.late), st.violations, registration_s});
      self->quit();
    }
  }};
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty())
    return 0;
  return sorted[static_cast<std::size_t>(
      p * static_cast<double>(sorted.size() - 1))];
}

} // namespace

int main(int argc, char** argv) {
  auto a = caf_bench::parse(argc, argv);
  std::vector<long> delays(static_cast<std::size_t>(a.n));
  caf_bench::splitmix64 rng{42};
  for (auto& d : delays)
    d = static_cast<long>(rng.next() % 1000001u);
  caf::actor_system_config cfg;
  caf_bench::configure(cfg, a);
  caf::actor_system sys{cfg};
  std::promise<outcome> done;
  auto result = done.get_future();
  caf_bench::stopwatch clock;
  sys.spawn(timers, std::move(delays), &done);
  auto out = result.get();
  double wall = clock.seconds();
  std::sort(out.late.begin(), out.late.end());
  std::string detail =
      "{\"p50_late_ms\": " + std::to_string(percentile(out.late, 0.5) * 1e3) +
      ", \"p99_late_ms\": " + std::to_string(percentile(out.late, 0.99) * 1e3) +
      ", \"max_late_ms\": " + std::to_string(percentile(out.late, 1.0) * 1e3) +
      ", \"resolution_ms\": 0, \"registration_s\": " +
      std::to_string(out.registration_s) +
      ", \"order_violations\": " + std::to_string(out.violations) + "}";
  bool ok =
      out.violations == 0 && out.late.size() == static_cast<std::size_t>(a.n);
  caf_bench::report(a, ok, wall, static_cast<double>(a.n), detail);
}
