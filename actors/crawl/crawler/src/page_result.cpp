// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/page_result.hpp"
#include "actio/detail/ascii.hpp"

#include "actio/crawl/core/url.hpp"

#include <curl/curl.h>

#include <cctype>
#include <charconv>
#include <ctime>
#include <string>

namespace actio::crawl {

using actio::detail::iequals;
using actio::detail::trim;

namespace {

bool retryable_status(int status) noexcept {
  return status == 408 || status == 429 || status == 500 || status == 502 ||
         status == 503 || status == 504;
}

bool retryable_error(http::error_kind kind) noexcept {
  using k = http::error_kind;
  switch (kind) {
  case k::connect_refused:
  case k::connect_timeout:
  case k::timeout:
  case k::reset:
  case k::truncated:
    return true;
  default:
    return false;
  }
}

} // namespace

bool is_html_content_type(std::string_view content_type) noexcept {
  auto semi = content_type.find(';');
  auto type = trim(content_type.substr(0, semi));
  return iequals(type, "text/html") || iequals(type, "application/xhtml+xml");
}

std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value) {
  value = trim(value);
  if (value.empty())
    return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    long long seconds = 0;
    auto [p, ec] =
        std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || p != value.data() + value.size())
      return std::nullopt;
    return std::chrono::milliseconds{seconds * 1000};
  }
  std::string date(value);
  time_t when = curl_getdate(date.c_str(), nullptr);
  if (when == -1)
    return std::nullopt;
  auto delta =
      static_cast<long long>(when) - static_cast<long long>(std::time(nullptr));
  return std::chrono::milliseconds{delta < 0 ? 0 : delta * 1000};
}

page_result process_fetch(const lease& job, const http::result& fetched,
                          std::chrono::milliseconds fetch_ms, bool follow_links,
                          const link_options& options) {
  page_result out;
  out.job = job;
  auto& rec = out.record;
  rec.url = job.url;
  rec.depth = job.depth;
  rec.fetch_ms =
      static_cast<std::uint64_t>(fetch_ms.count() < 0 ? 0 : fetch_ms.count());
  if (!fetched) {
    const auto& err = fetched.error();
    rec.final_url = job.url;
    rec.error = err.message;
    out.error_kind = std::string(http::to_string(err.kind));
    out.result = retryable_error(err.kind)
                     ? fetch_verdict::transient(out.error_kind)
                     : fetch_verdict::permanent(out.error_kind);
    return out;
  }
  const auto& resp = fetched.value();
  rec.status = resp.status;
  if (auto c = canonicalize(resp.final_url))
    rec.final_url = std::move(c).value();
  else
    rec.final_url = resp.final_url.empty() ? job.url : resp.final_url;
  rec.content_type = resp.content_type;
  rec.bytes = resp.body.size();
  if (is_html_content_type(resp.content_type)) {
    bool want_links = follow_links && resp.status >= 200 && resp.status < 300;
    auto found =
        extract_links(resp.body, rec.final_url, resp.content_type, options);
    rec.title = std::move(found.title);
    rec.links = found.links.size();
    if (want_links)
      out.links = std::move(found.links);
  }
  if (resp.status >= 400) {
    rec.error = "HTTP " + std::to_string(resp.status);
    out.error_kind = "http_" + std::to_string(resp.status);
  }
  if (retryable_status(resp.status)) {
    std::optional<std::chrono::milliseconds> after;
    if (auto it = resp.headers.find("Retry-After"); it != resp.headers.end())
      after = parse_retry_after(it->second);
    out.result = fetch_verdict::transient(out.error_kind, after);
  } else {
    out.result = fetch_verdict::success();
  }
  return out;
}

} // namespace actio::crawl
