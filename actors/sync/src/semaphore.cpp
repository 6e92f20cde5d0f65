// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/semaphore.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"
#include "actio/sync/detail/semaphore_core.hpp"

#include "actio/call.hpp"

#include "actio/errors.hpp"
#include "actio/runtime.hpp"

#include <iostream>
#include <vector>

namespace actio::detail {

semaphore_core::acquirer::~acquirer() {
  if (st && !st->done())
    st->set_exception(ended);
}

semaphore_core::~semaphore_core() = default;

void semaphore_core::start(closure_actor weak_self) {
  self_ = std::move(weak_self);
  closing_ = close_registration{ambient_runtime(), self_};
}

void semaphore_core::acquire(acquirer a) {
  waiters_.push_back(std::move(a));
  wake();
}

void semaphore_core::give_back() {
  ++value_;
  wake();
}

void semaphore_core::purge() {
  std::vector<unique_function<void()>> skipped;
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (!it->st->done()) {
      ++it;
      continue;
    }
    if (it->skipped)
      skipped.push_back(std::move(it->skipped));
    it = waiters_.erase(it);
  }
  for (auto& fn : skipped)
    fn();
  wake();
}

void semaphore_core::wake() {
  while (value_ > 0 && !waiters_.empty()) {
    auto a = std::move(waiters_.front());
    waiters_.pop_front();
    if (!a.st->done()) {
      --value_;
      if (a.deliver())
        continue;
      ++value_;
    }
    if (a.skipped)
      a.skipped();
  }
}

} // namespace actio::detail

namespace actio {

semaphore::permit::permit(detail::closure_actor actor,
                          detail::semaphore_core* core) noexcept
    : actor_(std::move(actor)), core_(core) {}

semaphore::permit::permit(permit&& other) noexcept
    : actor_(std::move(other.actor_)),
      core_(std::exchange(other.core_, nullptr)) {}

semaphore::permit& semaphore::permit::operator=(permit&& other) noexcept {
  if (this != &other) {
    release();
    actor_ = std::move(other.actor_);
    core_ = std::exchange(other.core_, nullptr);
  }
  return *this;
}

semaphore::permit::~permit() {
  release();
}

void semaphore::permit::release() noexcept {
  auto* core = std::exchange(core_, nullptr);
  if (core == nullptr)
    return;
  try {
    actor_.post([core] { core->give_back(); });
  } catch (const std::exception& e) {
    std::cerr << "actio: semaphore permit could not be released: " << e.what()
              << "\n";
  }
  actor_ = detail::closure_actor{};
}

void semaphore::permit::detach() noexcept {
  core_ = nullptr;
  actor_ = detail::closure_actor{};
}

semaphore::semaphore(std::size_t value)
    : semaphore(detail::sync_ambient_runtime(), value, false) {}

semaphore::semaphore(runtime& rt, std::size_t value)
    : semaphore(rt, value, false) {}

semaphore::semaphore(runtime& rt, std::size_t value, bool bounded) {
  auto core = std::make_unique<detail::semaphore_core>(value, bounded);
  core_ = core.get();
  actor_ =
      detail::closure_actor::spawn(actio::detail::core_of(rt), std::move(core));
  actor_.post(
      [c = core_, w = actor_.weak()]() mutable { c->start(std::move(w)); });
}

future<semaphore::permit> semaphore::acquire() {
  using waiter_state = detail::sync_waiter_state<permit>;
  auto st = detail::make_state<waiter_state>();
  st->label = {"semaphore", reinterpret_cast<std::uintptr_t>(core_)};
  st->on_cancel = [a = actor_.weak(), c = core_] {
    a.post([c] { c->purge(); });
  };
  st->reclaim = [](permit&& p) { p.release(); };
  detail::semaphore_core::acquirer a;
  a.st = st;
  a.ended = std::make_exception_ptr(actio::runtime_error(
      "semaphore's actor ended with this acquire pending"));
  a.deliver = [raw = st.get(), c = core_] {
    permit p{c->self(), c};
    if (raw->set_value(std::move(p)))
      return true;
    p.detach();
    return false;
  };
  actor_.post(
      [c = core_, a = std::move(a)]() mutable { c->acquire(std::move(a)); });
  return future<permit>{std::move(st)};
}

future<none> semaphore::release() {
  promise<none> p;
  auto f = p.get_future();
  actor_.post([c = core_, p = std::move(p)]() mutable {
    if (c->full()) {
      p.set_exception(std::make_exception_ptr(
          invalid_state_error("bounded_semaphore released too many times")));
      return;
    }
    c->give_back();
    p.set_value(none{});
  });
  return f;
}

future<bool> semaphore::locked() {
  promise<bool> p;
  auto f = p.get_future();
  actor_.post(
      [c = core_, p = std::move(p)]() mutable { p.set_value(c->locked()); });
  return f;
}

future<std::size_t> semaphore::value() {
  promise<std::size_t> p;
  auto f = p.get_future();
  actor_.post(
      [c = core_, p = std::move(p)]() mutable { p.set_value(c->value()); });
  return f;
}

bounded_semaphore::bounded_semaphore(std::size_t value)
    : semaphore(detail::sync_ambient_runtime(), value, true) {}

bounded_semaphore::bounded_semaphore(runtime& rt, std::size_t value)
    : semaphore(rt, value, true) {}

} // namespace actio
