// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/condition.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"
#include "actio/sync/detail/lock_core.hpp"

#include "actio/detail/current_task.hpp"
#include "actio/errors.hpp"
#include "actio/runtime.hpp"

#include <exception>
#include <utility>

namespace actio::detail {

namespace {

/// The state a cancelled condition waiter takes the lock back through:
/// cancelling the task awaiting it does not withdraw it.
class uncancellable_state final : public state<none> {
public:
  bool request_cancel() override { return false; }
};

/// `condition::wait` on the lock's actor `a`, core `c`, condition `cond`.
task<void> condition_wait(closure_actor a, lock_core* c, std::uint64_t cond) {
  auto st = make_state<sync_waiter_state<none>>();
  st->label = {"condition", reinterpret_cast<std::uintptr_t>(c)};
  auto reacquired = make_state<uncancellable_state>();
  auto wait_id = next_lock_ticket();
  st->on_cancel = [w = a.weak(), c, wait_id] {
    w.post([c, wait_id] { c->cond_cancelled(wait_id); });
  };
  lock_core::cond_waiter w;
  w.cond = cond;
  w.wait_id = wait_id;
  w.st = st;
  w.reacquired = state_ptr<state<none>>{reacquired.get()};
  a.post([c, w = std::move(w), caller = current_task_state()]() mutable {
    c->cond_wait(std::move(w), caller);
  });
  future<none> notified{state_ptr<state<none>>{st.get()}};
  std::exception_ptr cancelled;
  try {
    co_await notified;
    co_return;
  } catch (const cancelled_error&) {
    cancelled = std::current_exception();
  }
  if (st->status() == future_status::value)
    std::rethrow_exception(cancelled); // the lock came back as it was
  future<none> back{state_ptr<state<none>>{reacquired.get()}};
  while (!back.done()) {
    try {
      co_await back;
    } catch (const cancelled_error&) {
    } catch (const actio::runtime_error&) {
    }
  }
  std::rethrow_exception(cancelled);
}

} // namespace

} // namespace actio::detail

namespace actio {

condition::condition() : condition(lock{}) {}

condition::condition(runtime& rt) : condition(lock{rt}) {}

condition::condition(lock l)
    : lock_(std::move(l)), id_(detail::next_lock_ticket()) {}

task<void> condition::wait() {
  return detail::condition_wait(lock_.actor_.weak(), lock_.core_, id_);
}

future<none> condition::notify(std::size_t n) {
  promise<none> p;
  auto f = p.get_future();
  lock_.actor_.post([c = lock_.core_, cond = id_, n,
                     caller = detail::current_task_state(),
                     p = std::move(p)]() mutable {
    if (!c->held_by(caller.get())) {
      p.set_exception(std::make_exception_ptr(actio::runtime_error(
          "condition notify by a task that does not hold its lock")));
      return;
    }
    c->notify(cond, n);
    p.set_value(none{});
  });
  return f;
}

} // namespace actio
