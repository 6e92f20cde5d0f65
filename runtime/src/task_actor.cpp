// SPDX-License-Identifier: Apache-2.0
#include "task_actor.hpp"
#include "actio/detail/current_task.hpp"

#include "actio/detail/slab_alloc.hpp"

#include "remote/remote_config.hpp"
#include "runtime_core.hpp"
#include "task_dump.hpp"
#include "timer_service.hpp"

#include <caf/actor_config.hpp>
#include <caf/actor_control_block.hpp>
#include <caf/actor_system.hpp>
#include <caf/default_attachable.hpp>
#include <caf/detail/sync_request_bouncer.hpp>
#include <caf/exit_reason.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>
#include <caf/sec.hpp>
#include <caf/system_messages.hpp>
#include <caf/type_erased_tuple.hpp>

#include <cassert>
#include <cstring>
#include <iostream>
#include <new>
#include <stdexcept>

namespace actio::detail {

namespace {

thread_local task_context* tl_current = nullptr;

/// The inbox's head once the actor has ended: pushes bounce.
caf::mailbox_element* closed_tag() noexcept {
  return reinterpret_cast<caf::mailbox_element*>(std::uintptr_t{1});
}

// -- one allocation: control block, actor, driver ----------------------------
//
// CAF finds an actor CAF_CACHE_LINE_SIZE bytes after its control block; the
// control block's two callbacks destroy the actor (strong count at zero) and
// free the memory (weak count at zero). The driver's bytes follow the actor.
// The block's size, which freeing it needs, lies in the padding after the
// control block. It comes from the slab allocator (slab_alloc.hpp).

constexpr std::size_t round_up(std::size_t n, std::size_t to) noexcept {
  return (n + to - 1) / to * to;
}

constexpr std::size_t driver_offset = round_up(
    CAF_CACHE_LINE_SIZE + sizeof(task_actor), alignof(std::max_align_t));

void destroy_actor(caf::abstract_actor* ptr) {
  ptr->on_destroy();
  static_cast<task_actor*>(ptr)->~task_actor();
}

constexpr std::size_t size_offset = CAF_CACHE_LINE_SIZE - sizeof(std::size_t);
static_assert(sizeof(caf::actor_control_block) <= size_offset);

void free_task_block(caf::actor_control_block* ptr) {
  ptr->~actor_control_block();
  auto* mem = reinterpret_cast<char*>(ptr);
  std::size_t size;
  std::memcpy(&size, mem + size_offset, sizeof(size));
  free_block(mem, size);
}

} // namespace

// -- construction ------------------------------------------------------------

task_actor::task_actor(caf::actor_config& cfg, runtime_core& rt)
    : caf::monitorable_actor(cfg) {
  ctx.rt = &rt;
  ctx.self = this;
  ctx.is_task = true;
  register_at_system();
}

task_actor::~task_actor() {
  assert(driver_ == nullptr);
  auto* rest = inbox_.load(std::memory_order_acquire);
  if (rest == closed_tag())
    rest = nullptr;
  if (rest != nullptr || head_ != nullptr) {
    caf::error reason{caf::exit_reason::unreachable};
    bounce_all(rest, reason);
    bounce_all(std::exchange(head_, nullptr), reason);
  }
}

task_actor* task_actor::make(runtime_core& rt, std::size_t extra,
                             std::size_t align, void** extra_out) {
  if (align > alignof(std::max_align_t))
    throw std::invalid_argument("task driver over-aligned");
  auto& sys = *rt.system;
  auto size = driver_offset + extra;
  void* mem = allocate_block(size);
  std::memcpy(static_cast<char*>(mem) + size_offset, &size, sizeof(size));
  auto node = sys.node();
  auto* cb = new (mem) caf::actor_control_block(sys.next_actor_id(), node, &sys,
                                                destroy_actor, free_task_block);
  caf::actor_config cfg;
  task_actor* self = nullptr;
  try {
    self =
        new (static_cast<char*>(mem) + CAF_CACHE_LINE_SIZE) task_actor(cfg, rt);
  } catch (...) {
    cb->~actor_control_block();
    free_block(mem, size);
    throw;
  }
  assert(cb->get() == static_cast<caf::abstract_actor*>(self));
  *extra_out = static_cast<char*>(mem) + driver_offset;
  return self;
}

void task_actor::launch(task_driver_base* driver) {
  driver_ = driver;
  self_ref_.reset(ctrl()); // keeps the actor alive until the task ends
  // The creator's reference (from make) is the scheduler's for this run.
  home_system().scheduler().enqueue(this);
}

task_actor& task_actor::of(task_context& ctx) noexcept {
  return *static_cast<task_actor*>(ctx.self);
}

state_ptr<state_base> current_task_state() noexcept {
  auto* ctx = current_context();
  if (ctx == nullptr || !ctx->is_task)
    return {};
  return state_ptr<state_base>{task_actor::of(*ctx).task_state()};
}

const char* task_actor::name() const {
  return "actio.task";
}

void task_actor::intrusive_ptr_add_ref_impl() {
  intrusive_ptr_add_ref(ctrl());
}

void task_actor::intrusive_ptr_release_impl() {
  intrusive_ptr_release(ctrl());
}

void task_actor::on_destroy() {
  // The last strong reference went without the task ending (it was never
  // launched, or the system is shutting down).
  if (!terminated_) {
    drop_driver();
    terminate(caf::exit_reason::unreachable);
  }
  caf::monitorable_actor::on_destroy();
}

// -- events ------------------------------------------------------------------

bool task_actor::try_schedule() noexcept {
  return !scheduled_.exchange(true, std::memory_order_seq_cst);
}

void task_actor::schedule(caf::execution_unit* eu) {
  intrusive_ptr_add_ref(ctrl());
  if (eu != nullptr)
    eu->exec_later(this);
  else
    home_system().scheduler().enqueue(this);
}

bool task_actor::has_events() const noexcept {
  // Only atomics: head_ belongs to whichever worker runs the actor, and
  // this is called once scheduled_ has been released (when head_ is empty),
  // as another worker may already be running it.
  auto* in = inbox_.load(std::memory_order_seq_cst);
  return (in != nullptr && in != closed_tag()) ||
         cancel_pending_.load(std::memory_order_seq_cst) ||
         deadline_pending_.load(std::memory_order_seq_cst) ||
         resume_token_.load(std::memory_order_seq_cst) != 0;
}

void task_actor::enqueue(caf::mailbox_element_ptr what,
                         caf::execution_unit* eu) {
  auto* msg = what.release();
  auto* head = inbox_.load(std::memory_order_acquire);
  for (;;) {
    if (head == closed_tag()) {
      caf::mailbox_element_ptr ptr{msg};
      bounce(ptr);
      return;
    }
    msg->next = head;
    if (inbox_.compare_exchange_weak(head, msg, std::memory_order_seq_cst,
                                     std::memory_order_acquire))
      break;
  }
  if (try_schedule())
    schedule(eu);
}

void task_actor::post_resume(std::uint64_t token) {
  // Tokens only grow: keep the newest, so that a late resume for an old
  // suspension never hides one for the current suspension.
  auto cur = resume_token_.load(std::memory_order_relaxed);
  do {
    if (cur >= token)
      return; // that newer one's poster schedules the actor
  } while (!resume_token_.compare_exchange_weak(
      cur, token, std::memory_order_seq_cst, std::memory_order_relaxed));
  if (try_schedule())
    schedule(nullptr);
}

void task_actor::post_cancel() {
  ctx.cancel_requests.fetch_add(1, std::memory_order_relaxed);
  cancel_pending_.store(true, std::memory_order_seq_cst);
  if (try_schedule())
    schedule(nullptr);
}

void task_actor::post_deadline() {
  deadline_pending_.store(true, std::memory_order_seq_cst);
  if (try_schedule())
    schedule(nullptr);
}

caf::mailbox_element* task_actor::next_message() {
  if (head_ == nullptr) {
    auto* stack = inbox_.exchange(nullptr, std::memory_order_acq_rel);
    // newest first: reverse into arrival order
    caf::mailbox_element* ordered = nullptr;
    while (stack != nullptr) {
      auto* next = static_cast<caf::mailbox_element*>(stack->next);
      stack->next = ordered;
      ordered = stack;
      stack = next;
    }
    head_ = ordered;
  }
  auto* msg = head_;
  if (msg != nullptr) {
    head_ = static_cast<caf::mailbox_element*>(msg->next);
    msg->next = nullptr;
  }
  return msg;
}

// -- running -----------------------------------------------------------------

caf::resumable::resume_result task_actor::resume(caf::execution_unit* eu,
                                                 std::size_t max_throughput) {
  if (terminated_)
    return resumable::done;
  eu_ = eu;
  std::size_t handled = 0;
  for (;;) {
    bool progress = true;
    if (!started_) {
      start();
    } else if (cancel_pending_.load(std::memory_order_relaxed) &&
               cancel_pending_.exchange(false, std::memory_order_acq_rel)) {
      deliver_cancel();
    } else if (deadline_pending_.load(std::memory_order_relaxed) &&
               deadline_pending_.exchange(false, std::memory_order_acq_rel)) {
      deliver_deadline(*this);
    } else if (auto* msg = next_message()) {
      caf::mailbox_element_ptr ptr{msg};
      handle(*ptr);
    } else if (auto token =
                   resume_token_.exchange(0, std::memory_order_acq_rel);
               token != 0) {
      resume_now(token);
    } else {
      progress = false;
    }
    if (terminated_) {
      eu_ = nullptr;
      return resumable::done;
    }
    if (progress) {
      if (yield_) {
        yield_ = false;
        return resumable::resume_later;
      }
      if (++handled >= max_throughput)
        return resumable::resume_later;
      continue;
    }
    // Nothing left: go idle, unless an event came in meanwhile (the poster
    // saw us scheduled and left it to us). Once scheduled_ is false a
    // poster may schedule us on another worker at once: nothing but atomics
    // is touched here until this worker owns the actor again.
    eu_ = nullptr;
    scheduled_.store(false, std::memory_order_seq_cst);
    if (!has_events() || scheduled_.exchange(true, std::memory_order_seq_cst))
      return resumable::awaiting_message;
    eu_ = eu;
  }
}

void task_actor::start() {
  started_ = true;
  if (driver_->cancel_requested()) {
    driver_->fail(std::make_exception_ptr(cancelled_error()));
    drop_driver();
    terminate(caf::exit_reason::normal);
    return;
  }
  std::coroutine_handle<> h;
  try {
    context_scope scope{&ctx};
    h = driver_->start();
#if ACTIO_TASK_TREE
    // The coroutine the driver just made (or re-announced, for a coroutine
    // object made elsewhere: spawn_coroutine) is the last frame here.
    const auto& made = last_frame;
    if (made.begin == reinterpret_cast<std::uintptr_t>(h.address()) &&
        made.origin.function != nullptr) {
      ctx.coro_line.store(made.origin.line, std::memory_order_relaxed);
      ctx.coro_file.store(made.origin.file, std::memory_order_relaxed);
      ctx.coro_function.store(made.origin.function, std::memory_order_relaxed);
    }
#endif
  } catch (...) {
    driver_->fail(std::current_exception());
    drop_driver();
    terminate(caf::exit_reason::normal);
    return;
  }
  step(h);
}

void task_actor::step(std::coroutine_handle<> h) {
  auto slow_after = ctx.rt->slow_step_ns;
  auto started = slow_after > 0 ? coarse_clock_ns() : 0;
#if ACTIO_TASK_TREE
  await_site resumed{ctx.site_file.load(std::memory_order_relaxed),
                     ctx.site_line.load(std::memory_order_relaxed)};
  ctx.since.store(ctx.rt->dump_clock_ns(), std::memory_order_relaxed);
  ctx.phase.store(task_context::running, std::memory_order_relaxed);
#else
  await_site resumed;
#endif
  {
    context_scope scope{&ctx};
    h.resume();
  }
  bool finished = driver_->finished();
  if (slow_after > 0) {
    auto held = coarse_clock_ns() - started;
    if (held >= slow_after)
      report_slow(held, resumed, finished);
  }
  if (finished) {
#if ACTIO_TASK_TREE
    ctx.phase.store(task_context::ended, std::memory_order_relaxed);
#endif
    driver_->complete();
    drop_driver();
    terminate(caf::exit_reason::normal);
  }
}

void task_actor::report_slow(std::int64_t held_ns, await_site resumed,
                             bool finished) noexcept {
  slow_step_report r;
  try {
    r.task = driver_->shared_state().task_name();
  } catch (...) {
  }
  r.task_id = id();
  r.held = duration{held_ns};
  r.resumed_file = resumed.file;
  r.resumed_line = resumed.line;
  if (!finished) {
    r.suspended_file = ctx.site_file.load(std::memory_order_relaxed);
    r.suspended_line = ctx.site_line.load(std::memory_order_relaxed);
  }
  ctx.rt->report_slow_step(r);
}

task_row row_of(task_driver_base& d) {
  task_row row;
  auto* cb = static_cast<caf::actor_control_block*>(d.actor.get());
  if (cb == nullptr)
    return row;
  auto& self = *static_cast<task_actor*>(cb->get());
  auto& ctx = self.ctx;
  row.id = self.id();
  row.name = d.shared_state().task_name();
  row.parent = ctx.parent;
  row.created_ns = ctx.created_at;
  row.since_ns = ctx.since.load(std::memory_order_relaxed);
  switch (ctx.phase.load(std::memory_order_relaxed)) {
  case task_context::running:
  case task_context::ended:
    row.state = "running";
    break;
  case task_context::suspended:
    row.state = self.scheduled() ? "ready" : "suspended";
    row.wait_kind = ctx.wait_kind.load(std::memory_order_relaxed);
    row.wait_id = ctx.wait_id.load(std::memory_order_relaxed);
    row.site_file = ctx.site_file.load(std::memory_order_relaxed);
    row.site_line = ctx.site_line.load(std::memory_order_relaxed);
    break;
  default:
    row.state = "ready";
  }
  row.coro_function = ctx.coro_function.load(std::memory_order_relaxed);
  row.coro_file = ctx.coro_file.load(std::memory_order_relaxed);
  row.coro_line = ctx.coro_line.load(std::memory_order_relaxed);
  return row;
}

void task_actor::resume_now(std::uint64_t token) {
  if (token != ctx.token || !ctx.parked)
    return;
  step(std::exchange(ctx.parked, {}));
}

void task_actor::yield(std::uint64_t token) {
  yield_ = true;
  auto cur = resume_token_.load(std::memory_order_relaxed);
  while (cur < token && !resume_token_.compare_exchange_weak(
                            cur, token, std::memory_order_seq_cst)) {
  }
}

void task_actor::deliver_cancel() {
  if (!ctx.parked)
    return;
  ctx.cancel_arrived = true;
  // An awaited future (a task's, a group's, a gather's) resumes the task
  // once it has reacted to the cancel, as an asyncio Task waits for the
  // task it awaits to finish cancelling: keep the suspension's token for
  // that resume. Anything else (a sleep, a request) resumes now.
  bool waits = ctx.resumes_after_cancel == ctx.token;
  if (!waits)
    ++ctx.token;
  if (auto hook = std::move(ctx.cancel_hook)) {
    ctx.cancel_hook.reset();
    context_scope scope{&ctx};
    try {
      hook();
    } catch (...) {
      report_callback_error("cancel hook", std::current_exception());
    }
  }
  if (!waits)
    step(std::exchange(ctx.parked, {}));
}

void task_actor::handle(caf::mailbox_element& msg) {
  auto& content = msg.content();
  if (msg.mid.is_response()) {
    if (request_ && request_->handler != nullptr && msg.mid == request_->id)
      settle_request(&content, nullptr);
    return; // else a late response (timed out, cancelled): dropped
  }
  if (content.match_elements<caf::exit_msg>()) {
    auto& em = content.get_mutable_as<caf::exit_msg>(0);
    if (em.reason) {
      drop_driver();
      terminate(std::move(em.reason));
    }
    return;
  }
  if (content.match_elements<caf::down_msg>()) {
    auto& dm = content.get_as<caf::down_msg>(0);
    if (request_ && request_->handler != nullptr && request_->watched &&
        dm.source == request_->watched->address()) {
      auto what =
          dm.reason == caf::exit_reason::remote_link_unreachable
              ? std::string{"request failed: the connection to the remote "
                            "node was lost"}
              : "request failed: the remote actor ended (" +
                    caf::to_string(dm.reason) + ")";
      settle_request(nullptr, std::make_exception_ptr(remote_error(what)));
    }
    return;
  }
  if (handle_system_message(msg, eu_, true))
    return;
  // A task has no behaviour for other messages: a request gets CAF's
  // "unexpected message" error (its sender never hangs), the rest is
  // dropped.
  if (msg.mid.is_request() && msg.sender)
    msg.sender->enqueue(caf::make_mailbox_element(
                            ctrl(), msg.mid.response_id(), {},
                            caf::make_error(caf::sec::unexpected_message)),
                        eu_);
}

// -- requests ----------------------------------------------------------------

void task_actor::send_request(const caf::strong_actor_ptr& dest,
                              caf::message content, duration timeout,
                              response_handler* handler) {
  forget_request();
  if (!request_)
    request_ = std::make_unique<pending_request>();
  auto request_id = caf::make_message_id(++request_->last_id);
  auto response_id = request_id.response_id();
  request_->id = response_id;
  request_->handler = handler;
  if (!dest) {
    enqueue(
        caf::make_mailbox_element(ctrl(), response_id, {},
                                  caf::make_error(caf::sec::invalid_argument)),
        eu_);
    return;
  }
  // CAF 0.17 never answers a request already sent when a connection drops:
  // watch a remote destination so that its loss ends the wait at once.
  if (dest->node() != node()) {
    dest->get()->attach(caf::default_attachable::make_monitor(
        dest->get()->address(), address()));
    request_->watched = dest;
    request_->sent = std::chrono::steady_clock::now();
  }
  if (timeout != no_timeout)
    request_->timeout = arm_request_timeout(ctx, response_id, timeout);
  dest->enqueue(
      caf::make_mailbox_element(ctrl(), request_id, {}, std::move(content)),
      eu_);
}

void task_actor::forget_request() noexcept {
  if (!request_)
    return;
  auto& r = *request_;
  r.handler = nullptr;
  r.timeout.cancel();
  r.timeout = timer_handle{};
  if (r.watched) {
    r.watched->get()->detach(caf::default_attachable::observe_token{
        address(), caf::default_attachable::monitor});
    r.watched.reset();
  }
}

void task_actor::settle_request(caf::type_erased_tuple* content,
                                std::exception_ptr error) {
  auto* handler = request_->handler;
  if (request_->watched) {
    // A timeout or a lost node arrives as an error in place of the reply.
    bool answered =
        content != nullptr && !content->match_elements<caf::error>();
    count_remote_request(*ctx.rt, answered,
                         std::chrono::steady_clock::now() - request_->sent);
  }
  forget_request();
  if (content != nullptr)
    handler->on_response(*content);
  else
    handler->on_failure(std::move(error));
  resume_now(ctx.token);
}

// -- ending ------------------------------------------------------------------

void task_actor::drop_driver() noexcept {
  auto* d = std::exchange(driver_, nullptr);
  if (d == nullptr)
    return;
  switch (d->shared_state().status()) {
  case future_status::value:
    ctx.rt->tasks_succeeded.add();
    break;
  case future_status::error:
    ctx.rt->tasks_failed.add();
    break;
  default: // cancelled, or about to be by the driver's destructor
    ctx.rt->tasks_cancelled.add();
  }
  forget_request();
  ctx.cancel_hook.reset();
  ctx.parked = {};
  context_scope scope{&ctx};
  d->~task_driver_base();
  ctx.values.reset(); // its memory is part of this actor's allocation
}

void task_actor::terminate(caf::error reason) {
  terminated_ = true;
  cleanup(std::move(reason), eu_);
  auto* rest = inbox_.exchange(closed_tag(), std::memory_order_acq_rel);
  if (rest != nullptr || head_ != nullptr) {
    auto error = fail_state();
    bounce_all(rest, error);
    bounce_all(std::exchange(head_, nullptr), error);
  }
  unregister_from_system();
  self_ref_.reset(); // the scheduler (or the caller) still holds one
}

void task_actor::bounce_all(caf::mailbox_element* head,
                            const caf::error& reason) {
  if (head == nullptr)
    return;
  caf::detail::sync_request_bouncer bouncer{reason};
  while (head != nullptr) {
    caf::mailbox_element_ptr ptr{
        std::exchange(head, static_cast<caf::mailbox_element*>(head->next))};
    if (ptr->mid.is_request())
      bouncer(*ptr);
  }
}

// -- the hooks of task_context.hpp -------------------------------------------

context_scope::context_scope(task_context* ctx) noexcept
    : prev_(tl_current),
      prev_callback_values_(exchange_callback_values(nullptr)) {
  tl_current = ctx;
}

context_scope::~context_scope() {
  tl_current = prev_;
  exchange_callback_values(prev_callback_values_);
}

task_context* current_context() noexcept {
  return tl_current;
}

time_point context_now(task_context& ctx) noexcept {
  return ctx.rt->now();
}

suspension suspend(std::coroutine_handle<> h, wait_label what) {
  auto* ctx = tl_current;
  if (ctx == nullptr || !ctx->is_task)
    throw actio::runtime_error(
        "co_await on an actio awaitable outside an actio task");
#if ACTIO_TASK_TREE
  ctx->wait_kind.store(what.kind, std::memory_order_relaxed);
  ctx->wait_id.store(what.id, std::memory_order_relaxed);
  ctx->site_file.store(last_await_site.file, std::memory_order_relaxed);
  ctx->site_line.store(last_await_site.line, std::memory_order_relaxed);
  ctx->since.store(ctx->rt->dump_clock_ns(), std::memory_order_relaxed);
  ctx->phase.store(task_context::suspended, std::memory_order_relaxed);
#else
  (void)what;
#endif
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
    : actor_(actor_ref::adopt(s.ctx->self->ctrl(), true)), token_(s.token) {}

void resumer::operator()() const {
  auto* cb = static_cast<caf::actor_control_block*>(actor_.get());
  if (cb == nullptr)
    return;
  caf::weak_actor_ptr weak{cb};
  if (auto strong = weak.lock())
    static_cast<task_actor*>(strong->get())->post_resume(token_);
}

void resume_at(const suspension& s, time_point deadline) {
  auto* node = new timer_node;
  node->deadline = deadline;
  node->target = caf::weak_actor_ptr{s.ctx->self->ctrl()};
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

void resume_soon(const suspension& s) {
  task_actor::of(*s.ctx).yield(s.token);
}

void resume_in_place(const suspension& s) {
  task_actor::of(*s.ctx).resume_now(s.token);
}

void send_request(task_context& ctx, const caf::strong_actor_ptr& dest,
                  caf::message content, duration timeout,
                  response_handler* handler) {
  task_actor::of(ctx).send_request(dest, std::move(content), timeout, handler);
}

void forget_request(task_context& ctx) noexcept {
  task_actor::of(ctx).forget_request();
}

void send_cancel(const actor_ref& task) {
  auto* cb = static_cast<caf::actor_control_block*>(task.get());
  if (cb == nullptr)
    return;
  caf::weak_actor_ptr weak{cb};
  if (auto strong = weak.lock())
    static_cast<task_actor*>(strong->get())->post_cancel();
}

void* allocate_task(runtime_core& rt, std::size_t size, std::size_t align,
                    void** driver_space) {
  if (rt.closing.load(std::memory_order_acquire))
    throw actio::runtime_error("create_task: the runtime is closed");
  return task_actor::make(rt, size, align, driver_space);
}

void discard_task(void* actor) noexcept {
  // Never launched: its one strong reference goes, which ends it.
  intrusive_ptr_release(static_cast<task_actor*>(actor)->ctrl());
}

actor_ref launch_task(runtime_core& rt, void* actor, task_driver_base* d) {
  auto* self = static_cast<task_actor*>(actor);
  auto ref = actor_ref::adopt(self->ctrl(), true);
  d->actor = ref;
  d->bind_actor(ref, self->id());
  rt.tasks_launched.add();
  self->ctx.values = current_context_values();
#if ACTIO_TASK_TREE
  if (auto* creator = tl_current; creator != nullptr && creator->is_task)
    self->ctx.parent = task_actor::of(*creator).id();
  self->ctx.created_at = rt.dump_clock_ns();
  self->ctx.since.store(self->ctx.created_at, std::memory_order_relaxed);
#endif
  rt.add_task(d);
  self->launch(d);
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
