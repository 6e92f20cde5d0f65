// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// ASCII text helpers shared by actio's libraries (HTTP headers, robots.txt,
// URLs): locale-independent, never allocating except `to_lower`.
namespace actio::detail {

/// ASCII lower-case of one character; other bytes unchanged.
constexpr char ascii_lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// Case-insensitive ASCII equality.
constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i]))
      return false;
  return true;
}

/// Whether `c` is a space, tab, CR or LF.
constexpr bool ascii_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/// `s` without leading and trailing spaces, tabs, CRs and LFs.
constexpr std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && ascii_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && ascii_space(s.back()))
    s.remove_suffix(1);
  return s;
}

/// An ASCII lower-case copy of `s`.
inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    c = ascii_lower(c);
  return out;
}

} // namespace actio::detail
