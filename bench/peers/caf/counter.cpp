// SPDX-License-Identifier: Apache-2.0
// The counter is an actor (its mailbox is the lock): one worker sends N
// increments, another N decrements, concurrently; each then syncs with a
// request, and the final value is read. ok if it is 0.
#include "common.hpp"

#include <future>

namespace {

using add_atom = caf::atom_constant<caf::atom("add")>;
using sync_atom = caf::atom_constant<caf::atom("sync")>;
using get_atom = caf::atom_constant<caf::atom("get")>;

caf::behavior counter(caf::stateful_actor<long>* self) {
  self->state = 0;
  return {
      [=](add_atom, long d) { self->state += d; },
      [=](sync_atom) { return true; },
      [=](get_atom) { return self->state; },
  };
}

void worker(caf::event_based_actor* self, caf::actor c, long delta, long n,
            std::promise<void>* done) {
  for (long i = 0; i < n; ++i)
    self->send(c, add_atom::value, delta);
  self->request(c, caf::infinite, sync_atom::value).then([=](bool) {
    done->set_value();
  });
}

} // namespace

int main(int argc, char** argv) {
  auto a = caf_bench::parse(argc, argv);
  caf::actor_system_config cfg;
  caf_bench::configure(cfg, a);
  caf::actor_system sys{cfg};
  std::promise<void> inc_done;
  std::promise<void> dec_done;
  caf_bench::stopwatch clock;
  auto c = sys.spawn(counter);
  sys.spawn(worker, c, 1L, a.n, &inc_done);
  sys.spawn(worker, c, -1L, a.n, &dec_done);
  inc_done.get_future().wait();
  dec_done.get_future().wait();
  long value = -1;
  caf::scoped_actor self{sys};
  self->request(c, caf::infinite, get_atom::value)
      .receive([&](long v) { value = v; }, [&](caf::error&) { value = -1; });
  double wall = clock.seconds();
  self->send_exit(c, caf::exit_reason::user_shutdown);
  caf_bench::report(a, value == 0, wall, 2.0 * static_cast<double>(a.n));
}
