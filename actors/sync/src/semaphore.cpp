// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/semaphore.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"

#include "actio/errors.hpp"
#include "actio/runtime.hpp"

#include <deque>
#include <iostream>

namespace actio::detail {

/// A semaphore's state; lives in, and is only touched by, its actor.
class semaphore_core final : public closure_body {
public:
  using waiter_state = sync_waiter_state<semaphore::permit>;

  /// A waiting acquirer; destroyed while still pending (its message was
  /// dropped, or the actor ended), it fails its future.
  struct acquirer {
    state_ptr<waiter_state> st;

    explicit acquirer(state_ptr<waiter_state> s) : st(std::move(s)) {}
    acquirer(acquirer&&) noexcept = default;
    acquirer& operator=(acquirer&&) noexcept = default;
    ~acquirer() {
      if (st && !st->done())
        st->set_exception(std::make_exception_ptr(actio::runtime_error(
            "semaphore's actor ended with this acquire pending")));
    }
  };

  semaphore_core(std::size_t value, bool bounded)
      : value_(value), initial_(value), bounded_(bounded) {}

  ~semaphore_core() override = default;

  void set_self(closure_actor weak_self) { self_ = std::move(weak_self); }

  void acquire(acquirer a) {
    waiters_.push_back(std::move(a));
    wake();
  }

  /// A unit came back from a permit.
  void give_back() {
    ++value_;
    wake();
  }

  void release(promise<none> p) {
    if (bounded_ && value_ >= initial_) {
      p.set_exception(std::make_exception_ptr(
          invalid_state_error("bounded_semaphore released too many times")));
      return;
    }
    give_back();
    p.set_value(none{});
  }

  void purge() {
    std::erase_if(waiters_, [](const acquirer& w) { return w.st->done(); });
  }

  bool locked() const noexcept { return value_ == 0 || !waiters_.empty(); }
  std::size_t value() const noexcept { return value_; }

private:
  void wake() {
    while (value_ > 0 && !waiters_.empty()) {
      auto st = std::move(waiters_.front().st);
      waiters_.pop_front();
      if (st->done())
        continue;
      semaphore::permit p{self_, this};
      --value_;
      if (!st->set_value(std::move(p))) {
        p.detach();
        ++value_;
      }
    }
  }

  std::size_t value_;
  std::size_t initial_;
  bool bounded_;
  closure_actor self_; // weak
  std::deque<acquirer> waiters_;
};

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
      [c = core_, w = actor_.weak()]() mutable { c->set_self(std::move(w)); });
}

future<semaphore::permit> semaphore::acquire() {
  auto st = detail::make_state<detail::semaphore_core::waiter_state>();
  st->on_cancel = [a = actor_.weak(), c = core_] {
    a.post([c] { c->purge(); });
  };
  st->reclaim = [](permit&& p) { p.release(); };
  actor_.post([c = core_, a = detail::semaphore_core::acquirer{st}]() mutable {
    c->acquire(std::move(a));
  });
  return future<permit>{std::move(st)};
}

future<none> semaphore::release() {
  promise<none> p;
  auto f = p.get_future();
  actor_.post(
      [c = core_, p = std::move(p)]() mutable { c->release(std::move(p)); });
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
