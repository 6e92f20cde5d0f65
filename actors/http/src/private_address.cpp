// SPDX-License-Identifier: Apache-2.0
#include "actio/http/private_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace actio::http {

namespace {

bool private_v4(const unsigned char* a) noexcept {
  return a[0] == 127 || a[0] == 10 || a[0] == 0 ||
         (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
         (a[0] == 169 && a[1] == 254) || (a[0] == 100 && (a[1] & 0xc0) == 64);
}

} // namespace

bool is_private_address(std::string_view ip) noexcept {
  if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']')
    ip = ip.substr(1, ip.size() - 2);
  if (ip.empty() || ip.size() >= 64)
    return false;
  std::array<char, 64> text{};
  std::memcpy(text.data(), ip.data(), ip.size());
  if (auto pct = std::strchr(text.data(), '%'))
    *pct = '\0'; // zone id of a link-local address
  std::array<unsigned char, 16> a{};
  if (inet_pton(AF_INET, text.data(), a.data()) == 1)
    return private_v4(a.data());
  if (inet_pton(AF_INET6, text.data(), a.data()) != 1)
    return false;
  bool zero10 = std::all_of(a.begin(), a.begin() + 10,
                            [](unsigned char b) { return b == 0; });
  if (zero10 && a[10] == 0xff && a[11] == 0xff)
    return private_v4(a.data() + 12);
  if (zero10 && a[10] == 0 && a[11] == 0 && a[12] == 0 && a[13] == 0 &&
      a[14] == 0 && a[15] <= 1)
    return true; // :: and ::1
  if ((a[0] & 0xfe) == 0xfc)
    return true;                                // fc00::/7
  return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; // fe80::/10
}

} // namespace actio::http
