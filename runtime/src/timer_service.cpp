// SPDX-License-Identifier: Apache-2.0
#include "timer_service.hpp"

#include "task_actor.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <algorithm>

namespace actio::detail {

timer_service::timer_service(bool manual, now_fn now)
    : manual_(manual), now_(std::move(now)) {
  if (!manual_)
    thread_ = std::thread([this] { run(); });
}

timer_service::~timer_service() {
  stop();
}

void timer_service::schedule(timer_node* node) {
  if (stopping_.load()) {
    node->release_callback();
    return;
  }
  node->next_in_ingress = ingress_.load(std::memory_order_relaxed);
  while (!ingress_.compare_exchange_weak(node->next_in_ingress, node)) {
  }
  // Wake the thread only if it sleeps past this deadline. The thread
  // publishes its wake time before it looks at the ingress one last time,
  // so one of the two always sees the other (both seq_cst).
  auto pending = ingress_count_.fetch_add(1) + 1;
  if (node->deadline.time_since_epoch().count() < wake_at_.load() ||
      pending % ingress_batch == 0) {
    std::lock_guard<std::mutex> guard{mtx_};
    cv_.notify_one();
  }
  if (stopping_.load()) { // raced with stop(): nothing will fire it
    std::lock_guard<std::mutex> guard{mtx_};
    absorb_ingress();
    if (!thread_.joinable() || manual_) {
      for (auto& e : heap_)
        e.node->release_callback();
      heap_.clear();
    }
  }
}

void timer_service::absorb_ingress() {
  auto* head = ingress_.exchange(nullptr);
  ingress_count_.store(0, std::memory_order_relaxed);
  // the stack is newest first: restore registration order for equal
  // deadlines
  timer_node* ordered = nullptr;
  while (head != nullptr) {
    auto* next = head->next_in_ingress;
    head->next_in_ingress = ordered;
    ordered = head;
    head = next;
  }
  for (; ordered != nullptr; ordered = ordered->next_in_ingress) {
    heap_.push_back(entry{ordered->deadline, seq_++, ordered});
    std::push_heap(heap_.begin(), heap_.end(), later{});
    ++absorbed_since_compact_;
  }
}

void timer_service::pop_due(time_point t, std::vector<timer_node*>& out) {
  while (!heap_.empty() && heap_.front().deadline <= t) {
    std::pop_heap(heap_.begin(), heap_.end(), later{});
    out.push_back(heap_.back().node);
    heap_.pop_back();
  }
}

void timer_service::compact() {
  auto dead = std::count_if(heap_.begin(), heap_.end(), [](const entry& e) {
    return e.node->state.load(std::memory_order_relaxed) ==
           timer_node::cancelled;
  });
  absorbed_since_compact_ = 0;
  if (dead < 1024 || static_cast<std::size_t>(dead) * 2 < heap_.size())
    return;
  auto keep = std::remove_if(heap_.begin(), heap_.end(), [](const entry& e) {
    if (e.node->state.load(std::memory_order_relaxed) != timer_node::cancelled)
      return false;
    e.node->release_callback();
    return true;
  });
  heap_.erase(keep, heap_.end());
  std::make_heap(heap_.begin(), heap_.end(), later{});
}

namespace {

/// Runs a batch of callback nodes due together for one actor, in order, each
/// claimed first so that a late cancel() still wins.
struct batch_runner {
  std::vector<timer_node*> nodes;
  batch_runner(std::vector<timer_node*> ns) : nodes(std::move(ns)) {}
  batch_runner(batch_runner&&) noexcept = default;
  batch_runner& operator=(batch_runner&&) noexcept = default;
  ~batch_runner() {
    for (auto* n : nodes)
      n->release_callback();
  }
  void operator()() {
    for (auto* n : nodes)
      if (n->claim())
        n->fn();
  }
};

caf::actor lock_target(timer_node* node) {
  if (node->state.load(std::memory_order_acquire) != timer_node::pending)
    return {};
  if (auto strong = node->target.lock())
    return caf::actor_cast<caf::actor>(std::move(strong));
  return {};
}

} // namespace

void timer_service::fire_all(std::vector<timer_node*>& due) {
  // Callbacks for the same actor that fall due together travel in one
  // message; resumes of parked tasks go one message each.
  std::vector<timer_node*> batch;
  caf::actor batch_target;
  auto flush = [&] {
    if (!batch.empty())
      post_closure(batch_target, batch_runner{std::move(batch)});
    batch.clear();
    batch_target = nullptr;
  };
  for (auto* node : due) {
    auto dest = lock_target(node);
    if (!dest) {
      node->release_callback();
      continue;
    }
    if (node->kind == timer_node::resume) {
      flush();
      if (node->claim())
        static_cast<task_actor*>(caf::actor_cast<caf::abstract_actor*>(dest))
            ->post_resume(node->token);
      node->release_callback();
      continue;
    }
    if (node->kind == timer_node::direct) {
      flush();
      if (node->claim())
        node->fn();
      node->release_callback();
      continue;
    }
    if (dest != batch_target)
      flush();
    batch_target = dest;
    batch.push_back(node); // the batch takes over the service's reference
  }
  flush();
  due.clear();
}

unique_function<void()> make_claiming_closure(timer_node* node) {
  node->ref();
  struct claim_and_run {
    timer_node* node;
    claim_and_run(timer_node* n) : node(n) {}
    claim_and_run(claim_and_run&& o) noexcept
        : node(std::exchange(o.node, nullptr)) {}
    ~claim_and_run() {
      if (node != nullptr)
        node->release_callback();
    }
    void operator()() const {
      if (node->claim())
        node->fn();
    }
  };
  return claim_and_run{node};
}

void timer_service::run() {
  std::vector<timer_node*> due;
  std::unique_lock<std::mutex> guard{mtx_};
  std::size_t rounds = 0;
  constexpr auto awake = time_point::min().time_since_epoch().count();
  while (!stopping_.load()) {
    // Read the clock before taking in new timers: anything registered later
    // is due later than `now` (for relative delays), so firing everything
    // due by `now` keeps deadline order.
    auto now = now_();
    absorb_ingress();
    // Scanning for cancelled nodes costs the heap's size: do it every 256
    // rounds, or once as many nodes came in as the heap holds.
    if ((++rounds & 0xff) == 0 || absorbed_since_compact_ * 2 >=
                                      std::max<std::size_t>(heap_.size(), 2048))
      compact();
    auto next = heap_.empty() ? time_point::max() : heap_.front().deadline;
    if (next > now) {
      wake_at_.store(next.time_since_epoch().count());
      if (ingress_.load() != nullptr || stopping_.load()) {
        wake_at_.store(awake);
        continue;
      }
      if (next == time_point::max())
        cv_.wait(guard);
      else
        cv_.wait_until(guard, next);
      wake_at_.store(awake);
      continue;
    }
    pop_due(now, due);
    guard.unlock();
    fire_all(due);
    guard.lock();
  }
}

std::optional<time_point> timer_service::next_deadline() {
  std::lock_guard<std::mutex> guard{mtx_};
  absorb_ingress();
  while (!heap_.empty() &&
         heap_.front().node->state.load() == timer_node::cancelled) {
    std::pop_heap(heap_.begin(), heap_.end(), later{});
    heap_.back().node->release_callback();
    heap_.pop_back();
  }
  if (heap_.empty())
    return std::nullopt;
  return heap_.front().deadline;
}

std::size_t timer_service::fire_until(time_point t) {
  std::vector<timer_node*> due;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    absorb_ingress();
    pop_due(t, due);
  }
  auto n = due.size();
  fire_all(due);
  return n;
}

void timer_service::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopping_.exchange(true) && !thread_.joinable())
      return;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
  std::lock_guard<std::mutex> guard{mtx_};
  absorb_ingress();
  for (auto& e : heap_)
    e.node->release_callback();
  heap_.clear();
}

std::size_t timer_service::size() {
  std::lock_guard<std::mutex> guard{mtx_};
  absorb_ingress();
  return heap_.size();
}
} // namespace actio::detail
