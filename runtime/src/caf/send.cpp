// SPDX-License-Identifier: Apache-2.0
#include "actio/caf/send.hpp"

#include "runtime_core.hpp"
#include "task_context.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/error.hpp>

namespace actio::detail {

namespace {

/// The gauge of `dest` on `rt`, made with `limit` if missing (0: none is
/// made). Made gauges are closed and forgotten when `dest` ends.
std::shared_ptr<mailbox_gauge> find_or_make(runtime_core& rt,
                                            const caf::strong_actor_ptr& dest,
                                            std::size_t limit) {
  std::shared_ptr<mailbox_gauge> gauge;
  {
    std::lock_guard<std::mutex> guard{rt.gauges_mtx};
    auto i = rt.gauges.find(dest.get());
    if (i != rt.gauges.end())
      return i->second;
    if (limit == 0)
      return nullptr;
    gauge = std::make_shared<mailbox_gauge>(limit);
    rt.gauges.emplace(dest.get(), gauge);
  }
  // Runs when `dest` ends, or right here if it already has.
  dest->get()->attach_functor([core = &rt,
                               key = static_cast<const void*>(dest.get()),
                               weak = std::weak_ptr<mailbox_gauge>(gauge),
                               raw = gauge.get()](const caf::error&) {
    if (auto g = weak.lock())
      g->close();
    std::lock_guard<std::mutex> guard{core->gauges_mtx};
    auto i = core->gauges.find(key);
    if (i != core->gauges.end() && i->second.get() == raw)
      core->gauges.erase(i);
  });
  return gauge;
}

} // namespace

std::shared_ptr<mailbox_gauge> gauge_of(runtime_core& rt,
                                        const caf::strong_actor_ptr& dest) {
  return find_or_make(rt, dest, rt.options.mailbox_limit);
}

caf::strong_actor_ptr current_sender() {
  if (auto* ctx = current_context(); ctx != nullptr && ctx->self != nullptr)
    return caf::strong_actor_ptr{ctx->self->ctrl()};
  return nullptr;
}

} // namespace actio::detail

namespace actio {

void set_mailbox_limit(const caf::strong_actor_ptr& dest, std::size_t limit) {
  if (!dest)
    return;
  auto gauge = detail::find_or_make(detail::ambient_runtime(), dest,
                                    std::max<std::size_t>(limit, 1));
  gauge->set_limit(limit);
}

std::size_t mailbox_pending(const caf::strong_actor_ptr& dest) {
  if (!dest)
    return 0;
  auto& rt = detail::ambient_runtime();
  std::lock_guard<std::mutex> guard{rt.gauges_mtx};
  auto i = rt.gauges.find(dest.get());
  return i == rt.gauges.end() ? 0 : i->second->pending();
}

} // namespace actio
