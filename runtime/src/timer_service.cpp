// SPDX-License-Identifier: Apache-2.0
#include "timer_service.hpp"

#include "task_actor.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <bit>
#include <chrono>

namespace actio::detail {

timer_node* timer_node::make_inline(std::size_t bytes) {
  static_assert(max_inline_call <= UINT16_MAX);
  void* block = allocate_block(storage_offset() + bytes);
  auto* node = ::new (block) timer_node;
  ::new (static_cast<void*>(&node->extra())) inline_part;
  node->inline_bytes = static_cast<std::uint16_t>(bytes);
  return node;
}

void timer_node::destroy() noexcept {
  if (inline_bytes == 0) {
    delete this;
    return;
  }
  auto bytes = storage_offset() + inline_bytes;
  this->~timer_node();
  free_block(this, bytes);
}

timer_service::timer_service(bool manual, now_fn now)
    : manual_(manual), now_(std::move(now)),
      slots_(static_cast<std::size_t>(wheel_ticks)),
      occupied_(static_cast<std::size_t>(wheel_ticks / 64)) {
  static_assert(wheel_ticks % 64 == 0);
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
    if (!thread_.joinable() || manual_)
      drop_all(); // else stop() does, once the thread has ended
  }
}

std::int64_t timer_service::tick_of(time_point t) noexcept {
  return std::chrono::floor<std::chrono::milliseconds>(t.time_since_epoch())
      .count();
}

void timer_service::mark(std::int64_t tick, bool occupied) noexcept {
  auto index = static_cast<std::size_t>(tick % wheel_ticks);
  auto bit = std::uint64_t{1} << (index % 64);
  if (occupied)
    occupied_[index / 64] |= bit;
  else
    occupied_[index / 64] &= ~bit;
}

void timer_service::absorb_ingress(time_point now) {
  auto* head = ingress_.exchange(nullptr);
  ingress_count_.store(0, std::memory_order_relaxed);
  if (base_ < 0)
    base_ = std::max<std::int64_t>(tick_of(now), 0);
  // The stack is newest first: collect it in one walk (each node is cold,
  // written by the registering thread), then place it oldest first so that
  // equal deadlines keep registration order.
  absorbing_.clear();
  for (; head != nullptr; head = head->next_in_ingress)
    absorbing_.push_back(entry{head->deadline, 0, head});
  for (auto it = absorbing_.rbegin(); it != absorbing_.rend(); ++it) {
    it->seq = seq_++;
    place(*it);
  }
  absorbed_since_compact_ += absorbing_.size();
  if (absorbing_.capacity() > 65536 && absorbing_.size() < 1024)
    std::vector<entry>().swap(absorbing_); // a burst's buffer: give it back
}

void timer_service::place(const entry& e) {
  // A deadline already past joins the open millisecond: it fires next.
  auto tick = std::max(tick_of(e.deadline), base_);
  if (tick == base_) {
    current_.push_back(e);
    std::push_heap(current_.begin(), current_.end(), later{});
  } else if (tick - base_ < wheel_ticks) {
    auto& s = slot(tick);
    if (s.empty())
      mark(tick, true);
    s.push_back(e);
    ++in_wheel_;
  } else {
    far_.push_back(e);
    std::push_heap(far_.begin(), far_.end(), later{});
  }
}

void timer_service::migrate_far() {
  while (!far_.empty() &&
         tick_of(far_.front().deadline) - base_ < wheel_ticks) {
    std::pop_heap(far_.begin(), far_.end(), later{});
    place(far_.back());
    far_.pop_back();
  }
}

void timer_service::open(std::int64_t tick) {
  base_ = tick;
  auto& s = slot(tick);
  if (!s.empty()) {
    in_wheel_ -= s.size();
    current_.insert(current_.end(), s.begin(), s.end());
    std::make_heap(current_.begin(), current_.end(), later{});
    s.clear();
    mark(tick, false);
    if (s.capacity() > 256) // a burst's slot: give its memory back
      std::vector<entry>().swap(s);
  }
  migrate_far();
}

