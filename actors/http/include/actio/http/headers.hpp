// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <map>
#include <string>

namespace actio::http {

/// Orders header names ASCII-case-insensitively, as HTTP compares them.
struct header_name_less {
  /// Returns true when `a` sorts before `b` ignoring ASCII case.
  bool operator()(const std::string& a, const std::string& b) const noexcept {
    // ASCII only, as header names are tokens; no locale lookups.
    auto fold = [](char c) {
      auto u = static_cast<unsigned char>(c);
      return u >= 'A' && u <= 'Z' ? static_cast<unsigned char>(u + 32) : u;
    };
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [&](char x, char y) { return fold(x) < fold(y); });
  }
};

/// HTTP header fields: a multi-map keyed by case-insensitive name that keeps
/// repeated fields (e.g. several `Set-Cookie`) in arrival order.
using header_map = std::multimap<std::string, std::string, header_name_less>;

} // namespace actio::http
