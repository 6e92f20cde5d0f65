// SPDX-License-Identifier: Apache-2.0
#include "crawl_metrics.hpp"

namespace actio::crawl::detail {

crawl_metrics::crawl_metrics(metrics_registry& reg)
    : pages_(reg.add_counter("actio_crawl_pages_total",
                             "Pages finished (written out), by final HTTP "
                             "status; none for a transport error.",
                             {"status"})),
      errors_(reg.add_counter("actio_crawl_errors_total",
                              "Finished pages with an error, by kind "
                              "(http_404, timeout, dns, ...).",
                              {"kind"})) {
  bytes_ = reg.add_counter("actio_crawl_bytes_total",
                           "Body bytes of the finished pages.")
               .with();
  retries_ = reg.add_counter("actio_crawl_retries_total",
                             "Fetches that failed transiently and were "
                             "scheduled again.")
                 .with();
  latency_ = reg.add_histogram("actio_crawl_fetch_duration_seconds",
                               "Time to fetch a page, redirects included "
                               "(every attempt).",
                               latency_buckets())
                 .with();
  frontier_ =
      reg.add_gauge("actio_crawl_frontier_urls", "URLs queued in the frontier.")
          .with();
  in_flight_ =
      reg.add_gauge("actio_crawl_fetches_in_flight", "Fetches in flight.")
          .with();
  hosts_waiting_ = reg.add_gauge("actio_crawl_hosts_waiting",
                                 "Hosts with URLs queued that wait out their "
                                 "politeness delay.")
                       .with();
  robots_cached_ = reg.add_gauge("actio_crawl_robots_cached",
                                 "Origins in the robots.txt cache (fetched, "
                                 "being fetched or failed).")
                       .with();
  robots_parked_ = reg.add_gauge("actio_crawl_robots_parked_urls",
                                 "URLs waiting for their origin's robots.txt.")
                       .with();
}

void crawl_metrics::page(const std::optional<int>& status, std::uint64_t bytes,
                         bool error, const std::string& error_kind) {
  auto code = status.value_or(0);
  auto found = by_status_.find(code);
  if (found == by_status_.end())
    found = by_status_
                .emplace(code,
                         pages_.with({status ? std::to_string(code) : "none"}))
                .first;
  found->second.inc();
  bytes_.inc(bytes);
  if (!error)
    return;
  const std::string& name = error_kind.empty() ? other_ : error_kind;
  auto kind = by_kind_.find(name);
  if (kind == by_kind_.end())
    kind = by_kind_.emplace(name, errors_.with({name})).first;
  kind->second.inc();
}

void crawl_metrics::fetch(std::uint64_t ms) const noexcept {
  latency_.observe(static_cast<double>(ms) / 1000.0);
}

void crawl_metrics::publish(std::size_t frontier, std::size_t in_flight,
                            std::size_t hosts_waiting,
                            std::size_t robots_cached,
                            std::size_t robots_parked) const noexcept {
  frontier_.set(static_cast<double>(frontier));
  in_flight_.set(static_cast<double>(in_flight));
  hosts_waiting_.set(static_cast<double>(hosts_waiting));
  robots_cached_.set(static_cast<double>(robots_cached));
  robots_parked_.set(static_cast<double>(robots_parked));
}

} // namespace actio::crawl::detail
