// SPDX-License-Identifier: Apache-2.0
#include "scheduler/handoff_scheduler.hpp"

#include "scheduler_module.hpp"

#include <caf/actor_system.hpp>
#include <caf/detail/set_thread_name.hpp>
#include <caf/resumable.hpp>

#include <algorithm>
#include <array>

// Lost wake-ups are ruled out by the store-buffering pattern: a producer
// publishes a job, then (after a seq_cst fence) reads `sleeping_` and
// `searching_`; a worker going idle lists itself and bumps `sleeping_`,
// then (after a seq_cst fence) looks at every queue. One of the two sees
// the other's write: either the worker sees the job or the producer sees
// the worker and wakes it. A searching worker that gives up drops
// `searching_` before it lists itself, so a producer that skipped the
// wake-up because of it had published its job before that worker's look.
// Run-next slots are not part of this: only their own worker fills them,
// and it is running.

namespace actio::detail::sched {

namespace {

thread_local handoff_worker* tl_worker = nullptr;

/// Tells the CPU that this is a busy-wait loop.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
thread_local handoff_coordinator* tl_coordinator = nullptr;

} // namespace

// -- handoff_worker -----------------------------------------------------------

handoff_worker::handoff_worker(handoff_coordinator& parent, std::size_t id)
    : caf::execution_unit(&parent.system()), parent_(parent), id_(id),
      rng_(static_cast<std::uint32_t>(0x9e3779b9u * (id + 1))) {}

void handoff_worker::exec_later(caf::resumable* job) {
  if (tl_worker == this)
    hand_off(job);
  else
    parent_.inject(job);
}

void handoff_worker::hand_off(caf::resumable* job) {
  auto* prev = run_next_.exchange(job, std::memory_order_acq_rel);
  if (prev != nullptr) {
    push_local(prev);
    parent_.notify_one();
  }
}

void handoff_worker::push_local(caf::resumable* job) {
  while (!queue_.push(job)) {
    std::array<caf::resumable*, local_queue::capacity / 2> half;
    auto n = queue_.take(half.data(), half.size());
    if (n == 0)
      continue; // thieves emptied it meanwhile: there is room now
    parent_.inject_.push(half.data(), n);
    parent_.inject_.push(job);
    return;
  }
}

caf::resumable* handoff_worker::next_local() {
  auto tick = ticks_.load(std::memory_order_relaxed) + 1;
  ticks_.store(tick, std::memory_order_release);
  auto& inject = parent_.inject_;
  if (tick % handoff_coordinator::injector_interval == 0) {
    if (auto* job = inject.pop_into(queue_, parent_.batch()))
      return job;
  }
  if (run_next_.load(std::memory_order_relaxed) != nullptr) {
    auto* job = run_next_.exchange(nullptr, std::memory_order_acq_rel);
    if (job != nullptr) {
      if (streak_ < handoff_coordinator::max_run_next_streak ||
          (queue_.empty() && inject.empty())) {
        ++streak_;
        return job;
      }
      push_local(job);
    }
  }
  streak_ = 0;
  if (auto* job = queue_.pop())
    return job;
  return inject.pop_into(queue_, parent_.batch());
}

caf::resumable* handoff_worker::steal() {
  auto& workers = parent_.workers_;
  auto n = workers.size();
  if (n < 2)
    return nullptr;
  rng_ = rng_ * 1664525u + 1013904223u;
  auto start = static_cast<std::size_t>(rng_ >> 8) % n;
  for (std::size_t k = 0; k < n; ++k) {
    auto* victim = workers[(start + k) % n].get();
    if (victim == this)
      continue;
    if (auto* job = victim->queue_.steal_into(queue_))
      return job;
  }
  return nullptr;
}

caf::resumable* handoff_worker::spin() {
  auto n = parent_.workers_.size();
  auto searching = static_cast<std::size_t>(
      parent_.searching_.load(std::memory_order_seq_cst));
  auto sleeping = static_cast<std::size_t>(
      parent_.sleeping_.load(std::memory_order_seq_cst));
  // Workers running a job, this one not counted.
  auto running = n - std::min(n, sleeping + searching + (searching_ ? 0 : 1));
  if (running == 0)
    return nullptr;
  if (!searching_) {
    if (2 * searching >= n)
      return nullptr;
    parent_.searching_.fetch_add(1, std::memory_order_seq_cst);
    searching_ = true;
  }
  auto until =
      std::chrono::steady_clock::now() + handoff_coordinator::spin_time;
  for (unsigned round = 1;; ++round) {
    for (int k = 0; k < 16; ++k)
      cpu_relax();
    if (auto* job = next_local())
      return job;
    if (auto* job = steal())
      return job;
    if (parent_.stopping_.load(std::memory_order_acquire))
      return nullptr;
    if (round % 16 == 0 && std::chrono::steady_clock::now() >= until)
      return nullptr;
  }
}

caf::resumable* handoff_worker::wait_for_work() {
  // A worker stuck in one job with a job in its run-next slot: that job may
  // be taken if the worker is still in the same job after `stuck_wait`.
  handoff_worker* stuck = nullptr;
  std::uint64_t stuck_ticks = 0;
  for (auto& w : parent_.workers_) {
    if (w.get() != this &&
        w->run_next_.load(std::memory_order_acquire) != nullptr) {
      stuck = w.get();
      stuck_ticks = w->ticks_.load(std::memory_order_acquire);
      break;
    }
  }
  if (!parent_.enter_idle(*this))
    return nullptr;
  if (stuck == nullptr) {
    park_.park();
    searching_ = true; // counted by the notifier
    return nullptr;
  }
  if (park_.park_for(handoff_coordinator::stuck_wait)) {
    searching_ = true;
    return nullptr;
  }
  if (!parent_.leave_idle(*this)) {
    park_.park(); // the notifier's unpark is on its way
    searching_ = true;
    return nullptr;
  }
  if (stuck->ticks_.load(std::memory_order_acquire) == stuck_ticks)
    return stuck->run_next_.exchange(nullptr, std::memory_order_acq_rel);
  return nullptr;
}

void handoff_worker::found_work() {
  if (!searching_)
    return;
  searching_ = false;
  if (parent_.searching_.fetch_sub(1, std::memory_order_seq_cst) == 1 &&
      (!queue_.empty() || !parent_.inject_.empty()))
    parent_.notify_one();
}

caf::resumable* handoff_worker::dequeue() {
  for (;;) {
    auto* job = next_local();
    if (job == nullptr)
      job = steal();
    if (job != nullptr) {
      found_work();
      return job;
    }
    if (parent_.stopping_.load(std::memory_order_acquire))
      return nullptr;
    job = spin();
    if (job != nullptr) {
      found_work();
      return job;
    }
    job = wait_for_work();
    if (job != nullptr) {
      found_work();
      return job;
    }
  }
}

void handoff_worker::run() {
  tl_worker = this;
  tl_coordinator = &parent_;
  auto max_throughput = parent_.max_throughput();
  while (auto* job = dequeue()) {
    mark_running_actor(true);
    auto result = job->resume(this, max_throughput);
    mark_running_actor(false);
    switch (result) {
    case caf::resumable::resume_later:
      push_local(job);
      if (queue_.size() > 1)
        parent_.notify_one();
      break;
    case caf::resumable::done:
    case caf::resumable::awaiting_message:
      intrusive_ptr_release(job);
      break;
    case caf::resumable::shutdown_execution_unit:
      return;
    }
  }
}

// -- handoff_coordinator ------------------------------------------------------

handoff_coordinator::handoff_coordinator(caf::actor_system& sys)
    : abstract_coordinator(sys) {}

handoff_coordinator::~handoff_coordinator() = default;

caf::actor_system::module* handoff_coordinator::make(caf::actor_system& sys) {
  return new handoff_coordinator(sys);
}

caf::detail::thread_safe_actor_clock& handoff_coordinator::clock() noexcept {
  return clock_;
}

void handoff_coordinator::start() {
  auto n = std::max<std::size_t>(num_workers(), 1);
  workers_.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    workers_.emplace_back(std::make_unique<handoff_worker>(*this, i));
  for (auto& w : workers_) {
    w->thread_ = std::thread{[this, w = w.get()] {
      caf::detail::set_thread_name("actio.worker");
      system().thread_started();
      w->run();
      system().thread_terminates();
    }};
  }
  clock_thread_ = std::thread{[this] {
    caf::detail::set_thread_name("caf.clock");
    system().thread_started();
    clock_.run_dispatch_loop();
    system().thread_terminates();
  }};
  abstract_coordinator::start();
}

void handoff_coordinator::stop() {
  // Every actor has ended by now (or the system is abandoned and this never
  // runs): workers leave once they find nothing to do. An unpark before a
  // park makes the park return at once, so none can miss this.
  stopping_.store(true, std::memory_order_seq_cst);
  for (auto& w : workers_)
    w->park_.unpark();
  stop_actors();
  for (auto& w : workers_)
    if (w->thread_.joinable())
      w->thread_.join();
  for (auto& w : workers_) {
    if (auto* job = w->run_next_.exchange(nullptr))
      cleanup_and_release(job);
    while (auto* job = w->queue_.pop())
      cleanup_and_release(job);
  }
  while (auto* job = inject_.pop())
    cleanup_and_release(job);
  clock_.cancel_dispatch_loop();
  if (clock_thread_.joinable())
    clock_thread_.join();
}

void handoff_coordinator::enqueue(caf::resumable* job) {
  if (tl_coordinator == this)
    tl_worker->hand_off(job);
  else
    inject(job);
}

void handoff_coordinator::inject(caf::resumable* job) {
  inject_.push(job);
  notify_one();
}

std::size_t handoff_coordinator::batch() const noexcept {
  auto n = std::max<std::size_t>(workers_.size(), 1);
  return std::clamp<std::size_t>(inject_.size() / n + 1, 1,
                                 local_queue::capacity / 2);
}

void handoff_coordinator::notify_one() {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (sleeping_.load(std::memory_order_relaxed) == 0 ||
      searching_.load(std::memory_order_relaxed) != 0)
    return;
  handoff_worker* w = nullptr;
  {
    std::lock_guard<std::mutex> guard{idle_mtx_};
    if (idle_.empty())
      return;
    w = idle_.back();
    idle_.pop_back();
    // Counted as searching before it runs, so that producers meanwhile do
    // not wake a second worker for the same job.
    searching_.fetch_add(1, std::memory_order_seq_cst);
    sleeping_.fetch_sub(1, std::memory_order_seq_cst);
  }
  w->park_.unpark();
}

bool handoff_coordinator::work_visible() const noexcept {
  if (!inject_.empty())
    return true;
  for (auto& w : workers_)
    if (!w->queue_.empty())
      return true;
  return false;
}

std::size_t handoff_coordinator::local_queued() const noexcept {
  std::size_t n = 0;
  for (const auto& w : workers_) {
    n += w->queue_.size();
    if (w->run_next_.load(std::memory_order_relaxed) != nullptr)
      ++n;
  }
  return n;
}

bool handoff_coordinator::enter_idle(handoff_worker& w) {
  if (w.searching_) {
    w.searching_ = false;
    searching_.fetch_sub(1, std::memory_order_seq_cst);
  }
  {
    std::lock_guard<std::mutex> guard{idle_mtx_};
    idle_.push_back(&w);
    sleeping_.fetch_add(1, std::memory_order_seq_cst);
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (!work_visible() && !stopping_.load(std::memory_order_seq_cst)) {
    parks_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  if (leave_idle(w))
    return false;
  // A notifier took this worker off the list and unparks it: take that
  // token now, and look again as a searcher (it counted us as one).
  w.park_.park();
  w.searching_ = true;
  return false;
}

bool handoff_coordinator::leave_idle(handoff_worker& w) {
  std::lock_guard<std::mutex> guard{idle_mtx_};
  auto i = std::find(idle_.begin(), idle_.end(), &w);
  if (i == idle_.end())
    return false;
  idle_.erase(i);
  sleeping_.fetch_sub(1, std::memory_order_seq_cst);
  return true;
}

} // namespace actio::detail::sched
