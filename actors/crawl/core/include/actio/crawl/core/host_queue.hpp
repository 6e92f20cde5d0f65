// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace actio::crawl {

/// The URLs waiting for one host, lowest depth first, first-in first-out
/// within a depth (by a sequence number the caller assigns).
///
/// Stores each URL in one exact-size allocation (24 bytes of bookkeeping
/// per entry plus the URL), so a million queued URLs stay small. Not
/// thread-safe.
class host_queue {
public:
  /// A URL taken out of the queue.
  struct item {
    /// The URL as pushed.
    std::string url;
    /// Link depth (0 for seeds).
    std::uint32_t depth = 0;
    /// Tries already made (0 for a fresh URL).
    std::uint32_t attempts = 0;
    /// The caller's sequence number: order within a depth.
    std::uint64_t seq = 0;
  };

  /// Queues `url`; `seq` orders URLs of equal depth (smaller first).
  void push(std::string_view url, std::uint32_t depth, std::uint32_t attempts,
            std::uint64_t seq);
  /// Removes and returns the head; precondition `!empty()`.
  item pop();

  /// True when no URL waits.
  bool empty() const noexcept { return heap_.empty(); }
  /// Number of waiting URLs.
  std::size_t size() const noexcept { return heap_.size(); }
  /// Depth of the head; precondition `!empty()`.
  std::uint32_t head_depth() const noexcept { return heap_.front().depth; }
  /// Sequence number of the head; precondition `!empty()`.
  std::uint64_t head_seq() const noexcept { return heap_.front().seq; }
  /// Approximate heap bytes owned (entries and URL copies, without malloc
  /// overhead).
  std::size_t memory_bytes() const noexcept;

private:
  struct entry {
    std::unique_ptr<char[]> data; // 4-byte length, then the URL
    std::uint32_t depth;
    std::uint32_t attempts;
    std::uint64_t seq;
  };
  struct later {
    bool operator()(const entry& a, const entry& b) const noexcept {
      return a.depth != b.depth ? a.depth > b.depth : a.seq > b.seq;
    }
  };
  std::vector<entry> heap_;
  std::size_t url_bytes_ = 0;
};

} // namespace actio::crawl
