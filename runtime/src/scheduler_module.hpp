// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/runtime_options.hpp"

#include <caf/fwd.hpp>

// The scheduler a runtime's actor system runs on, and what it tells the
// rest of the runtime about the calling thread.
namespace actio::detail {

/// Installs the scheduler for `options` into `config`: CAF's `sharing` or
/// `stealing` policy, extended so that a worker thread knows when it runs
/// an actor, or actio's `handoff` scheduler; under virtual time CAF's test
/// coordinator (chosen by name).
void install_scheduler(caf::actor_system_config& config,
                       const runtime_options& options);

/// Whether the calling thread is running an actor on a scheduler worker of
/// any runtime, or driving a virtual-time runtime (where actors run on the
/// driving thread). Blocking there would stall the scheduler.
bool inside_scheduler() noexcept;

/// Marks the calling scheduler thread as running an actor (`on`) or not;
/// for schedulers that do not use CAF's `coordinator<Policy>`.
void mark_running_actor(bool on) noexcept;

/// Drops the reference to the actor system's logger that CAF leaves in the
/// calling thread whenever it makes an actor system or spawns, unless the
/// thread is one of the scheduler's: `~actor_system` waits until its
/// logger is gone, so a thread that outlives a runtime (the one that made
/// it, while another closes it) would otherwise keep that wait forever.
void forget_caf_logger() noexcept;

/// Marks the calling thread as driving a virtual-time runtime for the
/// scope's life.
class driving_scope {
public:
  driving_scope() noexcept;
  ~driving_scope();
  driving_scope(const driving_scope&) = delete;
  driving_scope& operator=(const driving_scope&) = delete;

private:
  bool prev_;
};

} // namespace actio::detail
