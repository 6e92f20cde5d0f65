// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/seen_set.hpp"

#include <cstring>
#include <utility>

namespace actio::crawl {

namespace {

constexpr std::uint64_t k1 = 0x9E3779B97F4A7C15ull;
constexpr std::uint64_t k2 = 0xC2B2AE3D27D4EB4Full;

constexpr std::uint64_t rotl(std::uint64_t x, int r) noexcept {
  return (x << r) | (x >> (64 - r));
}

/// splitmix64's finaliser: every input bit affects every output bit.
constexpr std::uint64_t fmix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ull;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBull;
  x ^= x >> 31;
  return x;
}

} // namespace

std::uint64_t url_hash(std::string_view s) noexcept {
  std::uint64_t h = k1 ^ (s.size() * k2);
  const char* p = s.data();
  std::size_t n = s.size();
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = rotl(h ^ (w * k2), 31) * k1;
    p += 8;
    n -= 8;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = rotl(h ^ (tail * k2), 31) * k1;
  return fmix(h);
}

namespace {

/// The value a slot stores for hash `h`: `h` mixed again (a bijection, so
/// no new collisions), because callers bring hashes of any quality (FNV-1a
/// from the state store clusters in its low bits, which pick the slot), and
/// never 0, the empty slot.
std::uint64_t slot_value(std::uint64_t h) noexcept {
  h = fmix(h);
  return h == 0 ? 1 : h;
}

} // namespace

bool seen_set::contains(std::uint64_t h) const noexcept {
  if (slots_.empty())
    return false;
  return contains_slot_value(slot_value(h));
}

bool seen_set::contains_slot_value(std::uint64_t h) const noexcept {
  std::size_t i = h & mask_;
  for (std::size_t dist = 0;; ++dist, i = (i + 1) & mask_) {
    auto cur = slots_[i];
    if (cur == h)
      return true;
    if (cur == 0 || ((i - (cur & mask_)) & mask_) < dist)
      return false;
  }
}

bool seen_set::insert(std::uint64_t h) {
  h = slot_value(h);
  if (!slots_.empty() && contains_slot_value(h))
    return false;
  if ((size_ + 1) * 8 > slots_.size() * 7)
    grow(slots_.empty() ? 16 : slots_.size() * 2);
  place(h);
  ++size_;
  return true;
}

void seen_set::place(std::uint64_t h) noexcept {
  std::size_t i = h & mask_;
  std::size_t dist = 0;
  while (true) {
    auto& cur = slots_[i];
    if (cur == 0) {
      cur = h;
      return;
    }
    auto cur_dist = (i - (cur & mask_)) & mask_;
    if (cur_dist < dist) {
      std::swap(cur, h);
      dist = cur_dist;
    }
    i = (i + 1) & mask_;
    ++dist;
  }
}

void seen_set::grow(std::size_t new_capacity) {
  std::vector<std::uint64_t> old;
  old.swap(slots_);
  slots_.assign(new_capacity, 0);
  mask_ = new_capacity - 1;
  for (auto h : old)
    if (h != 0)
      place(h);
}

void seen_set::reserve(std::size_t n) {
  std::size_t cap = slots_.empty() ? 16 : slots_.size();
  while (n * 8 > cap * 7)
    cap *= 2;
  if (cap != slots_.size())
    grow(cap);
}

} // namespace actio::crawl
