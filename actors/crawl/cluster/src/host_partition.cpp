// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/cluster/host_partition.hpp"

#include <algorithm>
#include <stdexcept>

namespace actio::crawl {

namespace {

std::uint64_t mix(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

} // namespace

std::uint64_t stable_hash(std::string_view text) noexcept {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  return mix(h);
}

host_partition::host_partition(std::vector<std::string> nodes)
    : nodes_(std::move(nodes)) {
  if (nodes_.empty())
    throw std::invalid_argument("host_partition: no nodes");
  std::sort(nodes_.begin(), nodes_.end());
  auto dup = std::adjacent_find(nodes_.begin(), nodes_.end());
  if (dup != nodes_.end())
    throw std::invalid_argument("host_partition: node '" + *dup +
                                "' given twice");
  for (auto& n : nodes_)
    node_hashes_.push_back(stable_hash(n));
}

const std::string& host_partition::owner(std::string_view host) const {
  auto h = stable_hash(host);
  std::size_t best = 0;
  std::uint64_t best_weight = 0;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    auto weight = mix(node_hashes_[i] ^ h);
    if (i == 0 || weight > best_weight) {
      best = i;
      best_weight = weight;
    }
  }
  return nodes_[best];
}

bool host_partition::remove(std::string_view node) {
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), node);
  if (it == nodes_.end() || *it != node)
    return false;
  if (nodes_.size() == 1)
    throw std::invalid_argument("host_partition: cannot remove the last node");
  auto i = static_cast<std::size_t>(it - nodes_.begin());
  nodes_.erase(it);
  node_hashes_.erase(node_hashes_.begin() + static_cast<std::ptrdiff_t>(i));
  return true;
}

bool host_partition::add(std::string node) {
  auto it = std::lower_bound(nodes_.begin(), nodes_.end(), node);
  if (it != nodes_.end() && *it == node)
    return false;
  auto i = static_cast<std::size_t>(it - nodes_.begin());
  node_hashes_.insert(node_hashes_.begin() + static_cast<std::ptrdiff_t>(i),
                      stable_hash(node));
  nodes_.insert(it, std::move(node));
  return true;
}

} // namespace actio::crawl
