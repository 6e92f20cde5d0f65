// SPDX-License-Identifier: Apache-2.0
#include "redirect_chain.hpp"

#include "actio/crawl/core/url.hpp"
#include "actio/http/client.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace actio::crawl::detail {

namespace {

std::string why_refused(url_filter::verdict v) {
  switch (v) {
  case url_filter::verdict::not_http:
    return "not an http(s) URL";
  case url_filter::verdict::off_domain:
    return "off the allowed domains";
  case url_filter::verdict::private_host:
    return "a private or loopback host";
  case url_filter::verdict::allowed:
    break;
  }
  return "refused";
}

http::result chain_error(http::error_kind kind, std::string message,
                         std::string url) {
  http::error e;
  e.kind = kind;
  e.message = std::move(message);
  e.url = std::move(url);
  return http::result{std::move(e)};
}

} // namespace

bool is_followed_redirect(int status) noexcept {
  return status == 301 || status == 302 || status == 303 || status == 307 ||
         status == 308;
}

namespace {

/// What to do after one hop.
struct hop_decision {
  enum class action {
    finish, ///< the answer is the result (maybe with `refused`)
    fail,   ///< `error` is the result
    follow, ///< fetch `next` (once robots.txt allows it)
  };
  action what = action::finish;
  std::optional<std::string> refused;
  std::optional<http::result> error;
  std::string next;
};

/// Decides on `fetched`, the answer for `url` (hop number `hop`), without
/// any co_await (GCC 12 mishandles temporaries in complex co_await
/// expressions, so the coroutine below stays trivial).
hop_decision decide(const http::result& fetched, const std::string& url,
                    const std::vector<std::string>& visited, long hop,
                    long max_redirects, const url_filter& filter) {
  using action = hop_decision::action;
  hop_decision d;
  if (!fetched || !is_followed_redirect(fetched.value().status))
    return d;
  const auto& headers = fetched.value().headers;
  auto location = headers.find("Location");
  if (location == headers.end() || location->second.empty())
    return d;
  auto target = resolve(url, location->second);
  if (!target) {
    d.refused = "invalid redirect target '" + location->second +
                "': " + target.error().message;
    return d;
  }
  d.next = std::move(target).value();
  if (std::find(visited.begin(), visited.end(), d.next) != visited.end()) {
    d.what = action::fail;
    d.error = chain_error(
        http::error_kind::redirect_loop,
        "redirect_loop: " + url + " redirects back to " + d.next, url);
    return d;
  }
  if (hop >= max_redirects) {
    d.what = action::fail;
    d.error = chain_error(http::error_kind::too_many_redirects,
                          "too_many_redirects: more than " +
                              std::to_string(max_redirects) +
                              " redirects (last to " + d.next + ")",
                          url);
    return d;
  }
  if (auto v = filter.check(d.next); v != url_filter::verdict::allowed) {
    d.refused = "redirect to " + d.next + " not followed: " + why_refused(v);
    return d;
  }
  d.what = action::follow;
  return d;
}

} // namespace

std::string refusal_reason(robots_answer answer) {
  switch (answer) {
  case robots_answer::allowed:
    return {};
  case robots_answer::disallowed:
    return "disallowed by robots.txt";
  case robots_answer::unavailable:
    return "its robots.txt could not be fetched";
  case robots_answer::stopping:
    return "the crawl is stopping";
  }
  return {};
}

task<chain_result> fetch_redirect_chain(http::client& http, std::string url,
                                        http::request_options request,
                                        long max_redirects,
                                        const url_filter& filter,
                                        const robots_check& robots) {
  using action = hop_decision::action;
  request.max_redirects = 0;
  std::vector<std::string> visited{url};
  for (long hop = 0;; ++hop) {
    future<http::result> pending = http.get(url, request);
    http::result fetched = co_await std::move(pending);
    hop_decision d = decide(fetched, url, visited, hop, max_redirects, filter);
    if (d.what == action::fail)
      co_return chain_result{std::move(*d.error), std::nullopt};
    if (d.what == action::finish)
      co_return chain_result{std::move(fetched), std::move(d.refused)};
    if (robots) {
      future<robots_answer> verdict = robots(d.next);
      robots_answer answer = co_await std::move(verdict);
      if (answer != robots_answer::allowed) {
        std::string why = "redirect to " + d.next +
                          " not followed: " + refusal_reason(answer);
        co_return chain_result{std::move(fetched), std::move(why)};
      }
    }
    visited.push_back(d.next);
    url = std::move(d.next);
  }
}

} // namespace actio::crawl::detail
