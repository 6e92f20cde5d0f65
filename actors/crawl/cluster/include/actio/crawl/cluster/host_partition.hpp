// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace actio::crawl {

/// A 64-bit hash of `text` that is the same in every process, build and
/// machine (FNV-1a followed by the splitmix64 finaliser), unlike
/// `std::hash`.
std::uint64_t stable_hash(std::string_view text) noexcept;

/// Which node of a crawl cluster owns a host, so that politeness per host
/// holds globally: rendezvous (highest random weight) hashing of the pair
/// (node, host). Every node computes the same owner from the same node
/// list, whatever its order. When a node is removed only the hosts it owned
/// move, spread evenly over the others; every other host keeps its owner.
/// A plain value: const members are thread-safe.
class host_partition {
public:
  /// A partition over `nodes` (any non-empty, distinct names, e.g.
  /// "127.0.0.1:4242"). Throws `std::invalid_argument` if `nodes` is empty
  /// or names a node twice.
  explicit host_partition(std::vector<std::string> nodes);

  /// The node that owns `host` (a host name, compared as given: canonicalise
  /// it first).
  const std::string& owner(std::string_view host) const;

  /// Removes `node`; false if it is not a member. Throws
  /// `std::invalid_argument` when it is the last node.
  bool remove(std::string_view node);

  /// Adds `node`; false if it is already a member. Only hosts that the new
  /// node now wins move to it.
  bool add(std::string node);

  /// The members, sorted.
  const std::vector<std::string>& nodes() const noexcept { return nodes_; }

private:
  std::vector<std::string> nodes_;
  std::vector<std::uint64_t> node_hashes_;
};

} // namespace actio::crawl
