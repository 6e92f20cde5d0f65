// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

namespace actio::detail {

/// A reference to a CAF actor's control block that keeps CAF out of public
/// headers. Strong references keep the actor alive; weak ones only let a
/// sender find out whether it is still there.
class actor_ref {
public:
  actor_ref() noexcept = default;
  actor_ref(const actor_ref& other) noexcept;
  actor_ref(actor_ref&& other) noexcept;
  actor_ref& operator=(const actor_ref& other) noexcept;
  actor_ref& operator=(actor_ref&& other) noexcept;
  ~actor_ref();

  /// Wraps a control block pointer, adding a strong or weak reference.
  static actor_ref adopt(void* control_block, bool weak) noexcept;

  /// The control block, or null.
  void* get() const noexcept { return ptr_; }

  bool weak() const noexcept { return weak_; }

  explicit operator bool() const noexcept { return ptr_ != nullptr; }

private:
  void* ptr_ = nullptr;
  bool weak_ = false;
};

} // namespace actio::detail
