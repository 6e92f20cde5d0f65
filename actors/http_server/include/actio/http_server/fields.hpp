// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <string_view>

namespace actio::http_server {

/// Orders field names ASCII-case-insensitively, as HTTP compares them.
struct field_name_less {
  using is_transparent = void;

  /// Returns true when `a` sorts before `b` ignoring ASCII case.
  bool operator()(std::string_view a, std::string_view b) const noexcept {
    auto fold = [](char c) {
      auto u = static_cast<unsigned char>(c);
      return u >= 'A' && u <= 'Z' ? static_cast<unsigned char>(u + 32) : u;
    };
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [&](char x, char y) { return fold(x) < fold(y); });
  }
};

/// Header fields: a multi-map keyed by case-insensitive name that keeps
/// repeated fields in arrival order.
using fields = std::multimap<std::string, std::string, field_name_less>;

/// The value of the first field `name` in `f`, or null.
inline const std::string* find_field(const fields& f, std::string_view name) {
  auto it = f.find(name);
  return it == f.end() ? nullptr : &it->second;
}

} // namespace actio::http_server
