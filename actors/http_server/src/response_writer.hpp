// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http_server/response.hpp"

#include <string>

namespace actio::http_server::detail {

/// Appends `r` to `out` as an HTTP/1.1 response: status line, the
/// handler's fields (but its own Content-Length, Transfer-Encoding,
/// Connection and Date are replaced), Date, Content-Length, Connection
/// when it differs from the version's default, then the body unless the
/// status has none or the request was HEAD. A field name or value with a
/// CR, LF or NUL (response splitting) turns the response into a 500.
void write_response(std::string& out, const response& r, bool head_request,
                    bool keep_alive, int request_version_minor);

/// The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
/// formatted at most once a second per thread.
const std::string& http_date();

} // namespace actio::http_server::detail
