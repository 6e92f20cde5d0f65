// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "finished_page.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

namespace actio::crawl::detail {

/// The crawler's depth gate: links of depth d, and the page they were found
/// on (written after them), wait until every page of depth < d - 1 has
/// finished, so that a URL is crawled at its lowest depth, but no longer
/// than `depth_wait`. Owns the count of open (admitted, unfinished) pages
/// per depth and the finished pages held, by the depth of their links.
/// Time is passed in; it runs on the coordinator's actor like the rest of
/// the coordinator (no locks).
class depth_gate {
public:
  using clock = std::chrono::steady_clock;

  /// Called for each released page with the depth of its links; may call
  /// `open` and `close` (the levels after its own see the change).
  using release_fn = std::function<void(std::uint32_t level, finished_page&)>;

  /// A gate that holds links no longer than `depth_wait`.
  explicit depth_gate(std::chrono::milliseconds depth_wait);

  /// A page of `depth` was admitted and holds deeper links back until it
  /// is closed.
  void open(std::uint32_t depth);

  /// A page of `depth` finished or no longer holds deeper links back (it
  /// failed once, it was refused); unknown depths are ignored.
  void close(std::uint32_t depth);

  /// Holds a finished page whose links are of depth `level` until
  /// `release` lets them through; `now` starts the level's wait if it is
  /// the first page held for it.
  void hold(finished_page page, std::uint32_t level, clock::time_point now);

  /// Hands every held page whose level may go now (every lower page
  /// finished, or the level waited `depth_wait`) to `on_page`, lowest
  /// level first, each level in the order its pages were held.
  void release(clock::time_point now, const release_fn& on_page);

  /// Whether no page is held.
  bool empty() const noexcept { return held_.empty(); }

  /// How many pages are held.
  std::size_t held_pages() const noexcept { return held_pages_; }

  /// When the level held longest reaches `depth_wait`; none when empty.
  std::optional<clock::time_point> deadline() const;

private:
  struct held_level {
    std::vector<finished_page> pages;
    clock::time_point since;
  };

  std::chrono::milliseconds depth_wait_;
  std::map<std::uint32_t, std::size_t> open_;
  std::map<std::uint32_t, held_level> held_;
  std::size_t held_pages_ = 0;
};

} // namespace actio::crawl::detail
