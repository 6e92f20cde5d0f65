// SPDX-License-Identifier: Apache-2.0
#pragma once

// The work behind examples 12 and 16: a pool of CAF worker actors behind
// one address. A request `(work_atom, op, arg)` to the pool answers with
// the result: `primes N` counts primes (real CPU work), `sleep MS` answers
// after MS milliseconds through a delayed message, so no scheduler thread
// waits. Each example includes it once.

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace example_pool {

using work_atom = caf::atom_constant<caf::atom("work")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;

/// How many primes are <= n (a sieve: real CPU work for large n).
inline std::int64_t count_primes(std::int64_t n) {
  if (n < 2)
    return 0;
  std::vector<bool> composite(static_cast<std::size_t>(n) + 1);
  std::int64_t count = 0;
  for (std::int64_t i = 2; i <= n; ++i) {
    if (composite[static_cast<std::size_t>(i)])
      continue;
    ++count;
    for (std::int64_t j = i * i; j <= n; j += i)
      composite[static_cast<std::size_t>(j)] = true;
  }
  return count;
}

struct worker_state {
  std::uint64_t next = 0;
  std::unordered_map<std::uint64_t,
                     std::pair<caf::response_promise, std::int64_t>>
      sleeping;
};

/// A worker actor: answers one job; `sleep` replies later through a
/// delayed message to itself, so no scheduler thread waits.
inline caf::behavior worker(caf::stateful_actor<worker_state>* self) {
  return {
      [self](work_atom, const std::string& op,
             std::int64_t arg) -> caf::result<std::string> {
        if (op == "primes")
          return std::to_string(count_primes(arg));
        auto key = self->state.next++;
        self->state.sleeping.emplace(
            key, std::make_pair(self->make_response_promise(), arg));
        self->delayed_send(self, std::chrono::milliseconds(arg),
                           wake_atom::value, key);
        return caf::delegated<std::string>{};
      },
      [self](wake_atom, std::uint64_t key) {
        auto it = self->state.sleeping.find(key);
        auto [rp, ms] = std::move(it->second);
        self->state.sleeping.erase(it);
        rp.deliver("slept " + std::to_string(ms));
      },
  };
}

struct job {
  std::string op;
  std::int64_t arg;
  caf::response_promise reply;
};

struct pool_state {
  std::vector<caf::actor> idle;
  std::deque<job> waiting;
};

using pool_actor = caf::stateful_actor<pool_state>;

/// Hands waiting jobs to idle workers, one job per worker at a time.
inline void dispatch(pool_actor* self) {
  auto& st = self->state;
  while (!st.idle.empty() && !st.waiting.empty()) {
    auto w = st.idle.back();
    st.idle.pop_back();
    auto j = std::move(st.waiting.front());
    st.waiting.pop_front();
    auto reply = j.reply;
    self->request(w, caf::infinite, work_atom::value, j.op, j.arg)
        .then(
            [self, w, reply](std::string& result) mutable {
              reply.deliver(std::move(result));
              self->state.idle.push_back(w);
              dispatch(self);
            },
            [self, w, reply](caf::error& e) mutable {
              reply.deliver(std::move(e));
              self->state.idle.push_back(w);
              dispatch(self);
            });
  }
}

/// The pool: `workers` worker actors behind one address. Jobs wait here
/// (in order) while every worker is busy.
inline caf::behavior pool(pool_actor* self, int workers) {
  for (int i = 0; i < workers; ++i)
    self->state.idle.push_back(self->spawn<caf::linked>(worker));
  return {
      [self](work_atom, std::string op,
             std::int64_t arg) -> caf::result<std::string> {
        auto rp = self->make_response_promise();
        self->state.waiting.push_back(job{std::move(op), arg, rp});
        dispatch(self);
        return caf::delegated<std::string>{};
      },
  };
}

} // namespace example_pool
