// SPDX-License-Identifier: Apache-2.0
#include "messages.hpp"
#include "runtime_core.hpp"
#include "scheduler_module.hpp"
#include "task_context.hpp"

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <iostream>
#include <stdexcept>

namespace actio::detail {

namespace {

thread_local task_context* tl_current = nullptr;

/// Carries a task's driver in its start message; a dropped message (the
/// actor was killed first) destroys the driver, which fails the future.
class driver_box : public caf::ref_counted {
public:
  explicit driver_box(std::unique_ptr<task_driver_base> d)
      : driver(std::move(d)) {}
  std::unique_ptr<task_driver_base> driver;
};

using driver_ptr = caf::intrusive_ptr<driver_box>;

} // namespace
} // namespace actio::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actio::detail::driver_ptr)

namespace actio::detail {

namespace {

struct task_actor_state {
  std::unique_ptr<task_driver_base> driver;
  task_context ctx;
  // Timers and resumers hold only weak references, so a running task keeps
  // itself alive until it quits (or is killed); the state dies with it.
  caf::strong_actor_ptr keep_alive;
};

using task_actor_t = caf::stateful_actor<task_actor_state>;

void step(task_actor_t* self, std::coroutine_handle<> h) {
  auto& st = self->state;
  context_scope scope{&st.ctx};
  h.resume();
  if (st.driver->finished()) {
    st.driver->complete();
    st.driver.reset();
    self->quit();
    st.keep_alive.reset();
  }
}

caf::behavior task_actor(task_actor_t* self, runtime_core* rt) {
  self->state.ctx.rt = rt;
  self->state.ctx.self = self;
  self->state.ctx.is_task = true;
  return {
      [self](start_atom, const driver_ptr& box) {
        auto& st = self->state;
        st.driver = std::move(box->driver);
        st.keep_alive = caf::actor_cast<caf::strong_actor_ptr>(self);
        if (st.driver->cancel_requested()) {
          st.driver->fail(std::make_exception_ptr(cancelled_error()));
          st.driver.reset();
          self->quit();
          st.keep_alive.reset();
          return;
        }
        std::coroutine_handle<> h;
        try {
          context_scope scope{&st.ctx};
          h = st.driver->start();
        } catch (...) {
          st.driver->fail(std::current_exception());
          st.driver.reset();
          self->quit();
          st.keep_alive.reset();
          return;
        }
        step(self, h);
      },
      [self](resume_atom, std::uint64_t token) {
        auto& ctx = self->state.ctx;
        if (token != ctx.token || !ctx.parked)
          return;
        auto h = std::exchange(ctx.parked, {});
        step(self, h);
      },
      [self](cancel_atom) {
        auto& ctx = self->state.ctx;
        if (!ctx.parked)
          return;
        ctx.cancel_arrived = true;
        ++ctx.token;
        if (auto hook = std::move(ctx.cancel_hook)) {
          context_scope scope{&ctx};
          try {
            hook();
          } catch (...) {
            report_callback_error("cancel hook", std::current_exception());
          }
        }
        auto h = std::exchange(ctx.parked, {});
        step(self, h);
      },
      [self](run_atom, const closure_ptr& fn) {
        context_scope scope{&self->state.ctx};
        try {
          fn->run();
        } catch (...) {
          report_callback_error("callback", std::current_exception());
        }
      },
  };
}

} // namespace

context_scope::context_scope(task_context* ctx) noexcept : prev_(tl_current) {
  tl_current = ctx;
}

context_scope::~context_scope() {
  tl_current = prev_;
}

task_context* current_context() noexcept {
  return tl_current;
}

time_point context_now(task_context& ctx) noexcept {
  return ctx.rt->now();
}

suspension suspend(std::coroutine_handle<> h) {
  auto* ctx = tl_current;
  if (ctx == nullptr || !ctx->is_task)
    throw actio::runtime_error(
        "co_await on an actio awaitable outside an actio task");
  ctx->parked = h;
  ctx->cancel_hook.reset();
  return suspension{ctx, ++ctx->token};
}

void on_cancel(const suspension& s, unique_function<void()> hook) {
  s.ctx->cancel_hook = std::move(hook);
}

void finish(task_context& ctx) {
  ctx.cancel_hook.reset();
  if (ctx.cancel_arrived) {
    ctx.cancel_arrived = false;
    throw cancelled_error();
  }
}

resumer::resumer(const suspension& s)
    : actor_(actor_ref::adopt(
          caf::actor_cast<caf::actor_control_block*>(s.ctx->self), true)),
      token_(s.token) {}

void resumer::operator()() const {
  auto* cb = static_cast<caf::actor_control_block*>(actor_.get());
  if (cb == nullptr)
    return;
  caf::weak_actor_ptr weak{cb};
  if (auto strong = weak.lock())
    caf::anon_send(caf::actor_cast<caf::actor>(std::move(strong)),
                   resume_atom::value, token_);
}

void resume_at(const suspension& s, time_point deadline) {
  auto* node = new timer_node;
  node->deadline = deadline;
  node->target = caf::weak_actor_ptr{
      caf::actor_cast<caf::actor_control_block*>(s.ctx->self)};
  node->token = s.token;
  node->ref(); // one for the cancel hook
  s.ctx->rt->timers->schedule(node);
  struct node_holder {
    timer_node* node;
    explicit node_holder(timer_node* n) : node(n) {}
    node_holder(node_holder&& o) noexcept
        : node(std::exchange(o.node, nullptr)) {}
    ~node_holder() {
      if (node != nullptr)
        node->deref();
    }
    void operator()() const { node->cancel(); }
  };
  on_cancel(s, node_holder{node});
}

void resume_in_place(const suspension& s) {
  auto* ctx = s.ctx;
  if (ctx->token != s.token || !ctx->parked)
    return;
  auto h = std::exchange(ctx->parked, {});
  step(static_cast<task_actor_t*>(ctx->self), h);
}

void resume_soon(const suspension& s) {
  caf::anon_send(caf::actor_cast<caf::actor>(s.ctx->self), resume_atom::value,
                 s.token);
}

void send_cancel(const actor_ref& task_actor) {
  auto* cb = static_cast<caf::actor_control_block*>(task_actor.get());
  if (cb == nullptr)
    return;
  caf::weak_actor_ptr weak{cb};
  if (auto strong = weak.lock())
    caf::anon_send(caf::actor_cast<caf::actor>(std::move(strong)),
                   cancel_atom::value);
}

actor_ref spawn_task(runtime_core& rt, std::unique_ptr<task_driver_base> d) {
  if (rt.closing.load(std::memory_order_acquire))
    throw actio::runtime_error("create_task: the runtime is closed");
  auto self = rt.system->spawn<caf::lazy_init>(task_actor, &rt);
  forget_caf_logger();
  auto* cb = caf::actor_cast<caf::actor_control_block*>(self);
  auto ref = actor_ref::adopt(cb, true);
  d->actor = ref;
  rt.add_task(d.get());
  caf::anon_send(self, start_atom::value,
                 driver_ptr{new driver_box(std::move(d)), false});
  return ref;
}

void refuse_borrowed_closure() {
  throw std::invalid_argument(
      "create_task(f()) where f is a lambda with captures: the lambda is gone "
      "before the task runs, and the coroutine reads its captures from it; "
      "pass the lambda itself: create_task(f) or create_task(f, args...)");
}

runtime_core& ambient_runtime() {
  if (auto* ctx = tl_current)
    return *ctx->rt;
  if (auto* core = current_core())
    return *core;
  throw actio::runtime_error("no actio runtime: create an actio::runtime");
}

void report_callback_error(const char* where, std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    std::cerr << "actio: exception in " << where << ": " << e.what() << "\n";
  } catch (...) {
    std::cerr << "actio: unknown exception in " << where << "\n";
  }
}

task_driver_base::~task_driver_base() {
  leave_registry();
}

void task_driver_base::leave_registry() noexcept {
  if (auto* owner = std::exchange(rt, nullptr))
    owner->remove_task(this);
}

} // namespace actio::detail
