// SPDX-License-Identifier: Apache-2.0
#include "request_defaults.hpp"

#include <cstdlib>
#include <new>

namespace actio::http::detail {

namespace {

/// Appends `line` to `list`; throws std::bad_alloc (freeing `list`).
curl_slist* append_or_throw(curl_slist* list, const std::string& line) {
  auto* next = curl_slist_append(list, line.c_str());
  if (next == nullptr) {
    curl_slist_free_all(list);
    throw std::bad_alloc();
  }
  return next;
}

/// Set and not empty, as curl_getenv reads it.
bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && v[0] != '\0';
}

} // namespace

std::string request_defaults::accepted_encodings() {
  const auto* info = curl_version_info(CURLVERSION_NOW);
  std::string list;
  auto add = [&](const char* name) {
    if (!list.empty())
      list += ", ";
    list += name;
  };
  if ((info->features & CURL_VERSION_LIBZ) != 0) {
    add("deflate");
    add("gzip");
  }
  if ((info->features & CURL_VERSION_BROTLI) != 0)
    add("br");
  if ((info->features & CURL_VERSION_ZSTD) != 0)
    add("zstd");
  return list.empty() ? "identity" : list;
}

request_defaults::request_defaults(const std::string& user_agent)
    : encodings_(accepted_encodings()) {
  if (!user_agent.empty())
    user_agent_line_ = "User-Agent: " + user_agent;
  encoding_line_ = "Accept-Encoding: " + encodings_;
  if (!user_agent_line_.empty()) {
    plain_ = append_or_throw(nullptr, user_agent_line_);
    try {
      with_encoding_ = append_or_throw(nullptr, user_agent_line_);
    } catch (...) {
      curl_slist_free_all(plain_);
      throw;
    }
  }
  try {
    with_encoding_ = append_or_throw(with_encoding_, encoding_line_);
  } catch (...) {
    curl_slist_free_all(plain_);
    throw;
  }
  // The variables curl 7.88 consults for http and https URLs (it never
  // reads HTTP_PROXY in upper case).
  for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY",
                           "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"})
    env_proxy_ = env_proxy_ || env_set(name);
}

request_defaults::~request_defaults() {
  curl_slist_free_all(plain_);
  curl_slist_free_all(with_encoding_);
}

bool request_defaults::append_missing(curl_slist*& list, const header_map& own,
                                      bool accept_compressed) const {
  auto append = [&](const std::string& line) {
    auto* next = curl_slist_append(list, line.c_str());
    if (next == nullptr)
      return false;
    list = next;
    return true;
  };
  if (!user_agent_line_.empty() && own.count("User-Agent") == 0 &&
      !append(user_agent_line_))
    return false;
  if (accept_compressed && own.count("Accept-Encoding") == 0 &&
      !append(encoding_line_))
    return false;
  return true;
}

} // namespace actio::http::detail
