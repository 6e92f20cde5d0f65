// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/core/links.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace actio::crawl {

class crawl_router;

/// The embedded demo site (`demo_server`) a crawl runs on: what it takes to
/// serve the same site at the same URLs again when the crawl is resumed.
struct demo_origin {
  /// The port it is served on (its URLs name it).
  std::uint16_t port = 0;
  /// `demo_site_options::page_count`.
  std::size_t pages = 0;
  /// `demo_site_options::seed`.
  std::uint64_t seed = 1;

  friend bool operator==(const demo_origin&, const demo_origin&) = default;
};

/// Everything a `crawler` is configured with; `actio-crawl`'s options map
/// onto it one to one (see docs/crawler.md).
///
/// With a `state_path` that already holds a crawl, the start URLs, allowed
/// domains and depth limit are that crawl's: left empty they are taken
/// from the state, given they must be the same (else `crawl_scope_error`),
/// unless `add_seeds` is set. See `continue_stored_crawl`.
struct crawl_options {
  /// Start URLs (any http(s) form; they are canonicalised), depth 0. A
  /// resumed crawl skips seeds its state has already seen.
  std::vector<std::string> seeds;
  /// With a state that holds a crawl: `seeds` (and their hosts, or
  /// `allowed_domains`) are added to it instead of having to be its own.
  bool add_seeds = false;
  /// The demo site this crawl runs on, recorded in the state (none for a
  /// crawl of the web).
  std::optional<demo_origin> demo;
  /// At most this many pages (output lines) in the whole crawl: the pages
  /// of earlier runs of a resumed crawl count, so a run may fetch none.
  /// URLs beyond it stay pending in the state for a later run with a
  /// higher limit. Not stored: each run gives its own (default: none).
  std::size_t max_pages = std::numeric_limits<std::size_t>::max();
  /// Links deeper than this are not followed (seeds are depth 0).
  std::optional<std::uint32_t> max_depth;
  /// Fetches in flight at most, over all hosts: the number of worker tasks.
  std::size_t concurrency = 16;
  /// Fetches in flight at most per host.
  std::uint32_t per_host = 2;
  /// Minimum time between the starts of two fetches to one host; a longer
  /// robots.txt Crawl-delay wins, capped at `max_crawl_delay`.
  std::chrono::milliseconds delay{1000};
  /// Cap of a robots.txt Crawl-delay.
  std::chrono::milliseconds max_crawl_delay{30'000};
  /// Tries per URL for transient failures (timeouts, resets, 429, 5xx).
  std::uint32_t max_attempts = 3;
  /// Backoff after the first transient failure; doubles per failure,
  /// jittered into [d/2, d]; a Retry-After header replaces it.
  std::chrono::milliseconds backoff{1000};
  /// Links found on a page wait at most this long for the pages of lower
  /// depths still queued or in flight, which may link to the same URLs at
  /// a shorter distance; a page that failed once no longer holds them
  /// back. Depths are shortest link distances whenever the lower levels
  /// finish within it (always on the demo site); 0 admits links at once.
  std::chrono::milliseconds depth_wait{2000};
  /// Hosts (and their sub-domains) the crawl may visit; empty means the
  /// seeds' hosts.
  std::vector<std::string> allowed_domains;
  /// User-Agent header; its first product token (before '/') is the name
  /// matched against robots.txt groups.
  std::string user_agent = "actio-crawl/0.1";
  /// Fetch and honour robots.txt (RFC 9309) per origin before its first
  /// page.
  bool obey_robots = true;
  /// Also visit loopback, private and link-local hosts (and `*.localhost`).
  /// Without it they are refused unless a seed is itself such a host.
  bool allow_private = false;
  /// Whole-fetch time limit (redirects included).
  std::chrono::milliseconds timeout{30'000};
  /// Connect (DNS + TCP + TLS) time limit.
  std::chrono::milliseconds connect_timeout{10'000};
  /// The HTML parser that extracts links and titles (`link_options::parser`):
  /// actio's scanner, or libxml2. Not stored: each run gives its own.
  html_parser parser = html_parser::scanner;
  /// Larger bodies are aborted and recorded as errors (`too_large`).
  std::size_t max_page_bytes = 10u << 20;
  /// Redirects followed per fetch.
  long max_redirects = 5;
  /// SQLite state file for resuming; empty: none (requires `out_path`).
  std::string state_path;
  /// JSON Lines output, appended to; empty: records are not written.
  std::string out_path;
  /// Finished pages are written out and marked done at least this often.
  std::chrono::milliseconds flush_interval{200};
  /// ... or as soon as this many wait.
  std::size_t flush_pages = 256;
  /// Keep every output record of this run in `crawl_stats::records`.
  bool keep_records = false;
  /// Set: this crawler is one node of a multi-node crawl. URLs of hosts it
  /// does not own go to the router instead of the frontier, seeds are
  /// optional, and `crawler::run` does not complete when the node is idle
  /// (other nodes may still send URLs) but on `crawler::finish` or `stop`.
  /// `max_pages` then counts this node's pages only.
  std::shared_ptr<crawl_router> router;
};

} // namespace actio::crawl
