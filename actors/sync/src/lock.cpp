// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/lock.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"
#include "actio/sync/detail/lock_core.hpp"

#include "actio/detail/current_task.hpp"
#include "actio/errors.hpp"
#include "actio/runtime.hpp"

#include <atomic>
#include <iostream>
#include <utility>
#include <vector>

namespace actio::detail {

namespace {

std::exception_ptr ended_error() {
  return std::make_exception_ptr(
      cancelled_error("lock's actor ended with this waiter pending"));
}

} // namespace

std::uint64_t next_lock_ticket() noexcept {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

lock_core::cond_waiter::~cond_waiter() {
  if (st && !st->done())
    st->set_exception(ended_error());
  if (reacquired && !reacquired->done())
    reacquired->set_exception(std::make_exception_ptr(
        actio::runtime_error("lock's actor ended before the lock was "
                             "re-acquired")));
}

void lock_core::acquire(state_ptr<state_base> st, unique_function<bool()> grant,
                        holding h) {
  acquirer a;
  a.st = std::move(st);
  a.ended = ended_error();
  a.deliver = [this, grant = std::move(grant), h = std::move(h)]() mutable {
    holder_ = h;
    if (!grant()) {
      holder_.reset();
      return false;
    }
    watch(h.owner);
    return true;
  };
  semaphore_core::acquire(std::move(a));
}

bool lock_core::release(std::uint64_t ticket) {
  if (!holder_ || (ticket != 0 && holder_->ticket != ticket))
    return false;
  holder_.reset();
  give_back();
  return true;
}

void lock_core::owner_ended(state_base* owner) {
  if (holder_ && holder_->owner.get() == owner) {
    holder_.reset();
    give_back();
  }
  watched_.erase(owner);
}

bool lock_core::held_by(const state_base* owner) const noexcept {
  return holder_ && holder_->owner.get() == owner;
}

void lock_core::watch(const state_ptr<state_base>& owner) {
  if (!owner || !watched_.emplace(owner.get(), owner).second)
    return;
  // Once per task and lock: the entry keeps the task's state (and so its
  // address) alive until its end has been handled here.
  owner->add_callback([a = self(), c = this, raw = owner.get()] {
    a.post([c, raw] { c->owner_ended(raw); });
  });
}

void lock_core::cond_wait(cond_waiter w, const state_ptr<state_base>& caller) {
  if (!held_by(caller.get())) {
    w.st->set_exception(std::make_exception_ptr(actio::runtime_error(
        "condition wait by a task that does not hold its lock")));
    w.reacquired->set_exception(std::make_exception_ptr(
        actio::runtime_error("condition wait refused")));
    return;
  }
  w.h = *holder_;
  cond_waiters_.push_back(std::move(w));
  holder_.reset();
  give_back();
}

void lock_core::cond_cancelled(std::uint64_t wait_id) {
  for (auto it = cond_waiters_.begin(); it != cond_waiters_.end(); ++it) {
    if (it->wait_id == wait_id) {
      auto w = std::move(*it);
      cond_waiters_.erase(it);
      requeue(std::move(w), false);
      return;
    }
  }
}

void lock_core::notify(std::uint64_t cond, std::size_t n) {
  // Taken out first: serving the lock below may notify again.
  std::vector<cond_waiter> woken;
  std::vector<cond_waiter> cancelled; // their cond_cancelled is on its way
  for (auto it = cond_waiters_.begin(); it != cond_waiters_.end();) {
    if (it->st->done()) {
      cancelled.push_back(std::move(*it));
      it = cond_waiters_.erase(it);
    } else if (it->cond == cond && woken.size() < n) {
      woken.push_back(std::move(*it));
      it = cond_waiters_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& w : cancelled)
    requeue(std::move(w), false);
  for (auto& w : woken)
    requeue(std::move(w), true);
}

void lock_core::requeue(cond_waiter w, bool notified) {
  // The waiter queues for the lock through `reacquired`, which only the
  // actor's end completes otherwise, so a cancelled waiter keeps its place.
  auto st = w.reacquired;
  auto h = w.h;
  auto grant = [this, w = std::move(w), notified]() mutable {
    if (w.st->set_value(none{}))
      return true;
    if (notified) // cancelled after it was notified: pass the notification on
      notify(w.cond, 1);
    return w.reacquired->set_value(none{});
  };
  acquire(std::move(st), std::move(grant), std::move(h));
}

} // namespace actio::detail

namespace actio {

lock::guard::guard(detail::closure_actor actor, detail::lock_core* core,
                   std::uint64_t ticket) noexcept
    : actor_(std::move(actor)), core_(core), ticket_(ticket) {}

lock::guard::guard(guard&& other) noexcept
    : actor_(std::move(other.actor_)),
      core_(std::exchange(other.core_, nullptr)), ticket_(other.ticket_) {}

lock::guard& lock::guard::operator=(guard&& other) noexcept {
  if (this != &other) {
    release();
    actor_ = std::move(other.actor_);
    core_ = std::exchange(other.core_, nullptr);
    ticket_ = other.ticket_;
  }
  return *this;
}

lock::guard::~guard() {
  release();
}

void lock::guard::release() noexcept {
  auto* core = std::exchange(core_, nullptr);
  if (core == nullptr)
    return;
  try {
    actor_.post([core, t = ticket_] { core->release(t); });
  } catch (const std::exception& e) {
    std::cerr << "actio: lock guard could not release: " << e.what() << "\n";
  }
  actor_ = detail::closure_actor{};
}

lock::lock() : lock(detail::sync_ambient_runtime()) {}

lock::lock(runtime& rt) {
  auto core = std::make_unique<detail::lock_core>();
  core_ = core.get();
  actor_ =
      detail::closure_actor::spawn(actio::detail::core_of(rt), std::move(core));
  actor_.post(
      [c = core_, w = actor_.weak()]() mutable { c->start(std::move(w)); });
}

future<none> lock::acquire() {
  auto st = detail::make_state<detail::sync_waiter_state<none>>();
  st->label = {"lock", reinterpret_cast<std::uintptr_t>(core_)};
  auto ticket = detail::next_lock_ticket();
  st->on_cancel = [a = actor_.weak(), c = core_] {
    a.post([c] { c->purge(); });
  };
  st->reclaim = [a = actor_.weak(), c = core_, ticket](none&&) {
    a.post([c, ticket] { c->release(ticket); });
  };
  detail::lock_core::holding h{ticket, detail::current_task_state()};
  actor_.post([c = core_, w = detail::waiter_in_transit{st},
               h = std::move(h)]() mutable {
    auto taken = w.take();
    auto grant = [raw = taken.get()] { return raw->set_value(none{}); };
    c->acquire(std::move(taken), std::move(grant), std::move(h));
  });
  return future<none>{std::move(st)};
}

future<lock::guard> lock::scoped() {
  auto st = detail::make_state<detail::sync_waiter_state<guard>>();
  st->label = {"lock", reinterpret_cast<std::uintptr_t>(core_)};
  auto ticket = detail::next_lock_ticket();
  st->on_cancel = [a = actor_.weak(), c = core_] {
    a.post([c] { c->purge(); });
  };
  st->reclaim = [](guard&& g) { g.release(); };
  detail::lock_core::holding h{ticket, detail::current_task_state()};
  actor_.post([c = core_, w = detail::waiter_in_transit{st}, h = std::move(h),
               ticket]() mutable {
    auto taken = w.take();
    auto grant = [raw = taken.get(), c, ticket] {
      guard g{c->self(), c, ticket};
      if (raw->set_value(std::move(g)))
        return true;
      g.core_ = nullptr; // not delivered: the lock never became its
      return false;
    };
    c->acquire(std::move(taken), std::move(grant), std::move(h));
  });
  return future<guard>{std::move(st)};
}

future<none> lock::release() {
  promise<none> p;
  auto f = p.get_future();
  actor_.post([c = core_, p = std::move(p)]() mutable {
    if (c->release(0))
      p.set_value(none{});
    else
      p.set_exception(std::make_exception_ptr(
          actio::runtime_error("lock is not acquired")));
  });
  return f;
}

future<bool> lock::locked() {
  promise<bool> p;
  auto f = p.get_future();
  actor_.post(
      [c = core_, p = std::move(p)]() mutable { p.set_value(c->locked()); });
  return f;
}

} // namespace actio
