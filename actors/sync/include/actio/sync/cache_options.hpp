// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "actio/clock.hpp"

namespace actio {

/// How a `cache` bounds what it keeps.
struct cache_options {
  /// Most values kept at once; the least recently used goes first. 0 means
  /// no limit.
  std::size_t capacity = 0;

  /// How long a loaded value stays valid, on the runtime's clock (so that
  /// virtual time expires it too); a get after that loads it again. Unset
  /// means forever.
  std::optional<duration> ttl;
};

/// What a cache has done so far.
struct cache_stats {
  std::uint64_t hits = 0;      ///< gets answered from a stored value
  std::uint64_t coalesced = 0; ///< gets that joined a load in flight
  std::uint64_t loads = 0;     ///< loads started
  std::uint64_t errors = 0;    ///< loads that failed (never stored)
  std::uint64_t evictions = 0; ///< values dropped for capacity
  std::size_t size = 0;        ///< values stored now
};

} // namespace actio
