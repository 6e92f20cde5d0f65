// SPDX-License-Identifier: Apache-2.0
#include "actio/http/request_error.hpp"

#include <utility>

namespace actio::http {

namespace {

std::string describe(const http::error& e) {
  std::string what = "HTTP request to " +
                     (e.url.empty() ? std::string("an unknown URL") : e.url) +
                     " failed (" + std::string(to_string(e.kind)) + ")";
  if (!e.message.empty())
    what += ": " + e.message;
  return what;
}

} // namespace

request_error::request_error(http::error err)
    : std::runtime_error(describe(err)), error_(std::move(err)) {}

} // namespace actio::http
