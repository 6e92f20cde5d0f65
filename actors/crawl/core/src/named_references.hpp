// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string_view>

namespace actio::crawl::detail {

/// One named character reference of the HTML standard: its name without the
/// `&` (with the `;` when the name has one) and the one or two code points
/// it stands for (`second` is 0 for one).
struct named_reference {
  std::string_view name;
  char32_t first;
  char32_t second;
};

/// The standard's table, sorted by name (byte order).
extern const named_reference named_references[];
/// The number of entries in `named_references`.
extern const std::size_t named_reference_count;

} // namespace actio::crawl::detail
