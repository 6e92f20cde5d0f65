// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/store/jsonl_sink.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace actio::crawl {

/// Live counters of a running crawl, as `crawler::progress()` reads them
/// (each value consistent on its own, not with the others).
struct crawl_progress {
  /// Output lines written (or, without an output file, finished) this run.
  std::uint64_t pages = 0;
  /// Of those, lines with an `error`.
  std::uint64_t errors = 0;
  /// URLs waiting: in the frontier, for their robots.txt, or for output.
  std::uint64_t queued = 0;
  /// Fetches in flight.
  std::uint64_t in_flight = 0;
  /// URLs admitted over the whole crawl (earlier runs included).
  std::uint64_t admitted = 0;
  /// URLs known but beyond `crawl_options::max_pages`, waiting for room.
  std::uint64_t waiting_for_room = 0;
  /// Lines already in the output from earlier runs.
  std::uint64_t resumed = 0;
  /// Seconds since `crawler::run`.
  double elapsed_s = 0;
  /// Nothing queued, parked for robots.txt, held back for depth or in
  /// flight: the crawler does nothing until new URLs are injected.
  bool idle = false;
};

/// What a crawl did, once `crawler::run`'s future completes.
struct crawl_stats {
  /// Output lines written this run.
  std::uint64_t pages = 0;
  /// Body bytes of those pages.
  std::uint64_t bytes = 0;
  /// Of those, lines with an `error` (transport failures and HTTP >= 400).
  std::uint64_t errors = 0;
  /// Lines per final HTTP status; transport errors (no status) under 0.
  std::map<int, std::uint64_t> by_status;
  /// Lines with an error, per kind ("http_404", "timeout", ...).
  std::map<std::string, std::uint64_t> errors_by_kind;
  /// Lines per host (with port when not the default).
  std::map<std::string, std::uint64_t> by_host;
  /// Fetch attempts that failed transiently and were scheduled again.
  std::uint64_t retries = 0;
  /// Links not fetched because robots.txt disallows them.
  std::uint64_t robots_disallowed = 0;
  /// robots.txt files fetched (or failed) this run.
  std::uint64_t robots_fetched = 0;
  /// Lines already in the output file from earlier runs of this crawl.
  std::uint64_t resumed = 0;
  /// URLs admitted over the whole crawl, earlier runs included.
  std::uint64_t admitted = 0;
  /// Seconds from `crawler::run` to the end.
  double elapsed_s = 0;
  /// True when the crawl was stopped (`crawler::stop`) before it finished;
  /// the state file, if any, lets a later run continue it.
  bool interrupted = false;
  /// Every record output this run, when `crawl_options::keep_records`.
  std::vector<fetch_record> records;
};

} // namespace actio::crawl
