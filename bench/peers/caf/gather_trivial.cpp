// SPDX-License-Identifier: Apache-2.0
// N actors each send (i, i) to a gatherer that stores result i at index i;
// ok if every slot holds its index and the sum is N(N-1)/2.
#include "common.hpp"

#include <future>
#include <vector>

namespace {

struct gather_state {
  std::vector<long> results;
  long count = 0;
};

caf::behavior gatherer(caf::stateful_actor<gather_state>* self, long n,
                       std::promise<std::vector<long>>* done) {
  self->state.results.assign(static_cast<std::size_t>(n), -1);
  return {[=](long index, long value) {
    self->state.results[static_cast<std::size_t>(index)] = value;
    if (++self->state.count == n) {
      done->set_value(std::move(self->state.results));
      self->quit();
    }
  }};
}

void trivial(caf::event_based_actor* self, caf::actor sink, long i) {
  self->send(sink, i, i);
}

} // namespace

int main(int argc, char** argv) {
  auto a = caf_bench::parse(argc, argv);
  caf::actor_system_config cfg;
  caf_bench::configure(cfg, a);
  caf::actor_system sys{cfg};
  std::promise<std::vector<long>> done;
  auto result = done.get_future();
  caf_bench::stopwatch clock;
  auto sink = sys.spawn(gatherer, a.n, &done);
  for (long i = 0; i < a.n; ++i)
    sys.spawn(trivial, sink, i);
  auto results = result.get();
  double wall = clock.seconds();
  bool ok = true;
  long sum = 0;
  for (std::size_t i = 0; i < results.size(); ++i) {
    ok = ok && results[i] == static_cast<long>(i);
    sum += results[i];
  }
  caf_bench::report(a, ok && sum == a.n * (a.n - 1) / 2, wall,
                    static_cast<double>(a.n));
}
