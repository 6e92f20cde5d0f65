// SPDX-License-Identifier: Apache-2.0
#include "actio/caf/interop.hpp"

#include "messages.hpp"
#include "runtime_core.hpp"
#include "task_context.hpp"
#include "timer_service.hpp"

#include <caf/actor_cast.hpp>
#include <caf/exit_reason.hpp>
#include <caf/node_id.hpp>
#include <caf/response_promise.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/system_messages.hpp>

namespace actio::detail {

namespace {

using get_atom = relay_get_atom;
using ready_atom = caf::atom_constant<caf::atom("a_ready")>;

struct relay_state {
  state_ptr<state_base> st;
  unique_function<caf::message(state_base&)> to_message;
  std::vector<caf::response_promise> waiting;
};

void deliver_all(caf::stateful_actor<relay_state>* self) {
  auto& rs = self->state;
  for (auto& rp : rs.waiting) {
    if (rs.st->status() == future_status::value) {
      rp.deliver(rs.to_message(*rs.st));
    } else {
      std::string what = "cancelled";
      try {
        std::rethrow_exception(rs.st->error());
      } catch (const std::exception& e) {
        what = e.what();
      } catch (...) {
        what = "unknown error";
      }
      rp.deliver(caf::make_error(caf::sec::runtime_error, what));
    }
  }
  rs.waiting.clear();
  self->quit();
}

caf::behavior
relay(caf::stateful_actor<relay_state>* self, state_ptr<state_base> st,
      std::shared_ptr<unique_function<caf::message(state_base&)>> to_message) {
  // Both arguments are owned by the spawn until this runs: the future's
  // state stays alive however early it completes.
  auto& rs = self->state;
  rs.st = std::move(st);
  rs.to_message = std::move(*to_message);
  auto me = caf::actor_cast<caf::actor>(self);
  rs.st->add_callback([me] { caf::anon_send(me, ready_atom::value); });
  return {
      [self](get_atom) -> caf::result<caf::message> {
        self->state.waiting.push_back(self->make_response_promise());
        if (self->state.st->done())
          deliver_all(self);
        return caf::delegated<caf::message>{};
      },
      [self](ready_atom) {
        if (!self->state.waiting.empty())
          deliver_all(self);
      },
  };
}

} // namespace

caf::actor spawn_relay(caf::actor_system& sys, state_ptr<state_base> st,
                       unique_function<caf::message(state_base&)> to_message) {
  return sys.spawn(relay, std::move(st),
                   std::make_shared<unique_function<caf::message(state_base&)>>(
                       std::move(to_message)));
}

timer_handle arm_request_timeout(task_context& ctx, caf::message_id response_id,
                                 duration timeout) {
  auto now = ctx.rt->now();
  if (timeout >= time_point::max() - now)
    return {};
  auto* node = new timer_node;
  node->deadline = now + timeout;
  node->kind = timer_node::direct;
  node->target = caf::weak_actor_ptr{ctx.self->ctrl()};
  node->fn = [target = node->target, mid = response_id] {
    if (auto strong = target.lock())
      strong->enqueue(
          nullptr, mid,
          caf::make_message(caf::make_error(caf::sec::request_timeout)),
          nullptr);
  };
  node->ref(); // for the timer service
  ctx.rt->timers->schedule(node);
  return timer_handle{node};
}

std::exception_ptr to_exception(const caf::error& err) {
  if (err == caf::sec::request_timeout)
    return std::make_exception_ptr(timeout_error("request timed out"));
  return std::make_exception_ptr(
      actio::runtime_error("request failed: " + caf::to_string(err)));
}

} // namespace actio::detail
