// SPDX-License-Identifier: Apache-2.0
// Randomized schedules: small random programs over actio's API (tasks that
// sleep, create children, gather them, wait_for them, run deadline scopes,
// shield, cancel each other, use a queue, a semaphore and a lock, ask a CAF
// actor that dies part-way and one that quits while it holds a request and,
// on real threads, run blocking jobs on an executor pool and the default
// executor), each from a seed, checked after the run: every future
// completes exactly once, nothing hangs, no task outlives the run, a cancel
// that was accepted ends the task (a job: it never ran), no job is left
// running or queued, and the lock and the semaphore never admit too many
// holders. A failing seed is printed and
// reproduces with ACTIO_RANDOM_SEED=<seed>; ACTIO_RANDOM_SEEDS=<n> runs n.
#include "actio/actio.hpp"
#include "actio/caf/interop.hpp"
#include "actio/sync/executor_pool.hpp"
#include "actio/sync/lock.hpp"
#include "actio/sync/queue.hpp"
#include "actio/sync/semaphore.hpp"
#include "support/eventually.hpp"
#include "support/every_policy.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

/// The error a generated task throws on purpose.
struct program_error : std::runtime_error {
  program_error() : std::runtime_error("program_error") {}
};

/// What the checks need to know of one generated task.
struct task_record {
  actio::future<int> f;
  std::atomic<int> completions{0};
  std::atomic<bool> cancel_accepted{false};
  std::atomic<bool> body_finished{false};
  bool is_job = false;                  // an executor job, not a task
  std::atomic<bool> job_started{false}; // a job's function began to run
};

/// Answers ints with themselves, then ends after `lifetime` requests.
caf::behavior echo(caf::event_based_actor* self, int lifetime) {
  auto left = std::make_shared<int>(lifetime);
  return {[self, left](int x) {
    if (--*left == 0)
      self->quit();
    return x;
  }};
}

struct holder_state {
  std::deque<caf::response_promise> held;
  int left = 0;
};

/// Holds each request until the next one arrives, then answers the held
/// ones with the new int (so a request is always held), and after its
/// `lifetime`-th request quits with that one unanswered: the request must
/// still end (by the actor's end or its timeout), never hang.
caf::behavior holder(caf::stateful_actor<holder_state>* self, int lifetime) {
  self->state.left = lifetime;
  return {[self](int x) {
    auto rp = self->make_response_promise();
    while (!self->state.held.empty()) {
      self->state.held.front().deliver(x);
      self->state.held.pop_front();
    }
    self->state.held.push_back(rp);
    if (--self->state.left == 0)
      self->quit();
    return rp;
  }};
}

/// The shared objects of one generated program.
struct world {
  world(actio::runtime& rt, std::uint64_t program_seed, actio::duration step,
        bool on_threads)
      : unit(step), seed(program_seed), q(rt, 4), sem(rt, 2), lk(rt),
        echo_actor(
            rt.system().spawn(echo, 1 + static_cast<int>(program_seed % 40))),
        holder_actor(rt.system().spawn(
            holder, 2 + static_cast<int>(program_seed % 13))) {
    // Pools need threads; half the programs bound the job queue so that
    // submissions also wait for room.
    if (on_threads)
      pool.emplace(rt, actio::executor_options{2, program_seed % 2 * 3});
  }

  // The held promises keep the holder referenced: it is ended explicitly.
  ~world() { caf::anon_send_exit(holder_actor, caf::exit_reason::kill); }
  world(const world&) = delete;
  world& operator=(const world&) = delete;

  actio::duration unit; // one step of time: 1 ms virtual, less on threads
  std::uint64_t seed;
  actio::queue<int> q;
  actio::semaphore sem;
  actio::lock lk;
  caf::actor echo_actor;
  caf::actor holder_actor;
  std::optional<actio::executor_pool> pool;
  std::atomic<int> jobs_running{0};
  std::atomic<int> next_id{0};
  std::atomic<int> in_lock{0};
  std::atomic<int> in_semaphore{0};
  std::atomic<bool> lock_overlap{false};
  std::atomic<bool> semaphore_overflow{false};
  std::mutex mtx;
  std::vector<std::shared_ptr<task_record>> records;

