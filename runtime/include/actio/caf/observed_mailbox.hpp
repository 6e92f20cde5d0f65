// SPDX-License-Identifier: Apache-2.0
#pragma once

// Opt-in for plain CAF actors: an actor type that counts the messages in its
// mailbox and can export the count as a gauge. Like interop.hpp this header
// includes CAF's actor headers: include it only where you write CAF actors.

#include "actio/metrics/metrics_registry.hpp"

#include <caf/actor_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/execution_unit.hpp>
#include <caf/invoke_message_result.hpp>
#include <caf/mailbox_element.hpp>
#include <caf/message_id.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace actio {

/// A CAF event-based actor (`Base`: `caf::event_based_actor`, or any
/// scheduled actor type such as a typed or stateful actor's base) that
/// counts the messages waiting in its mailbox, so that a program can watch
/// an actor fall behind. Spawn it as the actor's type: a function-based
/// actor takes `actio::observed_mailbox<>* self` as its first parameter
/// (`caf::stateful_actor<S, actio::observed_mailbox<>>*` for a stateful
/// one), a class-based one derives from it.
///
/// A message counts from the moment it is enqueued (any sender, any
/// thread: `caf::send`, `actio::send`, a response, a system message) until
/// the actor takes it to handle it; one the current behaviour skips counts
/// until it is handled. CAF stream batches (upstream and downstream
/// messages) are not counted.
template <class Base = caf::event_based_actor>
class observed_mailbox : public Base {
public:
  explicit observed_mailbox(caf::actor_config& cfg) : Base(cfg) {}

  /// Counts `what`, then enqueues it as `Base` does. Any thread.
  void enqueue(caf::mailbox_element_ptr what,
               caf::execution_unit* host) override {
    if (what != nullptr && counted(what->mid))
      queued_.fetch_add(1, std::memory_order_relaxed);
    Base::enqueue(std::move(what), host);
  }

  using Base::enqueue;

  /// The messages in the mailbox now (see the class comment): a snapshot,
  /// safe from any thread.
  std::size_t mailbox_size() const noexcept {
    auto n = queued_.load(std::memory_order_relaxed);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
  }

  /// Exports `mailbox_size()` as the gauge series
  /// `actio_mailbox_size{actor="<name>"}` of `registry` (for the runtime's
  /// `/metrics`, `actio::metrics(rt)`), read at each scrape, until the actor
  /// ends; a second call replaces the first. Call it on the actor itself
  /// (in its behaviour function or a handler). Two actors exporting under
  /// one name make two series with equal labels: give each a distinct name.
  void export_mailbox_size(metrics_registry& registry, std::string name) {
    export_ = registry.add_callback(
        "actio_mailbox_size",
        "Messages waiting in the mailbox of an actor that exports it "
        "(actio::observed_mailbox), by the name it exported under.",
        metric_type::gauge, {"actor"}, {std::move(name)},
        [this] { return static_cast<double>(mailbox_size()); });
    if (!attached_) {
      attached_ = true;
      // Runs as the actor ends, before its memory can go: once `reset`
      // returns, the scrape no longer reads this actor.
      this->attach_functor([this] { export_.reset(); });
    }
  }

protected:
  /// Uncounts `x` as the actor takes it; a skipped `x` counts again.
  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    bool was_counted = counted(x.mid);
    if (was_counted)
      queued_.fetch_sub(1, std::memory_order_relaxed);
    auto result = Base::consume(x);
    if (was_counted && result == caf::invoke_message_result::skipped)
      queued_.fetch_add(1, std::memory_order_relaxed);
    return result;
  }

  using Base::consume;

private:
  static bool counted(caf::message_id mid) noexcept {
    return mid.category() == caf::message_id::normal_message_category ||
           mid.category() == caf::message_id::urgent_message_category;
  }

  std::atomic<std::int64_t> queued_{0};
  metrics_callback export_;
  bool attached_ = false;
};

} // namespace actio
