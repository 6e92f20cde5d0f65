// SPDX-License-Identifier: Apache-2.0
// N jobs each blocking 5 ms (std::this_thread::sleep_for) on 16 detached
// (own-thread) worker actors fed by an event-based dispatcher; ok if every
// job's result is back. Reports the ratio to the ideal N * 5 ms / 16.
#include "common.hpp"

#include <future>
#include <thread>
#include <vector>

namespace {

using job_atom = caf::atom_constant<caf::atom("job")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

constexpr int workers = 16;

caf::behavior worker(caf::event_based_actor*) {
  return {[](job_atom, long i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return caf::make_message(done_atom::value, i);
  }};
}

struct dispatcher_state {
  std::vector<long> results;
  long next = 0;
  long finished = 0;
  std::vector<caf::actor> pool;
};

caf::behavior dispatcher(caf::stateful_actor<dispatcher_state>* self, long n,
                         std::promise<std::vector<long>>* done) {
  auto& st = self->state;
  st.results.assign(static_cast<std::size_t>(n), -1);
  for (int w = 0; w < workers; ++w) {
    st.pool.push_back(self->spawn<caf::detached>(worker));
    if (st.next < n)
      self->send(st.pool.back(), job_atom::value, st.next++);
  }
  return {[=](done_atom, long i) {
    auto& s = self->state;
    s.results[static_cast<std::size_t>(i)] = i;
    if (s.next < n) {
      self->send(caf::actor_cast<caf::actor>(self->current_sender()),
                 job_atom::value, s.next++);
    }
    if (++s.finished == n) {
      for (auto& w : s.pool)
        self->send_exit(w, caf::exit_reason::user_shutdown);
      done->set_value(std::move(s.results));
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
  std::promise<std::vector<long>> done;
  auto result = done.get_future();
  caf_bench::stopwatch clock;
  sys.spawn(dispatcher, a.n, &done);
  auto results = result.get();
  double wall = clock.seconds();
  bool ok = true;
  for (std::size_t i = 0; i < results.size(); ++i)
    ok = ok && results[i] == static_cast<long>(i);
  double ideal = static_cast<double>(a.n) * 0.005 / workers;
  caf_bench::report(
      a, ok, wall, static_cast<double>(a.n),
      "{\"ideal_s\": " + std::to_string(ideal) +
          ", \"ratio_to_ideal\": " + std::to_string(wall / ideal) + "}");
}
