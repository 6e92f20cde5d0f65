// SPDX-License-Identifier: Apache-2.0
#include "context_values.hpp"

#include "actio/context_var.hpp"
#include "task_context.hpp"

#include <algorithm>

namespace actio::detail {

namespace {

thread_local context_ref tl_thread_values;
thread_local context_ref* tl_callback_values = nullptr;

std::atomic<std::uint64_t> next_var_id{1};

template <class Values>
auto find(Values& values, std::uint64_t id) {
  return std::lower_bound(
      values.entries.begin(), values.entries.end(), id,
      [](const context_values::entry& e, std::uint64_t k) { return e.id < k; });
}

} // namespace

context_ref& current_context_values() noexcept {
  if (tl_callback_values != nullptr)
    return *tl_callback_values;
  if (auto* ctx = current_context())
    return ctx->values;
  return tl_thread_values;
}

context_values_scope::context_values_scope(context_ref& values) noexcept
    : prev_(std::exchange(tl_callback_values, &values)) {}

context_values_scope::~context_values_scope() {
  tl_callback_values = prev_;
}

context_ref* exchange_callback_values(context_ref* values) noexcept {
  return std::exchange(tl_callback_values, values);
}

std::uint64_t new_context_var_id() noexcept {
  return next_var_id.fetch_add(1, std::memory_order_relaxed);
}

std::shared_ptr<const void> context_get(std::uint64_t id) noexcept {
  const auto* values = current_context_values().get();
  if (values == nullptr)
    return nullptr;
  auto it = find(*values, id);
  if (it == values->entries.end() || it->id != id)
    return nullptr;
  return it->value;
}

std::shared_ptr<const void> context_set(std::uint64_t id,
                                        std::shared_ptr<const void> value) {
  auto& slot = current_context_values();
  auto next = std::make_unique<context_values>();
  if (const auto* now = slot.get())
    next->entries = now->entries; // shared with other tasks: copy on write
  std::shared_ptr<const void> old;
  auto it = find(*next, id);
  if (it != next->entries.end() && it->id == id) {
    old = std::move(it->value);
    if (value)
      it->value = std::move(value);
    else
      next->entries.erase(it);
  } else if (value) {
    next->entries.insert(it, context_values::entry{id, std::move(value)});
  }
  slot = next->entries.empty() ? context_ref{} : context_ref{next.release()};
  return old;
}

unique_function<void()> in_current_context(unique_function<void()> fn) {
  auto values = current_context_values();
  if (!values)
    return fn;
  return [values = std::move(values), fn = std::move(fn)]() mutable {
    context_values_scope scope{values};
    fn();
  };
}

} // namespace actio::detail