std::int64_t timer_service::next_occupied(std::int64_t from,
                                          std::int64_t to) const {
  // Slots are bits in 64-bit words, and the wheel is a whole number of
  // words, so a word never wraps around the wheel's end.
  for (auto k = from; k <= to;) {
    auto index = static_cast<std::size_t>(k % wheel_ticks);
    auto bits = occupied_[index / 64] >> (index % 64);
    if (bits != 0) {
      auto found = k + std::countr_zero(bits);
      return found <= to ? found : -1;
    }
    k += static_cast<std::int64_t>(64 - index % 64);
  }
  return -1;
}

time_point timer_service::earliest() const {
  if (!current_.empty())
    return current_.front().deadline; // the open millisecond comes first
  auto best = time_point::max();
  if (in_wheel_ > 0) {
    auto k = next_occupied(base_ + 1, base_ + wheel_ticks - 1);
    for (const auto& e : slot(k))
      best = std::min(best, e.deadline);
  }
  if (!far_.empty())
    best = std::min(best, far_.front().deadline);
  return best;
}

void timer_service::pop_due(time_point t, std::vector<timer_node*>& out) {
  if (base_ < 0)
    return; // nothing was ever scheduled
  // A `t` before the base (a deadline already past, under virtual time)
  // fires from the open millisecond, which holds every past deadline.
  auto until = std::max(tick_of(t), base_);
  for (;;) {
    while (!current_.empty() && current_.front().deadline <= t) {
      std::pop_heap(current_.begin(), current_.end(), later{});
      out.push_back(current_.back().node);
      current_.pop_back();
    }
    if (!current_.empty() || base_ == until)
      return; // the rest of the open millisecond is not due yet
    auto last = std::min(until, base_ + wheel_ticks - 1);
    auto k = in_wheel_ > 0 ? next_occupied(base_ + 1, last) : -1;
    if (k >= 0) {
      open(k);
      continue;
    }
    if (until <= last) {
      open(until);
      continue;
    }
    // The whole wheel is due and empty: jump to the heap's first timer.
    open(far_.empty() ? until
                      : std::min(until, tick_of(far_.front().deadline)));
  }
}

void timer_service::compact() {
  auto is_dead = [](const entry& e) {
    return e.node->state.load(std::memory_order_relaxed) ==
           timer_node::cancelled;
  };
  std::size_t dead = 0;
  for (const auto* v : {&current_, &far_})
    dead +=
        static_cast<std::size_t>(std::count_if(v->begin(), v->end(), is_dead));
  for (const auto& s : slots_)
    dead +=
        static_cast<std::size_t>(std::count_if(s.begin(), s.end(), is_dead));
  absorbed_since_compact_ = 0;
  if (dead < 1024 || dead * 2 < held())
    return;
  auto release_dead = [&](const entry& e) {
    if (!is_dead(e))
      return false;
    e.node->release_callback();
    return true;
  };
  for (std::int64_t k = base_ + 1; k < base_ + wheel_ticks; ++k) {
    auto& s = slot(k);
    if (s.empty())
      continue;
    auto before = s.size();
    s.erase(std::remove_if(s.begin(), s.end(), release_dead), s.end());
    in_wheel_ -= before - s.size();
    if (s.empty())
      mark(k, false);
  }
  for (auto* v : {&current_, &far_}) {
    v->erase(std::remove_if(v->begin(), v->end(), release_dead), v->end());
    std::make_heap(v->begin(), v->end(), later{});
  }
}

void timer_service::drop_all() {
  auto* head = ingress_.exchange(nullptr);
  while (head != nullptr)
    std::exchange(head, head->next_in_ingress)->release_callback();
  for (auto& s : slots_) {
    for (auto& e : s)
      e.node->release_callback();
    s.clear();
  }
  std::fill(occupied_.begin(), occupied_.end(), 0);
  in_wheel_ = 0;
  for (auto* v : {&current_, &far_}) {
    for (auto& e : *v)
      e.node->release_callback();
    v->clear();
  }
}