  actio::duration steps(std::uint64_t n) const {
    return unit * static_cast<actio::duration::rep>(n);
  }

  std::shared_ptr<task_record> spawn(int depth);

  /// Submits a job sleeping `n` steps (throwing if `fail`) to the pool;
  /// recorded like a task.
  std::shared_ptr<task_record> submit_job(std::uint64_t n, bool fail);

  /// Cancels a task chosen by `pick`, never `caller` itself (a task that
  /// cancels itself may still end by throwing before its next await, as
  /// in asyncio); remembers whether the cancel was accepted.
  void cancel_one(std::uint64_t pick, const task_record* caller) {
    std::shared_ptr<task_record> r;
    {
      std::lock_guard<std::mutex> guard{mtx};
      if (records.empty())
        return;
      r = records[pick % records.size()];
    }
    if (r.get() != caller && r->f.cancel())
      r->cancel_accepted = true;
  }

  bool all_done() {
    std::lock_guard<std::mutex> guard{mtx};
    for (auto& r : records)
      if (!r->f.done())
        return false;
    return true;
  }
};

actio::task<int> agent(world* w, std::shared_ptr<task_record> self, int id,
                       int depth, std::uint64_t seed);

std::shared_ptr<task_record> world::spawn(int depth) {
  auto r = std::make_shared<task_record>();
  auto id = next_id.fetch_add(1);
  auto task_seed = seed * 1000003u + static_cast<std::uint64_t>(id);
  r->f = actio::create_task(agent, this, r, id, depth, task_seed);
  r->f.add_done_callback(
      [](const actio::future<int>& f, task_record* rec) {
        if (!f.cancelled())
          (void)f.exception(); // retrieved: nobody awaits every child
        ++rec->completions;
      },
      r.get());
  std::lock_guard<std::mutex> guard{mtx};
  records.push_back(r);
  return r;
}

/// The body of an executor job: blocks its worker `d`, counted while it
/// runs.
int job_body(world* w, task_record* rec, actio::duration d, bool fail, int id) {
  rec->job_started = true;
  ++w->jobs_running;
  std::this_thread::sleep_for(d);
  --w->jobs_running;
  if (fail)
    throw program_error();
  return id;
}

std::shared_ptr<task_record> world::submit_job(std::uint64_t n, bool fail) {
  auto r = std::make_shared<task_record>();
  r->is_job = true;
  auto id = next_id.fetch_add(1);
  r->f = pool->submit(job_body, this, r.get(), steps(n), fail, id);
  r->f.add_done_callback(
      [](const actio::future<int>& f, task_record* rec) {
        if (!f.cancelled())
          (void)f.exception();
        ++rec->completions;
      },
      r.get());
  std::lock_guard<std::mutex> guard{mtx};
  records.push_back(r);
  return r;
}

/// Counts a holder of a lock or a semaphore for its lifetime, cancelled
/// or not.
struct holding {
  explicit holding(std::atomic<int>& n) : holders(n), count(++n) {}
  ~holding() { --holders; }
  holding(const holding&) = delete;
  holding& operator=(const holding&) = delete;
  std::atomic<int>& holders;
  int count;
};

/// Awaits `f`, taking a child's deliberate failure as an outcome.
actio::task<void> await_child(actio::future<int> f) {
  try {
    co_await f;
  } catch (const program_error&) {
  }
}

actio::task<void> sleep_then_await(world* w, actio::future<int> f,
                                   std::uint64_t n) {
  co_await actio::sleep(w->steps(n));
  co_await await_child(std::move(f));
}

actio::task<void> queue_step(world* w, bool put, int value) {
  try {
    if (put)
      co_await actio::wait_for(w->q.put(value), w->steps(20));
    else
      (void)co_await actio::wait_for(w->q.get(), w->steps(20));
  } catch (const actio::timeout_error&) {
  }
}

