// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"
#include "actio/unique_function.hpp"
#include "task_context.hpp"

#include <caf/actor.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/monitorable_actor.hpp>
#include <caf/resumable.hpp>

#include <atomic>
#include <cstddef>
#include <memory>

namespace actio::detail {

class runtime_core;

/// The actor behind a `closure_actor` (the runtime's loop, every queue,
/// semaphore, cache, executor dispatcher and crawl coordinator): a CAF actor
/// (an address; it can be monitored, linked and killed) built on CAF's
/// `monitorable_actor` rather than its `scheduled_actor`, as actio's task
/// actors are.
///
/// Closures are not CAF messages: `post` pushes a node onto a lock-free
/// list and schedules the actor if it is idle, from any thread, with one
/// allocation and no type-matched dispatch. The actor runs them oldest first
/// (so closures posted by one thread run in the order posted), up to the
/// scheduler's throughput per run. CAF messages (exit and down messages, a
/// stray request, which gets CAF's `sec::unexpected_message`) go through a
/// separate inbox and are handled first. Once the actor has ended, posted
/// closures are destroyed without running (promises they hold fail as
/// broken).
class closure_actor_impl final : public caf::monitorable_actor,
                                 public caf::resumable {
public:
  closure_actor_impl(caf::actor_config& cfg, runtime_core& rt,
                     std::shared_ptr<closure_body> body, bool hidden);
  ~closure_actor_impl() override;

  /// Spawns one on `rt`, owning `body`; a hidden one is not counted among
  /// the system's running actors (the runtime's loop).
  static caf::actor spawn(runtime_core& rt, std::shared_ptr<closure_body> body,
                          bool hidden);

  /// Runs `fn` on the actor after every closure posted before it by the
  /// same thread; any thread. Dropped (destroyed unrun) if the actor ended.
  void post(unique_function<void()> fn);

  // -- CAF's actor and resumable interface -----------------------------------

  void enqueue(caf::mailbox_element_ptr what, caf::execution_unit* eu) override;
  const char* name() const override;
  void on_destroy() override;
  resume_result resume(caf::execution_unit* eu,
                       std::size_t max_throughput) override;
  void intrusive_ptr_add_ref_impl() override;
  void intrusive_ptr_release_impl() override;

private:
  struct node {
    node* next = nullptr;
    unique_function<void()> fn;
  };

  void schedule_if_idle(caf::execution_unit* eu);
  bool has_events() const noexcept;
  caf::mailbox_element* next_message();
  node* next_closure();
  void handle(caf::mailbox_element& msg);
  void run(node& n);
  void terminate(caf::error reason);

  std::atomic<node*> closures_{nullptr}; // newest first
  node* ready_ = nullptr;                // oldest first, the actor's
  std::atomic<caf::mailbox_element*> inbox_{nullptr}; // newest first
  caf::mailbox_element* head_ = nullptr; // oldest first, the actor's
  std::atomic<bool> scheduled_{false};
  caf::execution_unit* eu_ = nullptr; // while running
  task_context ctx_;
  std::shared_ptr<closure_body> body_;
  bool hidden_;
  bool terminated_ = false;
};

} // namespace actio::detail
