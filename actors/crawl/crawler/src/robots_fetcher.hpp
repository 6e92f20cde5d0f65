// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/crawler/crawl_options.hpp"
#include "actio/detail/closure_actor.hpp"
#include "actio/future.hpp"
#include "actio/http/client.hpp"
#include "actio/unique_function.hpp"

#include <string>
#include <vector>

namespace actio::crawl::detail {

/// The robots.txt requests of the crawler: owns their options (the crawl's
/// timeouts, a 4 MiB body limit, 5 redirects, the private-address rule)
/// and the fetches in flight, so that the end of the crawl cancels them.
/// Used on the coordinator's actor only (no locks).
class robots_fetcher {
public:
  /// Receives an origin and the result of the fetch of its robots.txt.
  using result_fn =
      unique_function<void(const std::string& origin, http::result)>;

  /// Fetches with `http` under `options`' timeouts; hands results to
  /// `on_result`.
  robots_fetcher(http::client& http, const crawl_options& options,
                 bool refuse_private_addresses, result_fn on_result);

  /// GETs `origin`/robots.txt. Once it completes, `on_result` runs on
  /// `actor`, which must own this fetcher: not at all when the fetch was
  /// cancelled or the actor has ended.
  void fetch(const std::string& origin,
             const actio::detail::closure_actor& actor);

  /// Cancels every fetch still in flight (their results never arrive).
  void cancel_all();

private:
  http::client& http_;
  http::request_options request_;
  result_fn on_result_;
  std::vector<future<http::result>> in_flight_;
};

} // namespace actio::crawl::detail