actio::task<int> agent(world* w, std::shared_ptr<task_record> self, int id,
                       int depth, std::uint64_t seed) {
  std::mt19937_64 rng{seed};
  auto ops = rng() % static_cast<std::uint64_t>(4 - depth) + 1;
  bool children_allowed = depth < 2;
  for (std::uint64_t i = 0; i < ops; ++i) {
    switch (rng() % 15) {
    case 0:
      co_await actio::sleep(w->steps(rng() % 50));
      break;
    case 1:
      if (children_allowed)
        co_await await_child(w->spawn(depth + 1)->f);
      break;
    case 2:
      if (children_allowed) {
        std::vector<actio::future<int>> kids;
        for (auto k = rng() % 3 + 1; k > 0; --k)
          kids.push_back(w->spawn(depth + 1)->f);
        try {
          co_await actio::gather(kids);
        } catch (const program_error&) {
        }
      }
      break;
    case 3:
      if (children_allowed) {
        try {
          co_await actio::wait_for(w->spawn(depth + 1)->f,
                                   w->steps(rng() % 40));
        } catch (const actio::timeout_error&) {
        } catch (const program_error&) {
        }
      }
      break;
    case 4:
      if (children_allowed) {
        try {
          co_await actio::timeout(w->steps(rng() % 40), sleep_then_await, w,
                                  w->spawn(depth + 1)->f, rng() % 20);
        } catch (const actio::timeout_error&) {
        }
      }
      break;
    case 5:
      w->cancel_one(rng(), self.get());
      break;
    case 6:
      co_await queue_step(w, rng() % 2 == 0, id);
      break;
    case 7: {
      auto permit = co_await w->sem.acquire();
      holding h{w->in_semaphore}; // declared after: leaves before release
      if (h.count > 2)
        w->semaphore_overflow = true;
      co_await actio::sleep(w->steps(rng() % 10));
      break;
    }
    case 8: {
      auto guard = co_await w->lk.scoped();
      holding h{w->in_lock};
      if (h.count > 1)
        w->lock_overlap = true;
      co_await actio::sleep(w->steps(rng() % 10));
      break;
    }
    case 9:
      try {
        (void)co_await actio::request<int>(w->echo_actor, w->steps(30), id);
      } catch (const actio::timeout_error&) {
      } catch (const actio::runtime_error&) { // the actor has ended
      }
      break;
    case 10:
      if (rng() % 4 == 0)
        throw program_error();
      break;
    case 11:
      if (children_allowed)
        co_await await_child(actio::shield(w->spawn(depth + 1)->f));
      break;
    case 12:
      if (w->pool)
        co_await await_child(w->submit_job(rng() % 10, rng() % 4 == 0)->f);
      break;
    case 13:
      if (w->pool) {
        try {
          co_await actio::wait_for(w->submit_job(rng() % 20, false)->f,
                                   w->steps(rng() % 10));
        } catch (const actio::timeout_error&) {
        }
      }
      break;
    case 14:
      try {
        (void)co_await actio::request<int>(w->holder_actor, w->steps(30), id);
      } catch (const actio::timeout_error&) {
      } catch (const actio::runtime_error&) { // it quit, holding ours or not
      }
      break;
    }
  }
  self->body_finished = true;
  co_return id;
}

/// Starts a few top-level agents and waits until every task of the
/// program has ended; false if that takes longer than any program can.
actio::task<bool> run_program(world* w, actio::duration limit) {
  std::vector<actio::future<int>> top;
  for (int i = 0; i < 4; ++i)
    top.push_back(w->spawn(0)->f);
  auto waited = actio::duration::zero();
  while (!w->all_done()) {
    if (waited > limit)
      co_return false;
    co_await actio::sleep(w->unit * 10);
    waited += w->unit * 10;
  }
  co_return true;
}