namespace {

constexpr std::size_t prefetch_ahead = 4;

/// Fetches the lines of `node` that running it reads: its state, its
/// callback and what that callback stores inside the node (reading the
/// size first would wait for the line it is in).
void prefetch_node(const timer_node* node) noexcept {
  auto* p = reinterpret_cast<const char*>(node);
  __builtin_prefetch(p);
  __builtin_prefetch(p + 64);
  __builtin_prefetch(p + 128);
}

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
    // One callback's exception is reported, as a lone callback's is, and
    // does not cost the others due with it.
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      // Nodes were last written on other threads: fetch a few ahead.
      if (i + prefetch_ahead < nodes.size())
        prefetch_node(nodes[i + prefetch_ahead]);
      auto* n = nodes[i];
      if (!n->claim())
        continue;
      try {
        n->invoke();
      } catch (...) {
        report_callback_error("callback", std::current_exception());
      }
    }
  }
};

caf::actor lock_target(timer_node* node, caf::actor_control_block* target) {
  if (target == nullptr ||
      node->state.load(std::memory_order_acquire) != timer_node::pending)
    return {};
  caf::weak_actor_ptr weak{target};
  if (auto strong = weak.lock())
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
  for (std::size_t i = 0; i < due.size(); ++i) {
    if (i + prefetch_ahead < due.size())
      __builtin_prefetch(due[i + prefetch_ahead]);
    auto* node = due[i];
    // A run of callbacks for one actor (the loop's) locks it once.
    auto* target = target_of(node);
    if (node->kind == timer_node::callback && batch_target &&
        target == caf::actor_cast<caf::actor_control_block*>(batch_target)) {
      batch.push_back(node);
      continue;
    }
    auto dest = lock_target(node, target);
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
        node->invoke();
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
        node->invoke();
    }
  };
  return claim_and_run{node};
}

void timer_service::run() {
  std::vector<timer_node*> due;
  std::unique_lock<std::mutex> guard{mtx_};
  constexpr auto awake = time_point::min().time_since_epoch().count();
  while (!stopping_.load()) {
    // Read the clock before taking in new timers: anything registered later
    // is due later than `now` (for relative delays), so firing everything
    // due by `now` keeps deadline order.
    auto now = now_();
    absorb_ingress(now);
    // Scanning for cancelled nodes costs the number held: do it once half
    // as many came in as are held, which bounds a pile of cancelled ones
    // (request timeouts) at a constant cost per registration. A cancelled
    // node in the wheel is dropped anyway when its millisecond comes.
    if (absorbed_since_compact_ * 2 >= std::max<std::size_t>(held(), 2048))
      compact();
    auto next = earliest();
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
  absorb_ingress(now_());
  auto dead = [](const entry& e) {
    return e.node->state.load() == timer_node::cancelled;
  };
  // The first live entry of a heap, cancelled ones before it dropped.
  auto first_live = [&](std::vector<entry>& h) -> std::optional<time_point> {
    for (; !h.empty(); h.pop_back()) {
      if (!dead(h.front()))
        return h.front().deadline;
      std::pop_heap(h.begin(), h.end(), later{});
      h.back().node->release_callback();
    }
    return std::nullopt;
  };
  // The open millisecond, then the wheel's slots, then the heap: each
  // comes wholly before the next.
  if (auto t = first_live(current_))
    return t;
  while (in_wheel_ > 0) {
    auto k = next_occupied(base_ + 1, base_ + wheel_ticks - 1);
    auto& s = slot(k);
    auto live_end = std::partition(s.begin(), s.end(),
                                   [&](const entry& e) { return !dead(e); });
    for (auto it = live_end; it != s.end(); ++it)
      it->node->release_callback();
    in_wheel_ -= static_cast<std::size_t>(s.end() - live_end);
    s.erase(live_end, s.end());
    if (s.empty()) {
      mark(k, false);
      continue;
    }
    auto best = time_point::max();
    for (const auto& e : s)
      best = std::min(best, e.deadline);
    return best;
  }
  return first_live(far_);
}

std::size_t timer_service::fire_until(time_point t) {
  std::vector<timer_node*> due;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    absorb_ingress(now_());
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
  drop_all();
}

std::size_t timer_service::size() {
  std::lock_guard<std::mutex> guard{mtx_};
  absorb_ingress(now_());
  return held();
}

} // namespace actio::detail
