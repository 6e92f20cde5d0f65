// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http/error.hpp"
#include "actio/http/request_error.hpp"
#include "actio/http/response.hpp"
#include "actio/outcome.hpp"

namespace actio::http {

/// Throws `request_error` (URL, kind, message) for `err`: what
/// `result::value()` does when the transfer failed.
[[noreturn]] inline void throw_error(const error& err) {
  throw request_error(err);
}

/// Either a response or an error: what an engine callback receives and a
/// client's future completes with. Transport failures are values (a
/// crawler inspects them); `value()` of one throws `request_error`.
using result = outcome<response, error>;

} // namespace actio::http
