// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>

// What the task dump (`runtime::dump_tasks`) says a parked task waits for.

// Task names, the task dump's wait records and await sites are on unless
// actio is built with ACTIO_TASK_TREE=0 (to measure what they cost).
#ifndef ACTIO_TASK_TREE
#define ACTIO_TASK_TREE 1
#endif

namespace actio::detail {

/// What a task parked on an awaitable waits for: a static kind and a number
/// whose meaning the kind gives. "sleep": the deadline, in nanoseconds on
/// the runtime's clock; "task": the awaited task's id; "gather", "wait":
/// how many futures; "request", "mailbox space": the actor's id; the sync
/// primitives ("queue get", "lock", ...): the object's address; 0 if
/// nothing more is known.
struct wait_label {
  const char* kind = "future";
  std::uint64_t id = 0;
};

/// Where a task's coroutine last awaited: the file and line of the
/// `co_await`, recorded by the task's promise on the thread running it
/// (for the slow-step report, see `runtime_options::slow_step`).
struct await_site {
  const char* file = nullptr;
  unsigned line = 0;
};

/// The site of the last `co_await` evaluated on this thread.
inline thread_local await_site last_await_site;

} // namespace actio::detail
