// SPDX-License-Identifier: Apache-2.0
#include "actio/timer_handle.hpp"

#include "timer_service.hpp"

namespace actio {

timer_handle::timer_handle(detail::timer_node* node) noexcept : node_(node) {}

timer_handle::timer_handle(const timer_handle& other) noexcept
    : node_(other.node_) {
  if (node_ != nullptr)
    node_->ref();
}

timer_handle::~timer_handle() {
  if (node_ != nullptr)
    node_->deref();
}

bool timer_handle::cancel() noexcept {
  return node_ != nullptr && node_->cancel();
}

bool timer_handle::cancelled() const noexcept {
  return node_ != nullptr && node_->state.load(std::memory_order_acquire) ==
                                 detail::timer_node::cancelled;
}

time_point timer_handle::when() const noexcept {
  return node_ != nullptr ? node_->deadline : time_point{};
}

} // namespace actio
