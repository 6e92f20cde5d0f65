// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <string>

namespace actio::http {

/// Orders header names ASCII-case-insensitively, as HTTP compares them.
struct header_name_less {
  /// Returns true when `a` sorts before `b` ignoring ASCII case.
  bool operator()(const std::string& a, const std::string& b) const noexcept {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
          return std::tolower(static_cast<unsigned char>(x)) <
                 std::tolower(static_cast<unsigned char>(y));
        });
  }
};

/// HTTP header fields: a multi-map keyed by case-insensitive name that keeps
/// repeated fields (e.g. several `Set-Cookie`) in arrival order.
using header_map = std::multimap<std::string, std::string, header_name_less>;

} // namespace actio::http
