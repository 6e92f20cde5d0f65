// SPDX-License-Identifier: Apache-2.0
#include "actio/net/net_error.hpp"

namespace actio {

std::string to_string(net_errc code) {
  switch (code) {
  case net_errc::resolve_failed:
    return "resolve_failed";
  case net_errc::refused:
    return "refused";
  case net_errc::timeout:
    return "timeout";
  case net_errc::reset:
    return "reset";
  case net_errc::incomplete_read:
    return "incomplete_read";
  case net_errc::limit_overrun:
    return "limit_overrun";
  case net_errc::closed:
    return "closed";
  case net_errc::address_in_use:
    return "address_in_use";
  case net_errc::tls_failed:
    return "tls_failed";
  case net_errc::other:
    break;
  }
  return "other";
}

} // namespace actio
