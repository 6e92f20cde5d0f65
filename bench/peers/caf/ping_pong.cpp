// SPDX-License-Identifier: Apache-2.0
// A pinger request(...).then's a ponger N times in sequence; the ponger
// answers x + 1. ok if every reply is right. Timed with caf::infinite; the
// detail reports the same N round trips with a 10 s timeout each (CAF's
// actor clock).
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

template <class Timeout>
void next_ping(caf::stateful_actor<pinger_state>* self, caf::actor pong, long n,
               Timeout timeout, std::promise<bool>* done) {
  if (self->state.i == n) {
    done->set_value(self->state.ok);
    self->quit();
    return;
  }
  long x = self->state.i;
  self->request(pong, timeout, ping_atom::value, x)
      .then(
          [=](long y) {
            if (y != x + 1)
              self->state.ok = false;
            ++self->state.i;
            next_ping(self, pong, n, timeout, done);
          },
          [=](caf::error&) {
            self->state.ok = false;
            self->state.i = n;
            next_ping(self, pong, n, timeout, done);
          });
}

template <class Timeout>
void pinger(caf::stateful_actor<pinger_state>* self, caf::actor pong, long n,
            Timeout timeout, std::promise<bool>* done) {
  next_ping(self, pong, n, timeout, done);
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
  sys.spawn(pinger<caf::infinite_t>, pong, a.n, caf::infinite, &done);
  bool ok = result.get();
  double wall = clock.seconds();

  std::promise<bool> timed_done;
  auto timed_result = timed_done.get_future();
  caf_bench::stopwatch timed_clock;
  sys.spawn(pinger<std::chrono::seconds>, pong, a.n, std::chrono::seconds(10),
            &timed_done);
  bool timed_ok = timed_result.get();
  double timed_wall = timed_clock.seconds();
  caf::anon_send_exit(pong, caf::exit_reason::user_shutdown);
  caf_bench::report(a, ok && timed_ok, wall, static_cast<double>(a.n),
                    "{\"timeout_10s_per_s\": " +
                        std::to_string(static_cast<double>(a.n) / timed_wall) +
                        "}");
}
