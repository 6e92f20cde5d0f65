// SPDX-License-Identifier: Apache-2.0
#include "robots_fetcher.hpp"

#include <utility>

namespace actio::crawl::detail {

robots_fetcher::robots_fetcher(http::client& http, const crawl_options& options,
                               bool refuse_private_addresses,
                               result_fn on_result)
    : http_(http), on_result_(std::move(on_result)) {
  request_.total_timeout = options.timeout;
  request_.connect_timeout = options.connect_timeout;
  request_.max_body_bytes = 4u << 20;
  request_.max_redirects = 5;
  request_.refuse_private_addresses = refuse_private_addresses;
}

void robots_fetcher::fetch(const std::string& origin,
                           const actio::detail::closure_actor& actor) {
  auto f = http_.get(origin + "/robots.txt", request_);
  std::erase_if(in_flight_, [](const auto& g) { return g.done(); });
  in_flight_.push_back(f);
  f.add_done_callback(
      [](const future<http::result>& h, actio::detail::closure_actor self,
         robots_fetcher* fetcher, std::string from) {
        if (h.cancelled())
          return;
        self.post([fetcher, from = std::move(from), h]() mutable {
          fetcher->on_result_(from, h.result());
        });
      },
      actor, this, origin);
}

void robots_fetcher::cancel_all() {
  for (auto& f : in_flight_)
    f.cancel();
  in_flight_.clear();
}

} // namespace actio::crawl::detail
