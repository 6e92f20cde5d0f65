// SPDX-License-Identifier: Apache-2.0
#include "closure_actor_impl.hpp"

#include "messages.hpp"
#include "runtime_core.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_config.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/actor_system.hpp>
#include <caf/detail/sync_request_bouncer.hpp>
#include <caf/exit_reason.hpp>
#include <caf/make_actor.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/sec.hpp>
#include <caf/system_messages.hpp>

#include <cstdint>
#include <memory>
#include <utility>

namespace actio::detail {

namespace {

/// The head of a list once the actor has ended: pushes are refused.
template <class T>
T* closed_tag() noexcept {
  return reinterpret_cast<T*>(std::uintptr_t{1});
}

/// Reverses a list of messages pushed newest first into arrival order.
caf::mailbox_element* reversed(caf::mailbox_element* stack) noexcept {
  caf::mailbox_element* ordered = nullptr;
  while (stack != nullptr) {
    auto* next = static_cast<caf::mailbox_element*>(stack->next);
    stack->next = ordered;
    ordered = stack;
    stack = next;
  }
  return ordered;
}

void bounce_all(caf::mailbox_element* head, const caf::error& reason) {
  caf::detail::sync_request_bouncer bouncer{reason};
  while (head != nullptr) {
    caf::mailbox_element_ptr ptr{
        std::exchange(head, static_cast<caf::mailbox_element*>(head->next))};
    if (ptr->mid.is_request())
      bouncer(*ptr);
  }
}

} // namespace

closure_actor_impl::closure_actor_impl(caf::actor_config& cfg, runtime_core& rt,
                                       std::shared_ptr<closure_body> body,
                                       bool hidden)
    : caf::monitorable_actor(cfg), body_(std::move(body)), hidden_(hidden) {
  ctx_.rt = &rt;
  ctx_.self = this;
  if (!hidden_)
    register_at_system();
}

closure_actor_impl::~closure_actor_impl() = default;

caf::actor closure_actor_impl::spawn(runtime_core& rt,
                                     std::shared_ptr<closure_body> body,
                                     bool hidden) {
  auto& sys = *rt.system;
  caf::actor_config cfg;
  if (hidden)
    cfg.flags |= caf::abstract_channel::is_hidden_flag;
  return caf::make_actor<closure_actor_impl, caf::actor>(
      sys.next_actor_id(), sys.node(), &sys, cfg, rt, std::move(body), hidden);
}

const char* closure_actor_impl::name() const {
  return "actio.closure_actor";
}

void closure_actor_impl::intrusive_ptr_add_ref_impl() {
  intrusive_ptr_add_ref(ctrl());
}

void closure_actor_impl::intrusive_ptr_release_impl() {
  intrusive_ptr_release(ctrl());
}

void closure_actor_impl::on_destroy() {
  // The last strong handle went: the actor ends here (on that thread).
  if (!terminated_)
    terminate(caf::exit_reason::unreachable);
  caf::monitorable_actor::on_destroy();
}

// -- events ------------------------------------------------------------------

void closure_actor_impl::schedule_if_idle(caf::execution_unit* eu) {
  if (scheduled_.exchange(true, std::memory_order_seq_cst))
    return;                      // running or queued: it will see the new event
  intrusive_ptr_add_ref(ctrl()); // the scheduler's, for this run
  if (eu != nullptr)
    eu->exec_later(this);
  else
    home_system().scheduler().enqueue(this);
}

bool closure_actor_impl::has_events() const noexcept {
  // Only the atomic inboxes: head_ and ready_ belong to whichever worker
  // runs the actor, and this is called once scheduled_ has been released
  // (when both are empty), as another worker may already be running it.
  auto* in = inbox_.load(std::memory_order_seq_cst);
  auto* cl = closures_.load(std::memory_order_seq_cst);
  return (in != nullptr && in != closed_tag<caf::mailbox_element>()) ||
         (cl != nullptr && cl != closed_tag<node>());
}

void closure_actor_impl::post(unique_function<void()> fn) {
  auto* n = new node;
  n->fn = std::move(fn);
  auto* head = closures_.load(std::memory_order_acquire);
  for (;;) {
    if (head == closed_tag<node>()) {
      delete n; // the actor has ended: the closure is dropped unrun
      return;
    }
    n->next = head;
    if (closures_.compare_exchange_weak(head, n, std::memory_order_seq_cst,
                                        std::memory_order_acquire))
      break;
  }
  schedule_if_idle(nullptr);
}

void closure_actor_impl::enqueue(caf::mailbox_element_ptr what,
                                 caf::execution_unit* eu) {
  auto* msg = what.release();
  auto* head = inbox_.load(std::memory_order_acquire);
  for (;;) {
    if (head == closed_tag<caf::mailbox_element>()) {
      caf::mailbox_element_ptr ptr{msg};
      bounce(ptr);
      return;
    }
    msg->next = head;
    if (inbox_.compare_exchange_weak(head, msg, std::memory_order_seq_cst,
                                     std::memory_order_acquire))
      break;
  }
  schedule_if_idle(eu);
}

caf::mailbox_element* closure_actor_impl::next_message() {
  if (head_ == nullptr)
    head_ = reversed(inbox_.exchange(nullptr, std::memory_order_acq_rel));
  auto* msg = head_;
  if (msg != nullptr) {
    head_ = static_cast<caf::mailbox_element*>(msg->next);
    msg->next = nullptr;
  }
  return msg;
}

closure_actor_impl::node* closure_actor_impl::next_closure() {
  if (ready_ == nullptr) {
    auto* stack = closures_.exchange(nullptr, std::memory_order_acq_rel);
    while (stack != nullptr) { // newest first: reverse into arrival order
      auto* next = stack->next;
      stack->next = ready_;
      ready_ = stack;
      stack = next;
    }
  }
  auto* n = ready_;
  if (n != nullptr)
    ready_ = n->next;
  return n;
}

// -- running -----------------------------------------------------------------

caf::resumable::resume_result
closure_actor_impl::resume(caf::execution_unit* eu,
                           std::size_t max_throughput) {
  if (terminated_)
    return resumable::done;
  eu_ = eu;
  std::size_t handled = 0;
  for (;;) {
    bool progress = true;
    if (auto* msg = next_message()) {
      caf::mailbox_element_ptr ptr{msg};
      handle(*ptr);
    } else if (auto* n = next_closure()) {
      std::unique_ptr<node> owned{n};
      run(*owned);
    } else {
      progress = false;
    }
    if (terminated_) {
      eu_ = nullptr;
      return resumable::done;
    }
    if (progress) {
      if (++handled >= max_throughput) {
        eu_ = nullptr;
        return resumable::resume_later;
      }
      continue;
    }
    // Nothing left: go idle, unless an event came in meanwhile (its poster
    // saw the actor scheduled and left it to us). Once scheduled_ is false
    // a poster may schedule the actor on another worker at once: nothing
    // but atomics is touched here until this worker owns it again.
    eu_ = nullptr;
    scheduled_.store(false, std::memory_order_seq_cst);
    if (!has_events() || scheduled_.exchange(true, std::memory_order_seq_cst))
      return resumable::awaiting_message;
    eu_ = eu;
  }
}

void closure_actor_impl::run(node& n) {
  auto slow_after = ctx_.rt->slow_step_ns;
  auto started = slow_after > 0 ? coarse_clock_ns() : 0;
  {
    context_scope scope{&ctx_};
    try {
      n.fn();
    } catch (...) {
      report_callback_error("callback", std::current_exception());
    }
  }
  if (slow_after > 0) {
    auto held = coarse_clock_ns() - started;
    if (held >= slow_after) {
      slow_step_report r;
      r.held = duration{held};
      ctx_.rt->report_slow_step(r);
    }
  }
}

void closure_actor_impl::handle(caf::mailbox_element& msg) {
  auto& content = msg.content();
  if (content.match_elements<caf::exit_msg>()) {
    auto& em = content.get_mutable_as<caf::exit_msg>(0);
    if (em.reason)
      terminate(std::move(em.reason));
    return;
  }
  if (content.match_elements<caf::down_msg>())
    return;
  if (content.match_elements<run_atom, closure_ptr>()) {
    context_scope scope{&ctx_};
    try {
      content.get_as<closure_ptr>(1)->run();
    } catch (...) {
      report_callback_error("callback", std::current_exception());
    }
    return;
  }
  if (handle_system_message(msg, eu_, true))
    return;
  if (msg.mid.is_request() && msg.sender)
    msg.sender->enqueue(caf::make_mailbox_element(
                            ctrl(), msg.mid.response_id(), {},
                            caf::make_error(caf::sec::unexpected_message)),
                        eu_);
}

// -- ending ------------------------------------------------------------------

void closure_actor_impl::terminate(caf::error reason) {
  terminated_ = true;
  scheduled_.store(true, std::memory_order_seq_cst); // never again
  cleanup(std::move(reason), eu_);
  auto error = fail_state();
  bounce_all(inbox_.exchange(closed_tag<caf::mailbox_element>(),
                             std::memory_order_acq_rel),
             error);
  bounce_all(std::exchange(head_, nullptr), error);
  // Closures never run; destroying them fails the promises they hold.
  auto* pending =
      closures_.exchange(closed_tag<node>(), std::memory_order_acq_rel);
  for (auto* list : {pending, std::exchange(ready_, nullptr)})
    while (list != nullptr)
      delete std::exchange(list, list->next);
  {
    context_scope scope{&ctx_};
    body_.reset();
  }
  if (!hidden_)
    unregister_from_system();
}

} // namespace actio::detail
