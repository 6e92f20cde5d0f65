// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace actio::detail {

/// One context (asyncio's `contextvars.Context`): the values that context
/// variables have in it. Immutable once shared: a `set` builds a new one,
/// so a task copies its creator's context by taking a reference.
class context_values {
public:
  struct entry {
    std::uint64_t id;
    std::shared_ptr<const void> value;
  };

  std::vector<entry> entries; // sorted by id
  std::atomic<std::uint32_t> refs{1};
};

/// A counted reference to a context; null for the empty one (no variable
/// set), which is what nearly every task has and costs nothing to copy.
class context_ref {
public:
  context_ref() = default;
  /// Adopts the reference `p` comes with.
  explicit context_ref(context_values* p) noexcept : p_(p) {}
  context_ref(const context_ref& o) noexcept : p_(o.p_) {
    if (p_ != nullptr)
      p_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  context_ref(context_ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  context_ref& operator=(context_ref o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }
  ~context_ref() { reset(); }

  void reset() noexcept {
    if (auto* p = std::exchange(p_, nullptr);
        p != nullptr && p->refs.fetch_sub(1, std::memory_order_acq_rel) == 1)
      delete p;
  }

  const context_values* get() const noexcept { return p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }

private:
  context_values* p_ = nullptr;
};

/// The context of the code running on this thread: the running callback's
/// (scheduled with a context), else the running task's or closure actor's,
/// else the thread's own (`main`'s, for instance).
context_ref& current_context_values() noexcept;

/// Replaces the context of the running callback (null: none) and returns
/// the previous one.
context_ref* exchange_callback_values(context_ref* values) noexcept;

/// Makes `values` the current context for the lifetime of the scope (a
/// callback that runs in the context it was scheduled from).
class context_values_scope {
public:
  explicit context_values_scope(context_ref& values) noexcept;
  ~context_values_scope();
  context_values_scope(const context_values_scope&) = delete;
  context_values_scope& operator=(const context_values_scope&) = delete;

private:
  context_ref* prev_;
};

} // namespace actio::detail
