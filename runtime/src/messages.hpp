// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/unique_function.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/intrusive_ptr.hpp>
#include <caf/ref_counted.hpp>

#include <cstdint>

// The messages actio's own actors exchange. Private to the runtime.
namespace actio::detail {

/// Starts a task's coroutine.
using start_atom = caf::atom_constant<caf::atom("a_start")>;

/// Resumes a parked coroutine if the token still matches.
using resume_atom = caf::atom_constant<caf::atom("a_resume")>;

/// Cancels a task.
using cancel_atom = caf::atom_constant<caf::atom("a_cancel")>;

/// Runs a closure on the receiving actor.
using run_atom = caf::atom_constant<caf::atom("a_run")>;

/// A move-only closure in a reference-counted box, so that it can travel in
/// a CAF message (which must be copyable). Runs at most once.
class closure_box : public caf::ref_counted {
public:
  explicit closure_box(unique_function<void()> fn) : fn_(std::move(fn)) {}

  /// Runs the closure once; later calls do nothing.
  void run() {
    if (fn_) {
      auto fn = std::move(fn_);
      fn();
    }
  }

private:
  unique_function<void()> fn_;
};

using closure_ptr = caf::intrusive_ptr<closure_box>;

/// Boxes `fn` for a message.
inline closure_ptr make_closure(unique_function<void()> fn) {
  return closure_ptr{new closure_box(std::move(fn)), false};
}

} // namespace actio::detail

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(actio::detail::closure_ptr)
