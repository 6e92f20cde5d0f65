// SPDX-License-Identifier: Apache-2.0
#pragma once

// N event-based actors each delayed_send themselves a tick after a delay,
// then send 1 to a collector; ok if the collector's sum is N. Shared by
// the sleep_tasks (1 s) and idle (10 s) peers.
#include "common.hpp"

#include <chrono>
#include <future>

namespace sleepers_detail {

using tick_atom = caf::atom_constant<caf::atom("tick")>;

inline caf::behavior sleeper(caf::event_based_actor* self, caf::actor collector,
                             std::chrono::seconds delay) {
  self->delayed_send(self, delay, tick_atom::value);
  return {[=](tick_atom) {
    self->send(collector, 1L);
    self->quit();
  }};
}

struct collector_state {
  long count = 0;
  long sum = 0;
};

inline caf::behavior collector(caf::stateful_actor<collector_state>* self,
                               long n, std::promise<long>* done) {
  return {[=](long x) {
    self->state.sum += x;
    if (++self->state.count == n) {
      done->set_value(self->state.sum);
      self->quit();
    }
  }};
}

} // namespace sleepers_detail

/// Runs N sleepers of `delay` and reports as every peer program does.
inline void run_sleepers(int argc, char** argv, std::chrono::seconds delay) {
  auto a = caf_bench::parse(argc, argv);
  caf::actor_system_config cfg;
  caf_bench::configure(cfg, a);
  caf::actor_system sys{cfg};
  std::promise<long> done;
  auto result = done.get_future();
  caf_bench::stopwatch clock;
  using namespace sleepers_detail;
  auto sink = sys.spawn(collector, a.n, &done);
  for (long i = 0; i < a.n; ++i)
    sys.spawn(sleeper, sink, delay);
  long sum = result.get();
  double wall = clock.seconds();
  caf_bench::report(a, sum == a.n, wall, static_cast<double>(a.n));
}
