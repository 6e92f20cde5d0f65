// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/counter.hpp"

#include "actio/caf/send.hpp"
#include "actio/detail/closure_actor.hpp"
#include "actio/errors.hpp"
#include "actio/runtime.hpp"
#include "actio/sync/detail/ambient_runtime.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <memory>

namespace actio::detail {
namespace {
using counter_reply = std::shared_ptr<promise<std::int64_t>>;
} // namespace
} // namespace actio::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actio::detail::counter_reply)

namespace actio::detail {
namespace {

using counter_add_atom = caf::atom_constant<caf::atom("c_add")>;
using counter_get_atom = caf::atom_constant<caf::atom("c_get")>;

struct counter_state {
  std::int64_t value = 0;
};

caf::behavior counter_actor(caf::stateful_actor<counter_state>* self,
                            std::int64_t initial) {
  self->state.value = initial;
  return {
      [self](counter_add_atom, std::int64_t n) { self->state.value += n; },
      [self](counter_get_atom, const counter_reply& reply) {
        reply->set_value(self->state.value);
      },
  };
}

caf::actor handle(const actor_ref& ref) {
  return caf::actor_cast<caf::actor>(
      static_cast<caf::actor_control_block*>(ref.get()));
}

} // namespace
} // namespace actio::detail

namespace actio {

counter::counter(std::int64_t initial)
    : counter(detail::sync_ambient_runtime(), initial) {}

counter::counter(runtime& rt, std::int64_t initial) {
  if (rt.closed())
    throw runtime_error("counter: the runtime is closed");
  auto hdl = rt.system().spawn(detail::counter_actor, initial);
  actor_ = detail::actor_ref::adopt(
      caf::actor_cast<caf::actor_control_block*>(hdl), false);
  gauge_ = detail::gauge_of(detail::core_of(rt),
                            caf::actor_cast<caf::strong_actor_ptr>(hdl));
}

void counter::inc() const {
  add(1);
}

void counter::dec() const {
  add(-1);
}

void counter::add(std::int64_t n) const {
  caf::anon_send(detail::handle(actor_), detail::counter_add_atom::value, n);
}

counter_send counter::send_add(std::int64_t n) const {
  return counter_send{actor_, gauge_, n};
}

counter_send::counter_send(detail::actor_ref actor,
                           std::shared_ptr<detail::mailbox_gauge> gauge,
                           std::int64_t n) noexcept
    : actor_(std::move(actor)), gauge_(gauge), wait_(std::move(gauge)), n_(n) {}

bool counter_send::await_ready() noexcept {
  return wait_.ready();
}

void counter_send::await_suspend(std::coroutine_handle<> h) {
  wait_.suspend(h);
}

void counter_send::await_resume() {
  if (wait_.finish())
    detail::deliver_counted(
        caf::strong_actor_ptr{
            static_cast<caf::actor_control_block*>(actor_.get())},
        gauge_, detail::current_sender(), detail::counter_add_atom::value, n_);
}

future<std::int64_t> counter::get() const {
  auto reply = std::make_shared<promise<std::int64_t>>();
  auto f = reply->get_future();
  caf::anon_send(detail::handle(actor_), detail::counter_get_atom::value,
                 std::move(reply));
  return f;
}

} // namespace actio
