// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/clock.hpp"
#include "actio/detail/actor_ref.hpp"
#include "actio/unique_function.hpp"

#include <memory>

namespace actio {
class runtime;
} // namespace actio

// The one actor behind every synchronisation primitive of actio (queue,
// semaphore, cache): it owns the primitive's state and runs the closures
// posted to it one at a time, so the state needs no lock. Not for users.
namespace actio::detail {

/// The state an actor owns; destroyed on the actor's thread when the actor
/// ends (its destructor fails whatever is still pending).
class sync_body {
public:
  sync_body() = default;
  sync_body(const sync_body&) = delete;
  sync_body& operator=(const sync_body&) = delete;
  virtual ~sync_body();
};

/// A handle to a sync actor: strong handles keep it alive (the primitive's
/// user-facing handles), weak ones only reach it while it lives (waiters, so
/// that a pending waiter never keeps a forgotten primitive alive).
class sync_actor {
public:
  sync_actor() noexcept = default;

  /// Spawns an actor on `rt` owning `body`; returns a strong handle.
  /// Throws actio::runtime_error if the runtime is closed.
  static sync_actor spawn(runtime& rt, std::unique_ptr<sync_body> body);

  /// Runs `fn` on the actor after every closure posted before it by the
  /// same thread; thread-safe. If the actor has ended, `fn` is destroyed
  /// without running (so promises it captured fail as broken).
  void post(unique_function<void()> fn) const;

  /// Runs `fn` on the actor once `delay` has passed on the runtime's clock
  /// (CAF's clock: simulated under virtual time); dropped if the actor has
  /// ended by then.
  void post_after(duration delay, unique_function<void()> fn) const;

  /// Ends the actor (its body is destroyed, closures still queued are
  /// dropped); thread-safe, idempotent.
  void stop() const;

  /// A weak handle to the same actor.
  sync_actor weak() const;

  /// Whether this handle refers to an actor at all.
  explicit operator bool() const noexcept { return static_cast<bool>(ref_); }

private:
  actor_ref ref_;
};

/// The runtime whose actor or task is calling, else the process's current
/// one; throws actio::runtime_error if there is none (or the caller's
/// runtime is not the current one, which this cannot resolve yet).
runtime& sync_ambient_runtime();

} // namespace actio::detail
