// SPDX-License-Identifier: Apache-2.0
// A pinger request(...).then's a ponger N times in sequence; the ponger
// answers x + 1. ok if every reply is right.
#include "common.hpp"

#include <future>

namespace {

using ping_atom = caf::atom_constant<caf::atom("ping")>;

caf::behavior ponger(caf::event_based_actor*) {
  return {[](ping_atom, long x) { return x + 1; }};
}

struct pinger_state {
  long i = 0;
  bool ok = true;
};

void next_ping(caf::stateful_actor<pinger_state>* self, caf::actor pong, long n,
               std::promise<bool>* done) {
  if (self->state.i == n) {
    done->set_value(self->state.ok);
    self->send_exit(pong, caf::exit_reason::user_shutdown);
    self->quit();
    return;
  }
  long x = self->state.i;
  self->request(pong, caf::infinite, ping_atom::value, x).then([=](long y) {
    if (y != x + 1)
      self->state.ok = false;
    ++self->state.i;
    next_ping(self, pong, n, done);
  });
}

void pinger(caf::stateful_actor<pinger_state>* self, caf::actor pong, long n,
            std::promise<bool>* done) {
  next_ping(self, pong, n, done);
}

} // namespace

int main(int argc, char** argv) {
  auto a = caf_bench::parse(argc, argv);
  caf::actor_system_config cfg;
  caf_bench::configure(cfg, a);
  caf::actor_system sys{cfg};
  std::promise<bool> done;
  auto result = done.get_future();
  caf_bench::stopwatch clock;
  auto pong = sys.spawn(ponger);
  sys.spawn(pinger, pong, a.n, &done);
  bool ok = result.get();
  double wall = clock.seconds();
  caf_bench::report(a, ok, wall, static_cast<double>(a.n));
}
