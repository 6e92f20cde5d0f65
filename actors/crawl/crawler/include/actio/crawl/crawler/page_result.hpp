// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/core/frontier.hpp"
#include "actio/crawl/core/links.hpp"
#include "actio/crawl/store/jsonl_sink.hpp"
#include "actio/http/result.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace actio::crawl {

/// What a crawler worker learned from one fetch: the output line, the links
/// to follow and how the frontier should count it.
struct page_result {
  /// The frontier lease the fetch was for.
  lease job;
  /// The output line; `error` is set for transport failures and HTTP
  /// statuses >= 400 ("HTTP 404").
  fetch_record record;
  /// Canonical links to follow (rel=nofollow and meta nofollow respected);
  /// empty unless the page is a 2xx HTML page and links are wanted.
  std::vector<std::string> links;
  /// Success, or a transient failure worth retrying (timeouts, resets,
  /// refused connections, 408, 429, 5xx), or a permanent one.
  fetch_verdict result;
  /// Short classification for statistics: empty on a 2xx/3xx response,
  /// "http_404", "http_500", ... for HTTP errors, the `http::error_kind`
  /// name ("timeout", "redirect_loop", ...) for transport errors.
  std::string error_kind;
};

/// Whether a Content-Type is parsed for links: text/html and
/// application/xhtml+xml (parameters and case ignored).
bool is_html_content_type(std::string_view content_type) noexcept;

/// Reads a Retry-After value: delta-seconds or an HTTP-date (relative to
/// the system clock now); none when absent or unreadable.
std::optional<std::chrono::milliseconds>
parse_retry_after(std::string_view value);

/// Turns the result of fetching `job.url` into a `page_result`: fills the
/// record (canonical final URL, status, content type, size, title, link
/// count, time), extracts links with `options.parser` when the response is HTML
/// (the title for any status, links only for 2xx and only when
/// `follow_links`), and classifies failures for retry. Pure and
/// thread-safe: workers call it on their own actor, off the I/O thread.
page_result process_fetch(const lease& job, const http::result& fetched,
                          std::chrono::milliseconds fetch_ms, bool follow_links,
                          const link_options& options = default_link_options());

} // namespace actio::crawl
