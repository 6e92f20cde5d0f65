// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/host_queue.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace actio::crawl {

void host_queue::push(std::string_view url, std::uint32_t depth,
                      std::uint32_t attempts, std::uint64_t seq) {
  auto len = static_cast<std::uint32_t>(std::min<std::size_t>(
      url.size(), std::numeric_limits<std::uint32_t>::max()));
  std::unique_ptr<char[]> data{new char[sizeof len + len]};
  std::memcpy(data.get(), &len, sizeof len);
  std::memcpy(data.get() + sizeof len, url.data(), len);
  heap_.push_back(entry{std::move(data), depth, attempts, seq});
  std::push_heap(heap_.begin(), heap_.end(), later{});
  url_bytes_ += sizeof len + len;
}

host_queue::item host_queue::pop() {
  std::pop_heap(heap_.begin(), heap_.end(), later{});
  auto e = std::move(heap_.back());
  heap_.pop_back();
  std::uint32_t len = 0;
  std::memcpy(&len, e.data.get(), sizeof len);
  url_bytes_ -= sizeof len + len;
  if (heap_.empty())
    heap_.shrink_to_fit();
  return item{std::string{e.data.get() + sizeof len, len}, e.depth, e.attempts,
              e.seq};
}

std::size_t host_queue::memory_bytes() const noexcept {
  return heap_.capacity() * sizeof(entry) + url_bytes_;
}

} // namespace actio::crawl
