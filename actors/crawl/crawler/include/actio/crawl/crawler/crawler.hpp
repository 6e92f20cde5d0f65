// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/crawler/crawl_error.hpp"
#include "actio/crawl/crawler/crawl_options.hpp"
#include "actio/crawl/crawler/crawl_stats.hpp"
#include "actio/crawl/store/state_store.hpp"
#include "actio/future.hpp"

#include <memory>
#include <string>
#include <vector>

namespace actio {
class runtime;
} // namespace actio

namespace actio::crawl {

/// A web crawler made of actors: one coordinator actor owns the frontier,
/// the robots.txt cache, the output file and the state store; `concurrency`
/// worker tasks ask it for leases, fetch with the runtime's `http::client`
/// (curl on the I/O thread) and extract links on their own actors (CAF's
/// scheduler threads), then report back. See docs/crawler.md.
///
/// Output is exactly once per URL across kills and resumes when both
/// `out_path` and `state_path` are set (docs/crawl-state.md's protocol).
/// Depths are shortest link distances: links found on a page are admitted
/// only once no page of a lower depth is still unfetched (for at most
/// `crawl_options::depth_wait`).
class crawler {
public:
  /// Checks the files, writing nothing: the output and the state must be
  /// two files (`crawl_files_clash`), no other process may use them (each
  /// is locked until the crawler is destroyed, see `file_lock`), the state
  /// must be a state file, and the crawl it holds the one of `options`
  /// (`continue_stored_crawl`, which also fills in what they leave out).
  /// Then opens (and repairs) the output file, opens the state store,
  /// reconciles the two and loads the pending frontier; does not fetch
  /// yet. Throws `crawl_scope_error` for a state of another crawl and
  /// `crawl_error` on any other failure. `rt` must outlive the crawler.
  crawler(runtime& rt, crawl_options options);

  /// Stops a crawl still running (as `stop`), waits until it has saved its
  /// state and its workers have ended, then shuts the HTTP client down.
  /// Call from a thread that is not an actor (e.g. `main`) while the
  /// runtime still runs.
  ~crawler();

  crawler(const crawler&) = delete;
  crawler& operator=(const crawler&) = delete;

  /// Starts the coordinator and the workers; call once. The future
  /// completes (on the coordinator's actor) when no URL is left, or soon
  /// after `stop`, in both cases after the last output line was written
  /// and marked done; it fails with `crawl_error` when writing the output
  /// or the state fails (the crawl then stops).
  future<crawl_stats> run();

  /// Stops the crawl: no new fetch starts, fetches in flight are cancelled
  /// (they are fetched again by a resumed run), pages already finished are
  /// written and marked done, and `run`'s future completes with
  /// `interrupted` set. Thread-safe, idempotent, returns at once.
  void stop();

  /// Multi-node crawl: admits URLs routed here by other nodes as if they
  /// had been found on a page (filters, seen set, robots.txt, frontier);
  /// URLs seen before are dropped, and URLs of hosts this node does not own
  /// go to the router. Thread-safe. The future completes (on the
  /// coordinator's actor) once all are admitted or dropped, and the state
  /// store holds them in its current batch; it completes as well, with
  /// nothing admitted, when the crawl is over or `run` was not called.
  future<none> inject(std::vector<frontier_entry> urls);

  /// Multi-node crawl: marks URLs that another node already finished (its
  /// output holds them) as done here, so that they are neither fetched nor
  /// output by this node; recorded in the state store with verdict
  /// "handed_over". Thread-safe; completes like `inject`.
  future<none> mark_done(std::vector<std::string> urls);

  /// Multi-node crawl with a global page limit: sets this node's
  /// `max_pages` to `limit`, or to the URLs it has admitted if that is
  /// more (a limit never takes back what was admitted), and admits URLs
  /// waiting for room up to it. Thread-safe. The future completes (on the
  /// coordinator's actor) with the limit in force; when `run` was not
  /// called or the crawl is over, with the limit unchanged.
  future<std::size_t> set_page_limit(std::size_t limit);

  /// Multi-node crawl: ends a crawl that the cluster found complete:
  /// finished pages are written and marked done and `run`'s future
  /// completes (not `interrupted`). Thread-safe, idempotent.
  void finish();

  /// Live counters; thread-safe.
  crawl_progress progress() const;

  /// The options in force (seeds canonicalised).
  const crawl_options& options() const noexcept;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace actio::crawl
