// SPDX-License-Identifier: Apache-2.0
#pragma once

// The crawler follows redirects itself (curl's FOLLOWLOCATION off) so that
// every hop is checked like a link: allowed domains, the private-host rule,
// http(s) only, and robots.txt. Private to actors/src/crawler.

#include "actio/crawl/crawler/url_filter.hpp"
#include "actio/future.hpp"
#include "actio/http/request.hpp"
#include "actio/http/result.hpp"
#include "actio/task.hpp"

#include <functional>
#include <optional>
#include <string>

namespace actio::http {
class client;
} // namespace actio::http

namespace actio::crawl::detail {

/// What robots.txt says about one URL.
enum class robots_answer {
  allowed,     ///< fetch it
  disallowed,  ///< the policy forbids it
  unavailable, ///< robots.txt could not be fetched after its retries
  stopping,    ///< the crawl ends before robots.txt was known
};

/// Why a redirect to a URL with `answer` is not followed ("disallowed by
/// robots.txt", ...); empty for `allowed`.
std::string refusal_reason(robots_answer answer);

/// Asks robots.txt about a canonical URL; the future completes once with
/// the answer.
using robots_check =
    std::function<future<robots_answer>(const std::string& url)>;

/// The end of a redirect chain.
struct chain_result {
  /// The last response (a 3xx when its target was refused) or the error
  /// (`redirect_loop`, `too_many_redirects`, or a transport error of a hop).
  http::result result;
  /// Set when the last response is a redirect the crawler refused to
  /// follow: why ("off the allowed domains", "disallowed by robots.txt", ...).
  std::optional<std::string> refused;
};

/// Whether `status` is a redirect the crawler follows (301, 302, 303, 307,
/// 308).
bool is_followed_redirect(int status) noexcept;

/// GETs `url`, then each redirect target in turn, at most `max_redirects`
/// hops. Every target is resolved against the URL that answered, made
/// canonical, checked with `filter` and `robots` before it is fetched, and
/// must not repeat a URL of the chain. Each hop is one request with
/// `request` (its `max_redirects` is forced to 0, so its timeouts apply
/// per hop). Completes once on the awaiting task; cancelling the task
/// cancels the hop in flight.
task<chain_result> fetch_redirect_chain(http::client& http, std::string url,
                                        http::request_options request,
                                        long max_redirects,
                                        const url_filter& filter,
                                        const robots_check& robots);

} // namespace actio::crawl::detail
