// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

namespace actio::http {

/// True when `ip`, the text of an IPv4 or IPv6 address (brackets and an
/// IPv6 zone id are ignored), is one a public client must not reach:
/// loopback (127/8, ::1), private (10/8, 172.16/12, 192.168/16, fc00::/7),
/// shared (100.64/10), link-local (169.254/16, fe80::/10), unspecified or
/// "this network" (0/8, ::), and IPv4-mapped forms of those. False for
/// public addresses and for text that is not an address (a host name).
bool is_private_address(std::string_view ip) noexcept;

} // namespace actio::http
