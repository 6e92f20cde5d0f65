// SPDX-License-Identifier: Apache-2.0
#include "actio/http/error.hpp"

namespace actio::http {

std::string_view to_string(error_kind kind) noexcept {
  switch (kind) {
  case error_kind::dns:
    return "dns";
  case error_kind::connect_refused:
    return "connect_refused";
  case error_kind::connect_timeout:
    return "connect_timeout";
  case error_kind::timeout:
    return "timeout";
  case error_kind::reset:
    return "reset";
  case error_kind::tls:
    return "tls";
  case error_kind::too_large:
    return "too_large";
  case error_kind::too_many_redirects:
    return "too_many_redirects";
  case error_kind::redirect_loop:
    return "redirect_loop";
  case error_kind::malformed:
    return "malformed";
  case error_kind::truncated:
    return "truncated";
  case error_kind::cancelled:
    return "cancelled";
  case error_kind::shutdown:
    return "shutdown";
  case error_kind::invalid_url:
    return "invalid_url";
  case error_kind::private_address:
    return "private_address";
  case error_kind::other:
    return "other";
  }
  return "other";
}

} // namespace actio::http
