// SPDX-License-Identifier: Apache-2.0
#include "actio/sync/detail/sync_actor.hpp"
#include "actio/sync/detail/sync_waiter.hpp"

#include "actio/detail/task_context.hpp"
#include "actio/detail/task_driver.hpp"
#include "actio/errors.hpp"
#include "actio/runtime.hpp"

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/intrusive_ptr.hpp>
#include <caf/ref_counted.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include <iostream>

namespace actio::detail {

namespace {

/// A posted closure in a reference-counted box, so that it can travel in a
/// (copyable) CAF message; runs at most once.
class sync_job_box : public caf::ref_counted {
public:
  explicit sync_job_box(unique_function<void()> fn) : fn_(std::move(fn)) {}

  void run() {
    if (fn_) {
      auto fn = std::move(fn_);
      fn();
    }
  }

private:
  unique_function<void()> fn_;
};

using sync_job_ptr = caf::intrusive_ptr<sync_job_box>;

} // namespace
} // namespace actio::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actio::detail::sync_job_ptr)

namespace actio::detail {

namespace {

using sync_run_atom = caf::atom_constant<caf::atom("s_run")>;

struct sync_actor_state {
  std::shared_ptr<sync_body> body;
};

caf::behavior sync_actor_impl(caf::stateful_actor<sync_actor_state>* self,
                              std::shared_ptr<sync_body> body) {
  self->state.body = std::move(body);
  return {
      [](sync_run_atom, const sync_job_ptr& job) {
        try {
          job->run();
        } catch (const std::exception& e) {
          std::cerr << "actio: exception in a sync actor: " << e.what() << "\n";
        } catch (...) {
          std::cerr << "actio: unknown exception in a sync actor\n";
        }
      },
  };
}

caf::actor_control_block* block(const actor_ref& ref) {
  return static_cast<caf::actor_control_block*>(ref.get());
}

caf::actor strong(const actor_ref& ref) {
  auto* cb = block(ref);
  if (cb == nullptr)
    return {};
  if (!ref.weak())
    return caf::actor_cast<caf::actor>(cb);
  caf::weak_actor_ptr weak{cb};
  return caf::actor_cast<caf::actor>(weak.lock());
}

sync_job_ptr box(unique_function<void()> fn) {
  return sync_job_ptr{new sync_job_box(std::move(fn)), false};
}

} // namespace

sync_body::~sync_body() = default;

sync_actor sync_actor::spawn(runtime& rt, std::unique_ptr<sync_body> body) {
  if (rt.closed())
    throw actio::runtime_error("the runtime is closed");
  // The spawn owns the body until the actor's init function takes it, so
  // an actor that never starts (the system shuts down first) frees it.
  auto hdl = rt.system().spawn(sync_actor_impl,
                               std::shared_ptr<sync_body>(std::move(body)));
  sync_actor result;
  result.ref_ =
      actor_ref::adopt(caf::actor_cast<caf::actor_control_block*>(hdl), false);
  return result;
}

void sync_actor::post(unique_function<void()> fn) const {
  if (auto hdl = strong(ref_))
    caf::anon_send(hdl, sync_run_atom::value, box(std::move(fn)));
}

void sync_actor::post_after(duration delay, unique_function<void()> fn) const {
  if (auto hdl = strong(ref_))
    caf::delayed_anon_send(hdl, delay, sync_run_atom::value,
                           box(std::move(fn)));
}

void sync_actor::stop() const {
  if (auto hdl = strong(ref_))
    caf::anon_send_exit(hdl, caf::exit_reason::user_shutdown);
}

sync_actor sync_actor::weak() const {
  sync_actor result;
  result.ref_ = actor_ref::adopt(ref_.get(), true);
  return result;
}

runtime& sync_ambient_runtime() {
  auto& core = ambient_runtime();
  auto* rt = runtime::current();
  if (rt == nullptr || &rt->core() != &core)
    throw actio::runtime_error(
        "actio sync primitives: the calling task's runtime is not the current "
        "runtime; pass the runtime explicitly");
  return *rt;
}

void report_reclaim_failure() noexcept {
  std::cerr << "actio: could not hand an unread item back to its queue or "
               "semaphore (out of memory?); it is lost\n";
}

} // namespace actio::detail
