// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/detail/actor_ref.hpp"
#include "actio/unique_function.hpp"

#include <memory>

// The one actor of actio that runs closures posted to it, one at a time:
// the runtime's loop (call_soon/call_later callbacks) and every actor that
// owns some state and serialises access to it by running closures (queue,
// semaphore, cache, the executor's dispatcher, the crawler's coordinator).
namespace actio::detail {

class runtime_core;

/// State owned by a closure actor; destroyed on the actor's thread when
/// the actor ends (its destructor fails whatever is still pending).
class closure_body {
public:
  closure_body() = default;
  closure_body(const closure_body&) = delete;
  closure_body& operator=(const closure_body&) = delete;
  virtual ~closure_body();
};

/// A handle to a closure actor: strong handles keep it alive, weak ones
/// only reach it while it lives (so that a pending waiter never keeps a
/// forgotten primitive alive). Closures run on the actor's thread with the
/// runtime as ambient runtime (actio calls inside them find it); an
/// exception escaping one is reported on stderr and the actor goes on.
class closure_actor {
public:
  closure_actor() noexcept = default;

  /// Spawns an actor on `rt` owning `body` (may be null); returns a strong
  /// handle. Throws actio::runtime_error if the runtime is closed.
  static closure_actor spawn(runtime_core& rt,
                             std::shared_ptr<closure_body> body = nullptr);

  /// Runs `fn` on the actor after every closure posted before it by the
  /// same thread; thread-safe. If the actor has ended, `fn` is destroyed
  /// without running (so promises it captured fail as broken).
  void post(unique_function<void()> fn) const;

  /// Runs `fn` on the actor once `delay` has passed on the runtime's clock
  /// (simulated under virtual time), through the runtime's timer service,
  /// which holds only a weak reference: dropped if the actor has ended.
  void post_after(duration delay, unique_function<void()> fn) const;

  /// Ends the actor (its body is destroyed, closures still queued are
  /// dropped); thread-safe, idempotent.
  void stop() const;

  /// A weak handle to the same actor.
  closure_actor weak() const;

  /// Whether this handle refers to an actor at all.
  explicit operator bool() const noexcept { return static_cast<bool>(ref_); }

  /// The actor's control block (a `caf::actor_control_block*`), or null.
  void* control_block() const noexcept { return ref_.get(); }

private:
  actor_ref ref_;
  runtime_core* rt_ = nullptr;
};

} // namespace actio::detail
