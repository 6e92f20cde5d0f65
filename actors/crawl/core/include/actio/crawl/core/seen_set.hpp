// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace actio::crawl {

/// A 64-bit hash of a URL (or any bytes); stable across runs and platforms
/// of the same endianness, so it can be stored.
std::uint64_t url_hash(std::string_view s) noexcept;

/// A compact set of 64-bit URL hashes: Robin Hood open addressing, 8 bytes
/// per slot, at most 7/8 full (9 to 18 bytes per URL).
///
/// Two URLs with the same hash count as one (probability about n^2 / 2^65:
/// ~3e-8 for a million URLs). Not thread-safe; elements are never removed.
class seen_set {
public:
  /// An empty set; allocates on first insert.
  seen_set() = default;

  /// Inserts `h`; true when it was not present.
  bool insert(std::uint64_t h);
  /// Inserts the hash of `url`; true when it was not present.
  bool insert(std::string_view url) { return insert(url_hash(url)); }
  /// True when `h` is present.
  bool contains(std::uint64_t h) const noexcept;
  /// True when the hash of `url` is present.
  bool contains(std::string_view url) const noexcept {
    return contains(url_hash(url));
  }
  /// Makes room for `n` elements without further growth.
  void reserve(std::size_t n);

  /// Number of elements.
  std::size_t size() const noexcept { return size_; }
  /// Bytes of the slot table.
  std::size_t memory_bytes() const noexcept {
    return slots_.capacity() * sizeof(std::uint64_t);
  }

private:
  bool contains_slot_value(std::uint64_t v) const noexcept;
  void grow(std::size_t new_capacity);
  void place(std::uint64_t h) noexcept;
  std::vector<std::uint64_t> slots_; // 0 = empty
  std::size_t size_ = 0;
  std::size_t mask_ = 0;
};

} // namespace actio::crawl
