// SPDX-License-Identifier: Apache-2.0
#include "actio/detail/actor_ref.hpp"

#include <caf/actor_control_block.hpp>

#include <utility>

namespace actio::detail {

namespace {

caf::actor_control_block* block(void* p) {
  return static_cast<caf::actor_control_block*>(p);
}

void add(void* p, bool weak) {
  if (p == nullptr)
    return;
  if (weak)
    caf::intrusive_ptr_add_weak_ref(block(p));
  else
    caf::intrusive_ptr_add_ref(block(p));
}

void drop(void* p, bool weak) {
  if (p == nullptr)
    return;
  if (weak)
    caf::intrusive_ptr_release_weak(block(p));
  else
    caf::intrusive_ptr_release(block(p));
}

} // namespace

actor_ref::actor_ref(const actor_ref& other) noexcept
    : ptr_(other.ptr_), weak_(other.weak_) {
  add(ptr_, weak_);
}

actor_ref::actor_ref(actor_ref&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), weak_(other.weak_) {}

actor_ref& actor_ref::operator=(const actor_ref& other) noexcept {
  actor_ref tmp{other};
  *this = std::move(tmp);
  return *this;
}

actor_ref& actor_ref::operator=(actor_ref&& other) noexcept {
  if (this != &other) {
    drop(ptr_, weak_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    weak_ = other.weak_;
  }
  return *this;
}

actor_ref::~actor_ref() {
  drop(ptr_, weak_);
}

actor_ref actor_ref::adopt(void* control_block, bool weak) noexcept {
  actor_ref result;
  result.ptr_ = control_block;
  result.weak_ = weak;
  add(control_block, weak);
  return result;
}

} // namespace actio::detail
