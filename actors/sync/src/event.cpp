// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/event.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"
#include "actio/sync/detail/close_registration.hpp"
#include "actio/sync/detail/waiter_state.hpp"

#include "actio/call.hpp"
#include "actio/errors.hpp"
#include "actio/runtime.hpp"

#include <vector>

namespace actio::detail {

/// An event's state; lives in, and is only touched by, its actor.
class event_core final : public closure_body {
public:
  using waiter_state = sync_waiter_state<none>;

  ~event_core() override {
    auto error = std::make_exception_ptr(
        cancelled_error("event's actor ended with this wait pending"));
    for (auto& w : waiters_)
      w->set_exception(error);
  }

  void start(closure_actor weak_self) {
    closing_ = close_registration{ambient_runtime(), std::move(weak_self)};
  }

  void set() {
    is_set_ = true;
    auto woken = std::move(waiters_);
    waiters_.clear();
    for (auto& w : woken)
      w->set_value(none{});
  }

  void clear() noexcept { is_set_ = false; }

  bool is_set() const noexcept { return is_set_; }

  void wait(state_ptr<waiter_state> st) {
    if (is_set_)
      st->set_value(none{});
    else
      waiters_.push_back(std::move(st));
  }

  void purge() {
    std::erase_if(waiters_, [](const auto& w) { return w->done(); });
  }

private:
  bool is_set_ = false;
  close_registration closing_;
  std::vector<state_ptr<waiter_state>> waiters_;
};

} // namespace actio::detail

namespace actio {

event::event() : event(detail::sync_ambient_runtime()) {}

event::event(runtime& rt) {
  auto core = std::make_unique<detail::event_core>();
  core_ = core.get();
  actor_ =
      detail::closure_actor::spawn(actio::detail::core_of(rt), std::move(core));
  actor_.post(
      [c = core_, w = actor_.weak()]() mutable { c->start(std::move(w)); });
}

void event::set() {
  actor_.post([c = core_] { c->set(); });
}

void event::clear() {
  actor_.post([c = core_] { c->clear(); });
}

future<bool> event::is_set() {
  promise<bool> p;
  auto f = p.get_future();
  actor_.post(
      [c = core_, p = std::move(p)]() mutable { p.set_value(c->is_set()); });
  return f;
}

future<none> event::wait() {
  auto st = detail::make_state<detail::event_core::waiter_state>();
  st->label = {"event", reinterpret_cast<std::uintptr_t>(core_)};
  st->on_cancel = [a = actor_.weak(), c = core_] {
    a.post([c] { c->purge(); });
  };
  actor_.post([c = core_, w = detail::waiter_in_transit{st}]() mutable {
    c->wait(w.take());
  });
  return future<none>{std::move(st)};
}

} // namespace actio
