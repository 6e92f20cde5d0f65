// SPDX-License-Identifier: Apache-2.0
// Private helpers shared by url.cpp and robots.cpp: ASCII case and
// percent-encoding normalisation (RFC 3986 section 6.2.2).
#pragma once

#include "actio/detail/ascii.hpp"
#include <cstdint>
#include <string>
#include <string_view>

namespace actio::crawl::detail {

/// Value of a hex digit, or -1.
constexpr int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// RFC 3986 unreserved: ALPHA DIGIT - . _ ~
constexpr bool unreserved(unsigned char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

/// Bytes that never appear raw in a normalised path or query.
constexpr bool must_encode(unsigned char c) noexcept {
  return c <= 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' ||
         c == '\\' || c == '^' || c == '`' || c == '{' || c == '|' || c == '}';
}

/// Appends `%XX` (upper-case hex) for byte `c`.
inline void append_escape(std::string& out, unsigned char c) {
  constexpr char digits[] = "0123456789ABCDEF";
  out.push_back('%');
  out.push_back(digits[c >> 4]);
  out.push_back(digits[c & 0xf]);
}

/// Appends `in` with percent-encoding normalised: escapes of unreserved
/// characters decoded, other escapes upper-cased, a `%` that starts no
/// escape encoded as `%25`, and bytes `must_encode` says so encoded. When
/// `path` is true a backslash becomes `/` (as browsers read it).
inline void append_normalised(std::string& out, std::string_view in,
                              bool path) {
  for (std::size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    if (c == '%') {
      int hi = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
      int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        auto v = static_cast<unsigned char>(hi * 16 + lo);
        if (unreserved(v))
          out.push_back(static_cast<char>(v));
        else
          append_escape(out, v);
        i += 2;
      } else {
        out.append("%25");
      }
    } else if (path && c == '\\') {
      out.push_back('/');
    } else if (must_encode(c)) {
      append_escape(out, c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
}

} // namespace actio::crawl::detail
