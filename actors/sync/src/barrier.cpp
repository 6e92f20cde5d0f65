// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/barrier.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"
#include "actio/sync/detail/close_registration.hpp"
#include "actio/sync/detail/waiter_state.hpp"

#include "actio/call.hpp"
#include "actio/runtime.hpp"

#include <stdexcept>
#include <vector>

namespace actio::detail {

/// A barrier's state; lives in, and is only touched by, its actor.
class barrier_core final : public closure_body {
public:
  using waiter_state = sync_waiter_state<std::size_t>;

  explicit barrier_core(std::size_t parties) noexcept : parties_(parties) {}

  ~barrier_core() override {
    fail_all(std::make_exception_ptr(
        cancelled_error("barrier's actor ended with this wait pending")));
  }

  void start(closure_actor weak_self) {
    closing_ = close_registration{ambient_runtime(), std::move(weak_self)};
  }

  void wait(state_ptr<waiter_state> st) {
    if (broken_) {
      st->set_exception(std::make_exception_ptr(broken_barrier_error()));
      return;
    }
    purge();
    waiters_.push_back(std::move(st));
    if (waiters_.size() < parties_)
      return;
    auto released = std::move(waiters_);
    waiters_.clear();
    std::size_t index = 0;
    for (auto& w : released)
      w->set_value(index++);
  }

  void abort() {
    broken_ = true;
    fail_all(std::make_exception_ptr(broken_barrier_error()));
  }

  void reset() {
    broken_ = false;
    fail_all(std::make_exception_ptr(
        broken_barrier_error("barrier was reset while this waited")));
  }

  bool broken() const noexcept { return broken_; }

  std::size_t n_waiting() {
    purge();
    return waiters_.size();
  }

  void purge() {
    std::erase_if(waiters_, [](const auto& w) { return w->done(); });
  }

private:
  void fail_all(const std::exception_ptr& error) {
    auto failed = std::move(waiters_);
    waiters_.clear();
    for (auto& w : failed)
      w->set_exception(error);
  }

  std::size_t parties_;
  bool broken_ = false;
  close_registration closing_;
  std::vector<state_ptr<waiter_state>> waiters_;
};

} // namespace actio::detail

namespace actio {

barrier::barrier(std::size_t parties)
    : barrier(detail::sync_ambient_runtime(), parties) {}

barrier::barrier(runtime& rt, std::size_t parties) : parties_(parties) {
  if (parties == 0)
    throw std::invalid_argument("a barrier needs at least one party");
  auto core = std::make_unique<detail::barrier_core>(parties);
  core_ = core.get();
  actor_ =
      detail::closure_actor::spawn(actio::detail::core_of(rt), std::move(core));
  actor_.post(
      [c = core_, w = actor_.weak()]() mutable { c->start(std::move(w)); });
}

future<std::size_t> barrier::wait() {
  auto st = detail::make_state<detail::barrier_core::waiter_state>();
  st->label = {"barrier", reinterpret_cast<std::uintptr_t>(core_)};
  st->on_cancel = [a = actor_.weak(), c = core_] {
    a.post([c] { c->purge(); });
  };
  actor_.post([c = core_, w = detail::waiter_in_transit{st}]() mutable {
    c->wait(w.take());
  });
  return future<std::size_t>{std::move(st)};
}

void barrier::abort() {
  actor_.post([c = core_] { c->abort(); });
}

void barrier::reset() {
  actor_.post([c = core_] { c->reset(); });
}

future<bool> barrier::broken() {
  promise<bool> p;
  auto f = p.get_future();
  actor_.post(
      [c = core_, p = std::move(p)]() mutable { p.set_value(c->broken()); });
  return f;
}

future<std::size_t> barrier::n_waiting() {
  promise<std::size_t> p;
  auto f = p.get_future();
  actor_.post(
      [c = core_, p = std::move(p)]() mutable { p.set_value(c->n_waiting()); });
  return f;
}

} // namespace actio
