// SPDX-License-Identifier: Apache-2.0
// Deadline scopes (actio::timeout): expiry is decided on the task's own
// actor, so a scope that has ended can never cancel its task late.
#include "actio/detail/deadline_scope.hpp"

#include "actio/errors.hpp"
#include "actio/timeout.hpp"
#include "actio/timer_handle.hpp"
#include "runtime_core.hpp"
#include "task_actor.hpp"
#include "timer_service.hpp"

#include <caf/actor_control_block.hpp>
#include <caf/weak_intrusive_ptr.hpp>

#include <atomic>
#include <utility>

namespace actio::detail {

class scope_state {
public:
  /// The owning task's context, and its actor (weak) for the timer; both
  /// fixed at entry.
  task_context* ctx = nullptr;
  actor_ref actor;
  /// Cancel requests of the task when the scope opened.
  std::uint32_t cancels_at_entry = 0;
  /// The next outer open scope of the task (owner's actor only).
  scope_state* outer = nullptr;
  timer_handle timer;

  std::atomic<time_point::rep> deadline{0};
  std::atomic<bool> expired{false};
  std::atomic<bool> left{false};

  time_point when() const noexcept {
    return time_point{duration{deadline.load(std::memory_order_acquire)}};
  }
};

namespace {

void send_deadline(const actor_ref& task) {
  auto* cb = static_cast<caf::actor_control_block*>(task.get());
  if (cb == nullptr)
    return;
  caf::weak_actor_ptr weak{cb};
  if (auto strong = weak.lock())
    static_cast<task_actor*>(strong->get())->post_deadline();
}

/// Sets the deadline and (re)arms the timer; on the owner's actor.
void arm(scope_state& st, time_point when) {
  st.timer.cancel();
  st.timer = timer_handle{};
  st.deadline.store(when.time_since_epoch().count(), std::memory_order_release);
  if (when == time_point::max())
    return;
  auto& ctx = *st.ctx;
  if (when <= context_now(ctx)) {
    // Checked once the task parks at its next co_await.
    task_actor::of(ctx).post_deadline();
    return;
  }
  auto* node = new timer_node;
  node->deadline = when;
  node->kind = timer_node::direct;
  node->target = caf::weak_actor_ptr{ctx.self->ctrl()};
  node->fn = [actor = st.actor] { send_deadline(actor); };
  node->ref(); // for the handle
  st.timer = timer_handle{node};
  ctx.rt->timers->schedule(node);
}

/// Takes `st` out of its task's list of open scopes; on the owner's actor.
void unlink(scope_state& st) noexcept {
  if (st.left.exchange(true, std::memory_order_acq_rel))
    return;
  st.timer.cancel();
  for (auto** link = &st.ctx->scopes; *link != nullptr;
       link = &(*link)->outer) {
    if (*link == &st) {
      *link = st.outer;
      break;
    }
  }
  st.outer = nullptr;
}

std::shared_ptr<scope_state> open_scope() {
  auto* ctx = current_context();
  if (ctx == nullptr || !ctx->is_task)
    throw actio::runtime_error(
        "actio::timeout: a deadline scope is awaited outside an actio task");
  auto st = std::make_shared<scope_state>();
  st->ctx = ctx;
  st->actor = actor_ref::adopt(ctx->self->ctrl(), true);
  st->cancels_at_entry = ctx->cancel_requests.load(std::memory_order_acquire);
  st->outer = ctx->scopes;
  ctx->scopes = st.get();
  return st;
}

bool is_cancel(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const cancelled_error&) {
    return true;
  } catch (...) {
    return false;
  }
}

} // namespace

scope_guard::scope_guard(time_point when) : st_(open_scope()) {
  try {
    arm(*st_, when);
  } catch (...) {
    unlink(*st_);
    throw;
  }
}

scope_guard::scope_guard(duration delay) : st_(open_scope()) {
  try {
    auto now = context_now(*st_->ctx);
    arm(*st_,
        delay >= time_point::max() - now ? time_point::max() : now + delay);
  } catch (...) {
    unlink(*st_);
    throw;
  }
}

scope_guard::~scope_guard() {
  if (st_->left.load(std::memory_order_acquire))
    return;
  unlink(*st_);
  if (st_->expired.load(std::memory_order_acquire))
    st_->ctx->cancel_requests.fetch_sub(1, std::memory_order_acq_rel);
}

void scope_guard::leave(std::exception_ptr error) {
  unlink(*st_);
  bool timed_out = false;
  if (st_->expired.load(std::memory_order_acquire)) {
    // Take back this scope's own cancel request (asyncio's uncancel): only
    // if no other request came since the scope opened is the cancel ours.
    auto left =
        st_->ctx->cancel_requests.fetch_sub(1, std::memory_order_acq_rel) - 1;
    timed_out = error && left <= st_->cancels_at_entry && is_cancel(error);
  }
  if (timed_out)
    throw timeout_error("deadline scope expired");
  if (error)
    std::rethrow_exception(error);
}

void deliver_deadline(task_actor& self) {
  auto& ctx = self.ctx;
  if (!ctx.parked)
    return;
  auto now = context_now(ctx);
  bool any = false;
  for (auto* st = ctx.scopes; st != nullptr; st = st->outer) {
    if (!st->expired.load(std::memory_order_relaxed) && st->when() <= now) {
      st->expired.store(true, std::memory_order_release);
      st->timer.cancel();
      ctx.cancel_requests.fetch_add(1, std::memory_order_acq_rel);
      any = true;
    }
  }
  if (!any)
    return;
  ctx.cancel_arrived = true;
  // An awaited future resumes the task once it has reacted to the cancel:
  // keep the suspension's token for that resume. Anything else resumes now.
  bool waits = ctx.resumes_after_cancel == ctx.token;
  auto hook = std::move(ctx.cancel_hook);
  ctx.cancel_hook.reset();
  if (!waits)
    ++ctx.token;
  if (hook) {
    context_scope scope{&ctx};
    try {
      hook();
    } catch (...) {
      report_callback_error("cancel hook", std::current_exception());
    }
  }
  if (!waits)
    self.resume_now(ctx.token);
}

void resumes_after_cancel(const suspension& s) noexcept {
  s.ctx->resumes_after_cancel = s.token;
}

} // namespace actio::detail

namespace actio {

time_point deadline_scope::when() const noexcept {
  return st_ ? st_->when() : time_point::max();
}

bool deadline_scope::expired() const noexcept {
  return st_ && st_->expired.load(std::memory_order_acquire);
}

void deadline_scope::reschedule(time_point when) const {
  if (!st_)
    throw invalid_state_error("deadline_scope::reschedule: no scope");
  if (st_->left.load(std::memory_order_acquire))
    throw invalid_state_error("deadline_scope::reschedule: the scope ended");
  if (detail::current_context() != st_->ctx)
    throw invalid_state_error(
        "deadline_scope::reschedule: only from the scope's own task");
  if (expired())
    throw invalid_state_error(
        "deadline_scope::reschedule: the scope has expired");
  detail::arm(*st_, when);
}

} // namespace actio
