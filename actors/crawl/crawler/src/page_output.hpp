// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/crawler/crawl_stats.hpp"
#include "actio/crawl/store/jsonl_sink.hpp"
#include "actio/crawl/store/state_store.hpp"
#include "finished_page.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace actio::crawl::detail {

/// Where the crawler's finished pages go: owns the JSON Lines sink, the
/// state store and the pages ready to be written. A flush keeps the order
/// of docs/crawl-state.md: what the store holds (links discovered) is
/// committed before the output lines, the lines are flushed before their
/// URLs are marked done. Used on the coordinator's actor only (no locks).
class page_output {
public:
  /// Writes to `sink` and records in `store`, either of which may be null;
  /// with `keep_records`, written records are kept in the stats.
  page_output(std::unique_ptr<jsonl_sink> sink,
              std::unique_ptr<state_store> store, bool keep_records);

  /// The state store, through which the coordinator records what it admits,
  /// dispatches and retries; null when there is none or after `close`.
  state_store* store() const noexcept { return store_.get(); }

  /// Queues a page for the next flush.
  void add(finished_page page);

  /// How many pages wait for a flush.
  std::size_t ready() const noexcept { return ready_.size(); }

  /// Whether a flush would write anything (a page, or store operations
  /// such as retry counts and in-flight marks).
  bool has_unflushed() const;

  /// Commits the store; then, if pages are ready, writes and flushes them,
  /// marks them done, commits again and counts them into `stats`. Returns
  /// whether pages were written.
  bool flush(crawl_stats& stats);

  /// Commits and closes the store and the sink (after a last `flush`).
  void close();

  /// Closes the store and the sink without committing more (the crawl
  /// failed); may throw what their destructors throw.
  void abandon();

private:
  std::unique_ptr<jsonl_sink> sink_;
  std::unique_ptr<state_store> store_;
  bool keep_records_;
  std::vector<finished_page> ready_;
};

} // namespace actio::crawl::detail
