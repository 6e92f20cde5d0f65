// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/demo/demo_site.hpp"
#include "actio/crawl/store/jsonl_sink.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace actio::crawl {

/// How a crawl's output compares with `demo_site::expected_crawl_set`.
struct demo_check_result {
  /// Pages the demo site expects.
  std::size_t expected = 0;
  /// Expected pages present in the output (each counted once).
  std::size_t found = 0;
  /// Distinct output URLs the demo site does not expect.
  std::size_t unexpected = 0;
  /// Output lines beyond the first for the same URL.
  std::size_t duplicates = 0;
  /// Expected pages present with another status or final URL.
  std::size_t mismatched = 0;
  /// Expected pages present with a larger depth than the shortest.
  std::size_t wrong_depth = 0;
  /// True for a page-limited crawl: only a subset is expected.
  bool subset = false;

  /// Whether the output is exactly right (for a subset: no unexpected,
  /// duplicated or mismatched line).
  bool ok() const noexcept;

  /// "demo site check: N/N expected pages, 0 unexpected, 0 duplicates",
  /// plus the mismatch counts when non-zero.
  std::string to_string() const;
};

/// Compares output records (every line of the output file, earlier runs
/// included) with the expected crawl set. `subset` is for crawls cut by a
/// page limit: then missing pages are not an error.
demo_check_result check_demo_crawl(const std::vector<fetch_record>& records,
                                   const std::vector<expected_page>& expected,
                                   bool subset = false);

/// The end-of-crawl table printed by actio-crawl: pages by status, bytes,
/// errors by kind, top hosts (at most `top_hosts`), retries, robots.

} // namespace actio::crawl
