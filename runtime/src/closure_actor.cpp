// SPDX-License-Identifier: Apache-2.0
#include "actio/detail/closure_actor.hpp"

#include "actio/errors.hpp"
#include "messages.hpp"
#include "runtime_core.hpp"
#include "scheduler_module.hpp"
#include "task_context.hpp"
#include "timer_service.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

namespace actio::detail {

namespace {

struct closure_actor_state {
  task_context ctx;
  std::shared_ptr<closure_body> body;
};

caf::behavior closure_actor_impl(caf::stateful_actor<closure_actor_state>* self,
                                 runtime_core* rt,
                                 std::shared_ptr<closure_body> body) {
  auto& st = self->state;
  st.ctx.rt = rt;
  st.ctx.self = self;
  st.body = std::move(body);
  return {
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

caf::actor strong(const actor_ref& ref) {
  auto* cb = static_cast<caf::actor_control_block*>(ref.get());
  if (cb == nullptr)
    return {};
  if (!ref.weak())
    return caf::actor_cast<caf::actor>(cb);
  caf::weak_actor_ptr weak{cb};
  return caf::actor_cast<caf::actor>(weak.lock());
}

} // namespace

closure_body::~closure_body() = default;

caf::actor spawn_closure_actor(runtime_core& rt,
                               std::shared_ptr<closure_body> body,
                               bool hidden) {
  // The spawn owns the body until the actor's init function takes it, so
  // an actor that never starts (the system shuts down first) frees it.
  auto self = hidden
                  ? rt.system->spawn<caf::hidden>(closure_actor_impl, &rt,
                                                  std::move(body))
                  : rt.system->spawn(closure_actor_impl, &rt, std::move(body));
  forget_caf_logger();
  return self;
}

closure_actor closure_actor::spawn(runtime_core& rt,
                                   std::shared_ptr<closure_body> body) {
  if (rt.closing.load(std::memory_order_acquire))
    throw actio::runtime_error("the runtime is closed");
  auto hdl = spawn_closure_actor(rt, std::move(body), false);
  closure_actor result;
  result.ref_ =
      actor_ref::adopt(caf::actor_cast<caf::actor_control_block*>(hdl), false);
  result.rt_ = &rt;
  return result;
}

void closure_actor::post(unique_function<void()> fn) const {
  if (auto hdl = strong(ref_))
    caf::anon_send(hdl, run_atom::value, make_closure(std::move(fn)));
}

void closure_actor::post_after(duration delay,
                               unique_function<void()> fn) const {
  auto* cb = static_cast<caf::actor_control_block*>(ref_.get());
  if (cb == nullptr || rt_ == nullptr || !rt_->timers)
    return;
  auto* node = new timer_node;
  node->deadline = rt_->now() + delay;
  node->fn = std::move(fn);
  node->has_callback = true;
  node->target = caf::weak_actor_ptr{cb};
  rt_->timers->schedule(node);
}

void closure_actor::stop() const {
  if (auto hdl = strong(ref_))
    caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
}

closure_actor closure_actor::weak() const {
  closure_actor result;
  result.ref_ = actor_ref::adopt(ref_.get(), true);
  result.rt_ = rt_;
  return result;
}

} // namespace actio::detail
