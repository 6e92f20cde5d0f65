// SPDX-License-Identifier: Apache-2.0
// One producer, one consumer, at most 1024 items in flight: the consumer
// grants credit in halves of the window (CAF 0.17 has no bounded mailbox).
// ok if the consumer sees 0..N-1 in order.
#include "common.hpp"

#include <future>

namespace {

using item_atom = caf::atom_constant<caf::atom("item")>;
using credit_atom = caf::atom_constant<caf::atom("credit")>;

constexpr long window = 1024;

struct producer_state {
  long next = 0;
  long credit = 0;
};

caf::behavior producer(caf::stateful_actor<producer_state>* self,
                       caf::actor consumer, long n) {
  return {[=](credit_atom, long c) {
    auto& st = self->state;
    st.credit += c;
    while (st.credit > 0 && st.next < n) {
      self->send(consumer, item_atom::value, st.next++);
      --st.credit;
    }
    if (st.next == n)
      self->quit();
  }};
}

struct consumer_state {
  long expected = 0;
  bool ok = true;
  caf::actor producer;
};

caf::behavior consumer(caf::stateful_actor<consumer_state>* self, long n,
                       std::promise<bool>* done) {
  return {
      [=](caf::actor p) {
        self->state.producer = p;
        self->send(p, credit_atom::value, window);
      },
      [=](item_atom, long x) {
        auto& st = self->state;
        if (x != st.expected)
          st.ok = false;
        ++st.expected;
        if (st.expected % (window / 2) == 0)
          self->send(st.producer, credit_atom::value, window / 2);
        if (st.expected == n) {
          done->set_value(st.ok);
          self->quit();
        }
      },
  };
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
  auto c = sys.spawn(consumer, a.n, &done);
  auto p = sys.spawn(producer, c, a.n);
  caf::anon_send(c, p);
  bool ok = result.get();
  double wall = clock.seconds();
  caf_bench::report(a, ok, wall, static_cast<double>(a.n));
}
