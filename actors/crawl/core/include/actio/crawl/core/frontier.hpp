// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/core/host_queue.hpp"
#include "actio/crawl/core/politeness.hpp"
#include "actio/crawl/core/seen_set.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace actio::crawl {

/// Limits and politeness of a `frontier`.
struct frontier_options {
  /// Per-host politeness: concurrency, delays, backoff, retries.
  politeness_options politeness;
  /// At most this many distinct URLs are ever admitted (so at most this many
  /// pages are fetched).
  std::size_t max_pages = std::numeric_limits<std::size_t>::max();
  /// URLs deeper than this are not admitted (seeds are depth 0).
  std::uint32_t max_depth = std::numeric_limits<std::uint32_t>::max();
  /// When set, only URLs whose host it accepts are admitted (e.g. a
  /// `domain_allowed` check); called synchronously inside `add`.
  std::function<bool(std::string_view host)> host_filter;
  /// Seed of the backoff jitter: equal seeds give equal schedules.
  std::uint64_t seed = 0x5eed;
};

/// What `frontier::add` did with a URL.
enum class add_status {
  added,         ///< new URL, now queued
  duplicate,     ///< seen before (queued, in flight or finished)
  invalid,       ///< not a canonical http(s) URL with a host
  filtered,      ///< `host_filter` refused the host
  too_deep,      ///< deeper than `max_depth`
  limit_reached, ///< `max_pages` URLs already admitted
};

/// One URL handed out for fetching; give it back with `frontier::complete`.
class lease {
public:
  /// The canonical URL to fetch.
  std::string url;
  /// Its host (politeness key).
  std::string host;
  /// Link depth, 0 for seeds.
  std::uint32_t depth = 0;
  /// Which try this is: 1 for the first.
  std::uint32_t attempt = 1;
  /// Unique per lease of this frontier.
  std::uint64_t id = 0;

private:
  friend class frontier;
  std::uint32_t host_index_ = 0;
  std::uint64_t seq_ = 0;
};

/// How a fetch ended, as the frontier needs to know it.
struct fetch_verdict {
  /// Success, failure worth retrying, or final failure.
  enum class kind { success, transient, permanent };
  /// Which of the three.
  kind what = kind::success;
  /// For transient failures (429, 503): the server's Retry-After.
  std::optional<std::chrono::milliseconds> retry_after;
  /// Why it failed, kept in the give-up result.
  std::string reason;

  /// The page was fetched (whatever its status, if no retry is wanted).
  static fetch_verdict success() { return {}; }
  /// Timeouts, resets, 5xx, 429: retry later, after `retry_after` if given.
  static fetch_verdict
  transient(std::string why,
            std::optional<std::chrono::milliseconds> after = {}) {
    return {kind::transient, after, std::move(why)};
  }
  /// 4xx, invalid content, robots disallow: never retry.
  static fetch_verdict permanent(std::string why) {
    return {kind::permanent, std::nullopt, std::move(why)};
  }
};

/// What `frontier::complete` did with a finished lease.
struct completion {
  /// The four possible results.
  enum class kind {
    done,            ///< counted as done
    retry_scheduled, ///< queued again; due at `retry_at`
    gave_up,         ///< transient failure on the last allowed try
    failed,          ///< permanent failure
    unknown_lease,   ///< not a lease in flight (completed twice?): ignored
  };
  /// Which of them.
  kind what = kind::done;
  /// For `retry_scheduled`: when the URL may be fetched again (with a
  /// Retry-After: when its host may be asked again).
  std::chrono::steady_clock::time_point retry_at{};
  /// For `gave_up` and `failed`: the verdict's reason and the try count.
  std::string reason;
};

/// The crawl frontier: which URL to fetch next, and when.
///
/// Keeps a seen-set of URL hashes (each URL is admitted once, ever), one
/// queue per host ordered by depth then arrival, and per-host politeness:
/// at most `max_in_flight_per_host` leases per host, `start_delay` between
/// lease starts to a host, exponential backoff with jitter after transient
/// failures (only the failed URL waits; its host keeps serving the others),
/// a Retry-After (429/503: the server says it is overloaded, so the whole
/// host waits), a retry limit.
/// `next_ready` hands out, among hosts that may start a request now, the URL
/// of lowest depth (ties: earliest added), so the crawl is breadth-first.
///
/// A plain data structure: no threads, no clock of its own (every call that
/// depends on time takes `now`), not thread-safe; one owner (an actor)
/// calls it.
class frontier {
public:
  /// The clock the time points come from.
  using clock = std::chrono::steady_clock;

