// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "support/http_test_server.hpp"

#include <string>
#include <vector>

namespace actio::test {

/// A complete HTTP/1.1 reply with `status`, `body`, its Content-Type and
/// Content-Length, plus `extra` header lines (each ending in "\r\n").
inline http_test_reply site_reply(int status, const std::string& body,
                                  const std::string& type = "text/html",
                                  const std::string& extra = "") {
  return {"HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: " + type +
              "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
              extra + "\r\n" + body,
          false};
}

/// A 200 HTML page linking to each of `paths`.
inline http_test_reply links_to(const std::vector<std::string>& paths) {
  std::string body = "<html><head><title>index</title></head><body>";
  for (const auto& p : paths)
    body += "<a href=\"" + p + "\">" + p + "</a>";
  return site_reply(200, body + "</body></html>");
}

} // namespace actio::test
