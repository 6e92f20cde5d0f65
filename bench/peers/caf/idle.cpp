// SPDX-License-Identifier: Apache-2.0
// N event-based actors each delayed_send themselves a tick after 10 s, then
// send 1 to a collector; ok if the collector's sum is N. The harness's CPU
// time is the measure: an idle scheduler that polls shows here.
#include "common.hpp"

#include <future>

namespace {

using tick_atom = caf::atom_constant<caf::atom("tick")>;

caf::behavior sleeper(caf::event_based_actor* self, caf::actor collector) {
  self->delayed_send(self, std::chrono::seconds(10), tick_atom::value);
  return {[=](tick_atom) {
    self->send(collector, 1L);
    self->quit();
  }};
}

struct collector_state {
  long count = 0;
  long sum = 0;
};

caf::behavior collector(caf::stateful_actor<collector_state>* self, long n,
                        std::promise<long>* done) {
  return {[=](long x) {
    self->state.sum += x;
    if (++self->state.count == n) {
      done->set_value(self->state.sum);
      self->quit();
    }
  }};
}

} // namespace

int main(int argc, char** argv) {
  auto a = caf_bench::parse(argc, argv);
  caf::actor_system_config cfg;
  caf_bench::configure(cfg, a);
  caf::actor_system sys{cfg};
  std::promise<long> done;
  auto result = done.get_future();
  caf_bench::stopwatch clock;
  auto sink = sys.spawn(collector, a.n, &done);
  for (long i = 0; i < a.n; ++i)
    sys.spawn(sleeper, sink);
  long sum = result.get();
  double wall = clock.seconds();
  caf_bench::report(a, sum == a.n, wall, static_cast<double>(a.n));
}