  /// An empty frontier.
  explicit frontier(frontier_options opts = {});

  /// Admits a canonical URL (see `canonicalize`) found at `depth`;
  /// `attempts` is the number of tries already made and failed (a URL
  /// restored from a saved crawl), so it gets `max_attempts - attempts`
  /// more. A URL with `attempts >= max_attempts` still gets one try.
  add_status add(std::string_view url, std::uint32_t depth,
                 std::uint32_t attempts = 0);

  /// The next URL to fetch at time `now`, or none when no host may start a
  /// request now (see `next_wakeup`). Counts the lease as in flight.
  std::optional<lease> next_ready(clock::time_point now);

  /// Reports how the fetch of `l` ended at `now`; call exactly once per
  /// lease. A second call (or a foreign lease) returns `unknown_lease` and
  /// changes nothing.
  completion complete(const lease& l, const fetch_verdict& result,
                      clock::time_point now);

  /// When `next_ready` may return a URL next: a time at or before the
  /// current time when one is ready already; none when no URL waits or all
  /// waiting hosts are at their in-flight cap (a `complete` changes that).
  std::optional<clock::time_point> next_wakeup() const;

  /// Sets the robots.txt Crawl-delay of `host` (capped by
  /// `max_crawl_delay`); nullopt removes it. Applies from the host's last
  /// request start on.
  void set_crawl_delay(std::string_view host,
                       std::optional<std::chrono::milliseconds> delay);

  /// Lets no request to `host` start before `until` (e.g. while its
  /// robots.txt is unreachable).
  void delay_host(std::string_view host, clock::time_point until);

  /// URLs waiting in queues.
  std::size_t queued() const noexcept { return queued_; }
  /// Leases not yet completed.
  std::size_t in_flight() const noexcept { return leases_.size(); }
  /// Leases completed as success.
  std::size_t done() const noexcept { return done_; }
  /// URLs given up or failed permanently.
  std::size_t failed() const noexcept { return failed_; }
  /// Hosts ever seen.
  std::size_t hosts() const noexcept { return hosts_.size(); }
  /// Hosts with URLs queued that wait out their politeness delay.
  std::size_t hosts_waiting() const noexcept { return timed_.size(); }
  /// Distinct URLs admitted.
  std::size_t admitted() const noexcept { return seen_.size(); }
  /// True when nothing is queued or in flight: the crawl is over.
  bool idle() const noexcept { return queued_ == 0 && leases_.empty(); }
  /// Approximate bytes the frontier owns (tables, queues, URL copies;
  /// without malloc overhead).
  std::size_t memory_bytes() const noexcept;

private:
  enum class place_kind : std::uint8_t { none, timed, ready };
  struct host_state {
    std::string name;
    host_queue queue;
    std::uint32_t in_flight = 0;
    clock::time_point ready_at{};
    std::optional<clock::time_point> last_start;
    std::optional<std::chrono::milliseconds> crawl_delay;
    place_kind where = place_kind::none;
  };
  struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  host_state* find_host(std::string_view host);
  std::uint32_t host_index(std::string_view host);
  struct delayed_retry {
    clock::time_point due;
    std::string url;
    std::uint32_t host = 0;
    std::uint32_t depth = 0;
    std::uint32_t attempts = 0;
    std::uint64_t seq = 0;
  };
  struct due_later {
    bool operator()(const delayed_retry& a,
                    const delayed_retry& b) const noexcept {
      return a.due > b.due;
    }
  };

  void unplace(std::uint32_t h);
  void place(std::uint32_t h);
  void release_due_retries(clock::time_point now);

  frontier_options opts_;
  seen_set seen_;
  std::vector<host_state> hosts_;
  std::unordered_map<std::string, std::uint32_t, string_hash, std::equal_to<>>
      host_ids_;
  std::set<std::pair<clock::time_point, std::uint32_t>> timed_;
  std::set<std::tuple<std::uint32_t, std::uint64_t, std::uint32_t>> ready_;
  std::unordered_set<std::uint64_t> leases_;
  // URLs waiting out their backoff, earliest due first (a min-heap).
  std::vector<delayed_retry> retries_;
  std::mt19937_64 rng_;
  std::uint64_t next_seq_ = 0;
  std::uint64_t next_lease_ = 1;
  std::size_t queued_ = 0;
  std::size_t done_ = 0;
  std::size_t failed_ = 0;
};

} // namespace actio::crawl
