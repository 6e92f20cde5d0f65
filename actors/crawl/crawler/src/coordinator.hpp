// SPDX-License-Identifier: Apache-2.0
#pragma once

// The crawler's coordinator: the one actor that admits URLs and hands
// them to workers, wiring the parts that own the other concerns (the
// robots.txt gate, the depth gate, the page output). Private to
// actors/crawl/crawler.

#include "actio/crawl/core/frontier.hpp"
#include "actio/crawl/core/seen_set.hpp"
#include "actio/crawl/crawler/crawl_options.hpp"
#include "actio/crawl/crawler/crawl_stats.hpp"
#include "actio/crawl/crawler/page_result.hpp"
#include "actio/crawl/crawler/url_filter.hpp"
#include "actio/crawl/store/jsonl_sink.hpp"
#include "actio/crawl/store/state_store.hpp"
#include "actio/detail/closure_actor.hpp"
#include "actio/future.hpp"
#include "actio/http/client.hpp"
#include "crawl_metrics.hpp"
#include "depth_gate.hpp"
#include "finished_page.hpp"
#include "page_output.hpp"
#include "parked_url.hpp"
#include "redirect_chain.hpp"
#include "robots_fetcher.hpp"
#include "robots_gate.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace actio::crawl::detail {

/// Counters the coordinator publishes for `crawler::progress`.
struct shared_progress {
  std::atomic<std::uint64_t> pages{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> queued{0};
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<std::uint64_t> admitted{0};
  std::atomic<std::uint64_t> waiting_for_room{0};
  std::atomic<std::uint64_t> resumed{0};
  std::atomic<std::int64_t> start_ns{0};
  std::atomic<bool> idle{false};
};

/// One fetch handed to a worker.
struct job {
  /// The frontier's lease (URL, host, depth, attempt).
  lease work;
  /// Whether the page's links are wanted (depth below the limit).
  bool follow_links = true;
};

/// What the crawler hands the coordinator at start.
struct coordinator_setup {
  crawl_options options;
  std::unique_ptr<jsonl_sink> sink;
  std::unique_ptr<state_store> store;
  loaded_state loaded;
  std::uint64_t resumed = 0;
  url_filter filter{{}, {}, false};
  /// Where the crawl is counted: the runtime's registry.
  std::shared_ptr<crawl_metrics> metrics;
};

/// The coordinator's state: admission (seen sets, filter, routing to other
/// nodes, `max_pages`) and dispatch (waiting workers, leases, the tick),
/// wiring the robots.txt gate, the depth gate and the page output. Every
/// member function runs on its actor (posted closures), one at a time, so
/// nothing here is locked.
class coordinator final : public actio::detail::closure_body,
                          private robots_gate::host {
public:
  coordinator(coordinator_setup setup, http::client& http,
              std::shared_ptr<shared_progress> progress,
              promise<crawl_stats> done);
  ~coordinator() override;

  /// Admits the seeds and the loaded frontier and starts dispatching.
  void start(actio::detail::closure_actor weak_self);

  /// A worker wants its next job; completed with none when the crawl is
  /// over (or stopped).
  void want_job(promise<std::optional<job>> p);

  /// A worker finished a job.
  void report(page_result r);

  /// Completes `p` with whether robots.txt allows `url` (true when robots
  /// are not obeyed; false when the origin's robots.txt is unavailable or
  /// the crawl is over), fetching the origin's robots.txt first if needed.
  /// For redirect targets, which are not frontier entries.
  void robots_allows(const std::string& url, promise<robots_answer> p);

  /// Stop: flush what is finished, complete `done` as interrupted.
  void stop();

  /// Admits URLs routed here by another node (see `crawler::inject`).
  void inject(const std::vector<frontier_entry>& urls);

  /// Marks URLs done that another node finished (`crawler::mark_done`).
  void mark_done(const std::vector<std::string>& urls);

  /// The cluster found the crawl complete: flush, complete `done`.
  void finish_now();

  /// Sets `max_pages` to `limit`, or to the URLs admitted if more
  /// (`crawler::set_page_limit`); returns the limit in force.
  std::size_t set_page_limit(std::size_t limit);

private:
  template <class Fn>
  void guarded(Fn&& fn);

  // Admission.
  void admit(const std::string& url, std::uint32_t depth, bool recorded,
             const char* reason, std::uint32_t attempts = 0);
  /// Admits URLs waiting beyond the page limit while there is room (a
  /// robots.txt refusal frees a place).
  void admit_over_limit();
  /// Opens an admitted URL at its depth and sends it to the frontier,
  /// through the robots.txt gate when robots are obeyed.
  void enqueue(parked_url url);
  void add_to_frontier(const parked_url& url);

  // robots_gate::host, and the fetch results it waits for.
  void fetch_robots(const std::string& origin) override;
  void retry_robots_after(const std::string& origin,
                          std::chrono::milliseconds delay) override;
  void set_crawl_delay(const std::string& host_name,
                       std::optional<std::chrono::milliseconds> delay) override;
  void robots_allowed(parked_url url) override;
  void robots_disallowed(parked_url url) override;
  void robots_unavailable(parked_url url, const std::string& error) override;
  void robots_fetched(const std::string& origin, http::result r);

  // Finished pages: through the depth gate to the output.
  void finish_page(finished_page page, std::uint32_t depth, bool counted);
  void release_links();
  void arm_release_check();
  void maybe_flush();
  void flush();

  // Dispatch.
  void settle();
  void dispatch();
  void arm_tick(std::chrono::steady_clock::time_point at);

  // Progress and the end of the crawl.
  bool idle() const;
  void publish();
  void check_done();
  void finish(bool interrupted);
  void fail(std::exception_ptr error);

  crawl_options opts_;
  url_filter filter_;
  loaded_state loaded_;
  std::shared_ptr<shared_progress> progress_;
  promise<crawl_stats> done_;
  actio::detail::closure_actor self_;

  frontier frontier_;
  robots_gate robots_;
  robots_fetcher robots_fetcher_;
  depth_gate depth_;
  page_output output_;

  seen_set known_;
  seen_set routed_;
  std::uint64_t admitted_ = 0;
  /// Known URLs beyond `max_pages`, in discovery order.
  std::deque<parked_url> over_limit_;
  bool release_check_armed_ = false;
  std::deque<promise<std::optional<job>>> waiters_;
  std::optional<std::chrono::steady_clock::time_point> tick_at_;
  bool flush_armed_ = false;
  bool finished_ = false;
  crawl_stats stats_;
  std::chrono::steady_clock::time_point started_;
  std::shared_ptr<crawl_metrics> metrics_;
};

} // namespace actio::crawl::detail
