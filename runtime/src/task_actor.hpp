// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/caf/interop.hpp"
#include "actio/detail/slab_alloc.hpp"
#include "actio/detail/task_driver.hpp"
#include "actio/timer_handle.hpp"
#include "task_context.hpp"

#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>
#include <caf/monitorable_actor.hpp>
#include <caf/resumable.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace actio::detail {

/// The actor of one task: a CAF actor (an address; it can be monitored,
/// linked, sent to and killed, and answers requests it does not expect with
/// an error) built on CAF's `monitorable_actor` rather than its
/// `scheduled_actor`, so that it carries no behaviour stack, no multiplexed
/// mailbox and no stream machinery. Its control block, the actor and the
/// task's driver (coroutine factory, result state handle) are one
/// allocation. It is started by being scheduled, not by a message.
///
/// Resumes and cancels are not messages: `post_resume` and `post_cancel`
/// set a word in the actor and schedule it if it is idle, from any thread,
/// without allocating. CAF messages (responses to the task's requests, exit
/// and down messages, anything else sent to it) go through a lock-free
/// inbox and are handled in arrival order, before a pending resume; a
/// pending cancel goes first of all (as asyncio's `cancel()` wins over a
/// scheduled wake-up).
class task_actor final : public caf::monitorable_actor, public caf::resumable {
public:
  task_actor(caf::actor_config& cfg, runtime_core& rt);
  ~task_actor() override;

  /// Allocates a task actor on `rt` followed by `extra` bytes aligned to
  /// `align` (at most 64), which `*extra_out` points to; the caller builds
  /// the task's driver there and passes it to `launch`. The returned actor
  /// holds one strong reference, owned by the caller until `launch`.
  static task_actor* make(runtime_core& rt, std::size_t extra,
                          std::size_t align, void** extra_out);

  /// Adopts `driver` (living in the actor's extra bytes; destroyed, not
  /// freed, when the task ends), keeps the actor alive until the task ends
  /// and schedules its first run, which starts the coroutine (or fails it
  /// at once if it was cancelled first). Takes over the caller's reference.
  void launch(task_driver_base* driver);

  // -- CAF's actor and resumable interface -----------------------------------

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* eu) override;
  const char* name() const override;
  void on_destroy() override;
  resume_result resume(caf::execution_unit* eu,
                       std::size_t max_throughput) override;
  void intrusive_ptr_add_ref_impl() override;
  void intrusive_ptr_release_impl() override;

  // -- actio's events (any thread) -------------------------------------------

  /// Resumes the task's coroutine if it is still parked on `token`; a
  /// stale token is ignored. Never blocks or allocates.
  void post_resume(std::uint64_t token);

  /// Cancels the task: its current `co_await` throws `cancelled_error` (or,
  /// before it started, it never runs).
  void post_cancel();

  /// Asks the task to check its deadline scopes (deadline_scope.cpp): one
  /// that has expired cancels the task's current `co_await`.
  void post_deadline();

  // -- on the actor's own thread ---------------------------------------------

  /// Resumes `token` now if it is still the parked one (the caller runs on
  /// this actor, e.g. a response handler).
  void resume_now(std::uint64_t token);

  /// `sleep(0)`: gives the worker back and resumes `token` on the next run.
  void yield(std::uint64_t token);

  /// Sends `content` as a request to `dest` and routes its response (or a
  /// timeout after `timeout`, or a lost remote peer) to `handler`, once.
  void send_request(const caf::strong_actor_ptr& dest, caf::message content,
                    duration timeout, response_handler* handler);

  /// Drops the pending request: a late response is discarded.
  void forget_request() noexcept;

  /// The task actor behind `ctx` (which must belong to a task).
  static task_actor& of(task_context& ctx) noexcept;

  /// The shared state of the running task's future; null once it ended.
  state_base* task_state() noexcept {
    return driver_ != nullptr ? &driver_->shared_state() : nullptr;
  }

  task_context ctx;

  /// Whether the actor is queued or running (a parked task with an event
  /// waiting is "ready" in the task dump). Any thread.
  bool scheduled() const noexcept {
    return scheduled_.load(std::memory_order_relaxed);
  }

private:
  /// Reports a step of `held_ns` that began at `resumed` (slow_step.hpp).
  void report_slow(std::int64_t held_ns, await_site resumed,
                   bool finished) noexcept;

  /// idle -> scheduled; true if the caller must hand the actor to the
  /// scheduler.
  bool try_schedule() noexcept;

  /// Hands the actor to its scheduler (one strong reference for it).
  void schedule(caf::execution_unit* eu);

  /// Whether an event waits (a message, a cancel or a resume).
  bool has_events() const noexcept;

  /// The oldest message not yet handled, or null.
  caf::mailbox_element* next_message();

  void handle(caf::mailbox_element& msg);
  void start();
  void deliver_cancel();
  void step(std::coroutine_handle<> h);

  /// Settles the pending request with `content` (or `error`) and resumes.
  void settle_request(caf::type_erased_tuple* content,
                      std::exception_ptr error);

  /// Ends the task's driver: its future fails unless it completed.
  void drop_driver() noexcept;

  /// Ends the actor: attachables (monitors, links) are told `reason`, the
  /// inbox is closed and what is left in it bounced.
  void terminate(caf::error reason);

  /// Bounces (requests get `reason` as their error) or drops a chain of
  /// messages.
  void bounce_all(caf::mailbox_element* head, const caf::error& reason);

  /// The request in flight; allocated by the task's first request and
  /// kept for its later ones (most tasks never send one).
  struct pending_request : slab_allocated {
    caf::message_id id;
    response_handler* handler = nullptr;
    timer_handle timeout;
    caf::strong_actor_ptr watched; // a remote peer monitored meanwhile
    std::chrono::steady_clock::time_point sent; // to a remote peer only
    std::uint64_t last_id = 0;
  };

  // Messages are pushed onto `inbox_` (newest first) by any thread; the
  // actor moves them, oldest first, to its own list at `head_`.
  std::atomic<caf::mailbox_element*> inbox_{nullptr};
  caf::mailbox_element* head_ = nullptr;
  std::atomic<std::uint64_t> resume_token_{0};
  caf::execution_unit* eu_ = nullptr; // while running
  task_driver_base* driver_ = nullptr;
  caf::strong_actor_ptr self_ref_; // while the task runs
  std::unique_ptr<pending_request> request_;
  std::atomic<bool> cancel_pending_{false};
  std::atomic<bool> deadline_pending_{false};
  std::atomic<bool> scheduled_{true}; // launch schedules the first run
  bool started_ = false;
  bool yield_ = false;
  bool terminated_ = false;
};

} // namespace actio::detail