/// Runs the program of `seed` on `rt` and checks its invariants. On one
/// thread (virtual time) the target of a cancel is always parked or not
/// yet started, so an accepted cancel must end it cancelled unless its body
/// had no await left; on threads it may be running, and may then also end
/// by the error it throws before its next await.
void check_program(actio::runtime& rt, std::uint64_t seed, actio::duration unit,
                   bool on_threads) {
  CAPTURE(seed);
  auto actors_before = rt.system().registry().running();
  auto w = std::make_unique<world>(rt, seed, unit, on_threads);
  bool ended = rt.run_until_complete(
      rt.create_task(run_program, w.get(), unit * 100000));
  REQUIRE(ended);           // else a task hangs
  actio::test::run_all(rt); // done callbacks posted meanwhile
  CHECK_FALSE(w->lock_overlap);
  CHECK_FALSE(w->semaphore_overflow);
  std::unique_lock<std::mutex> guard{w->mtx};
  for (auto& r : w->records) {
    CHECK(r->f.done());
    CHECK(r->completions == 1);
    if (r->cancel_accepted && !r->f.cancelled()) {
      // a cancel accepted ends the task, or it had no await left to end at
      std::string outcome = "value";
      if (auto e = r->f.exception()) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          outcome = x.what();
        }
      }
      CAPTURE(outcome);
      CHECK((r->body_finished || (on_threads && outcome == "program_error")));
    }
    if (r->is_job && r->cancel_accepted)
      CHECK_FALSE(r->job_started); // a job cancelled in time never runs
  }
  if (!w->pool) // a pool's own tasks end with the pool, below
    CHECK(rt.all_tasks().empty());
  guard.unlock();
  CHECK(w->jobs_running == 0);
  // On threads an actor's end, and a worker's report to its pool after its
  // job's future completed, are seen a little later: wait for them.
  auto grace = on_threads ? std::chrono::milliseconds{5000}
                          : std::chrono::milliseconds{0};
  if (w->pool) {
    actio::executor_stats stats;
    actio::test::eventually(
        [&] {
          stats = rt.run_until_complete(w->pool->stats());
          return stats.running == 0 && stats.queued == 0 &&
                 stats.waiting_room == 0;
        },
        grace);
    CHECK(stats.running == 0);
    CHECK(stats.queued == 0);
    CHECK(stats.waiting_room == 0);
  }
  w.reset(); // the queue's, semaphore's, lock's and echo actors end
  actio::test::run_all(rt);
  CHECK(actio::test::eventually([&] { return rt.all_tasks().empty(); }, grace));
  CAPTURE(actors_before);
  CHECK(actio::test::eventually(
      [&] { return rt.system().registry().running() == actors_before; },
      grace));
}

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::strtoull(v, nullptr, 10) : fallback;
}

} // namespace

TEST_CASE("random programs on virtual time: every future completes once, "
          "nothing hangs or leaks, cancels end their tasks",
          "[random][cancel]") {
  auto one = env_or("ACTIO_RANDOM_SEED", 0);
  auto count = one != 0 ? 1 : env_or("ACTIO_RANDOM_SEEDS", 2000);
  std::size_t tasks = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    auto seed = one != 0 ? one : i + 1;
    actio::runtime rt{actio::test::virtual_time()};
    check_program(rt, seed, 1ms, false);
    tasks += rt.all_tasks().size();
  }
  CHECK(tasks == 0);
}

TEST_CASE("random programs on real threads keep the same invariants under "
          "every scheduler policy",
          "[random][cancel][threads]") {
  auto policy = ACTIO_EVERY_SCHEDULER_POLICY();
  CAPTURE(actio::to_string(policy));
  auto count = env_or("ACTIO_RANDOM_THREAD_SEEDS", 40);
  actio::test::time_limit limit{60s, "random programs on real threads"};
  for (std::uint64_t seed = 1; seed <= count; ++seed) {
    actio::runtime rt{actio::test::real_time(policy)};
    check_program(rt, seed, 50us, true);
  }
}
