// SPDX-License-Identifier: Apache-2.0
#include "depth_gate.hpp"

#include <algorithm>
#include <utility>

namespace actio::crawl::detail {

depth_gate::depth_gate(std::chrono::milliseconds depth_wait)
    : depth_wait_(depth_wait) {}

void depth_gate::open(std::uint32_t depth) {
  ++open_[depth];
}

void depth_gate::close(std::uint32_t depth) {
  auto it = open_.find(depth);
  if (it != open_.end() && --it->second == 0)
    open_.erase(it);
}

void depth_gate::hold(finished_page page, std::uint32_t level,
                      clock::time_point now) {
  auto [it, fresh] = held_.try_emplace(level);
  if (fresh)
    it->second.since = now;
  it->second.pages.push_back(std::move(page));
  ++held_pages_;
}

void depth_gate::release(clock::time_point now, const release_fn& on_page) {
  // `on_page` may open and close pages: the levels after its own see the
  // counts it changed.
  for (auto it = held_.begin(); it != held_.end();) {
    auto level = it->first;
    // Links of depth `level` wait while a page of depth < level - 1 may
    // still find some of them at a lower depth, but no longer than
    // `depth_wait` (a slow or polite host must not stall the others).
    bool lower_done = open_.empty() || open_.begin()->first + 1 >= level;
    if (!lower_done && now - it->second.since < depth_wait_) {
      ++it;
      continue;
    }
    auto batch = std::move(it->second.pages);
    it = held_.erase(it);
    held_pages_ -= batch.size();
    for (auto& p : batch)
      on_page(level, p);
  }
}

std::optional<depth_gate::clock::time_point> depth_gate::deadline() const {
  if (held_.empty())
    return std::nullopt;
  auto oldest = held_.begin()->second.since;
  for (const auto& [level, h] : held_)
    oldest = std::min(oldest, h.since);
  return oldest + depth_wait_;
}

} // namespace actio::crawl::detail
