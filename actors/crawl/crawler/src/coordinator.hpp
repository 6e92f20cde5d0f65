// SPDX-License-Identifier: Apache-2.0
#pragma once

// The crawler's coordinator: the one actor that owns the frontier, the
// robots.txt cache, the output sink and the state store. Private to
// actors/src/crawler.

#include "actio/crawl/core/frontier.hpp"
#include "actio/crawl/core/robots.hpp"
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
#include "redirect_chain.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace actio::crawl::detail {

/// Counters the coordinator publishes for `crawler::progress`.
struct shared_progress {
  std::atomic<std::uint64_t> pages{0};
  std::atomic<std::uint64_t> errors{0};
  std::atomic<std::uint64_t> queued{0};
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<std::uint64_t> admitted{0};
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
};

/// The coordinator's state. Every member function runs on its actor (posted
/// closures), one at a time, so nothing here is locked.
class coordinator final : public actio::detail::closure_body {
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

  /// The robots.txt fetch of `origin` ended.
  void robots_fetched(const std::string& origin, http::result r);

  /// Stop: flush what is finished, complete `done` as interrupted.
  void stop();

  /// Admits URLs routed here by another node (see `crawler::inject`).
  void inject(const std::vector<frontier_entry>& urls);

  /// Marks URLs done that another node finished (`crawler::mark_done`).
  void mark_done(const std::vector<std::string>& urls);

  /// The cluster found the crawl complete: flush, complete `done`.
  void finish_now();

private:
  enum class robots_status { fetching, waiting_retry, ready, failed };
  /// A URL waiting for its origin's robots.txt.
  struct parked_url {
    std::string url;
    std::uint32_t depth = 0;
    std::uint32_t attempts = 0;
  };
  struct origin_state {
    robots_status status = robots_status::fetching;
    std::optional<robots_policy> policy;
    std::vector<parked_url> parked;
    std::vector<std::pair<std::string, promise<robots_answer>>> checks;
    std::string host;
    std::uint32_t attempts = 0;
    std::string last_error;
  };
  struct finished_page {
    fetch_record record;
    std::vector<std::string> links;
    std::string error_kind;
    std::string verdict;
  };

  template <class Fn>
  void guarded(Fn&& fn);
  void admit(const std::string& url, std::uint32_t depth, bool recorded,
             const char* reason, std::uint32_t attempts = 0);
  void enqueue(const std::string& url, std::uint32_t depth,
               std::uint32_t attempts);
  /// Admits URLs waiting beyond the page limit while there is room (a
  /// robots.txt refusal frees a place).
  void admit_over_limit();
  void start_robots(const std::string& origin);
  void release_parked(origin_state& o);
  void answer_checks(origin_state& o);
  /// The answer for `url` of an origin whose robots.txt is ready or failed.
  static robots_answer verdict(const origin_state& o, const std::string& url);
  void answer_all_checks_stopping();
  void open_inc(std::uint32_t depth);
  void open_dec(std::uint32_t depth);
  void finish_page(finished_page page, std::uint32_t depth, bool counted);
  void try_release();
  void settle();
  void dispatch();
  void arm_tick(std::chrono::steady_clock::time_point at);
  void maybe_flush();
  void flush();
  void publish();
  void check_done();
  void finish(bool interrupted);
  void fail(std::exception_ptr error);

  crawl_options opts_;
  http::request_options robots_request_;
  std::string robots_token_;
  url_filter filter_;
  std::unique_ptr<jsonl_sink> sink_;
  std::unique_ptr<state_store> store_;
  loaded_state loaded_;
  http::client& http_;
  std::shared_ptr<shared_progress> progress_;
  promise<crawl_stats> done_;
  actio::detail::closure_actor self_;

  frontier frontier_;
  seen_set known_;
  seen_set routed_;
  std::uint64_t admitted_ = 0;
  /// Known URLs beyond `max_pages`, in discovery order.
  std::deque<parked_url> over_limit_;
  std::unordered_map<std::string, origin_state> origins_;
  std::vector<future<http::result>> robots_futures_;
  std::size_t parked_ = 0;
  std::size_t robots_pending_ = 0;
  std::map<std::uint32_t, std::size_t> open_;
  struct held_level {
    std::vector<finished_page> pages;
    std::chrono::steady_clock::time_point since;
  };
  void arm_release_check();

  std::map<std::uint32_t, held_level> held_;
  bool release_check_armed_ = false;
  std::size_t held_pages_ = 0;
  std::vector<finished_page> ready_;
  std::deque<promise<std::optional<job>>> waiters_;
  std::optional<std::chrono::steady_clock::time_point> tick_at_;
  bool flush_armed_ = false;
  bool finished_ = false;
  crawl_stats stats_;
  std::chrono::steady_clock::time_point started_;
};

} // namespace actio::crawl::detail
