// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/detail/closure_actor.hpp"

#include <cstdint>
#include <memory>

// How a sync primitive's actor ends when its runtime closes, so that its
// waiters fail instead of hanging while a handle is still alive.
namespace actio::detail {

class runtime_core;
struct closing_set;

/// Keeps a closure actor in its runtime's set of actors to stop when the
/// runtime begins to close (one close hook per runtime, not per actor);
/// leaves the set when destroyed (the actor's body owns it). Stopping the
/// actor destroys its body on the actor's thread, which fails its waiters.
class close_registration {
public:
  close_registration() noexcept = default;

  /// Registers `weak_self` with `rt`; stops it at once if `rt` is closing.
  close_registration(runtime_core& rt, closure_actor weak_self);

  close_registration(close_registration&& other) noexcept;
  close_registration& operator=(close_registration&& other) noexcept;
  close_registration(const close_registration&) = delete;
  close_registration& operator=(const close_registration&) = delete;
  ~close_registration();

private:
  void leave() noexcept;

  std::shared_ptr<closing_set> set_;
  std::uint64_t id_ = 0;
};

} // namespace actio::detail
