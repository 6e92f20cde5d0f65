// SPDX-License-Identifier: Apache-2.0
#include "coordinator.hpp"

#include "actio/crawl/crawler/crawl_router.hpp"
#include "actio/crawl/crawler/crawler.hpp"
#include "actio/crawl/crawler/stored_crawl.hpp"
#include "actio/errors.hpp"
#include "actio/version.hpp"

#include <algorithm>
#include <utility>

namespace actio::crawl::detail {

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

frontier_options make_frontier_options(const crawl_options& o) {
  frontier_options f;
  f.politeness.max_in_flight_per_host = std::max<std::uint32_t>(1, o.per_host);
  f.politeness.min_delay = o.delay;
  f.politeness.max_crawl_delay = o.max_crawl_delay;
  f.politeness.backoff_base = o.backoff;
  f.politeness.backoff_max =
      std::max<milliseconds>(o.backoff, f.politeness.backoff_max);
  f.politeness.max_attempts = std::max<std::uint32_t>(1, o.max_attempts);
  return f;
}

/// Milliseconds since the Unix epoch at steady time `t`.
std::int64_t wall_ms_at(steady::time_point t) {
  auto wall = std::chrono::system_clock::now() +
              std::chrono::duration_cast<std::chrono::system_clock::duration>(
                  t - steady::now());
  return std::chrono::duration_cast<milliseconds>(wall.time_since_epoch())
      .count();
}

} // namespace

coordinator::coordinator(coordinator_setup setup, http::client& http,
                         std::shared_ptr<shared_progress> progress,
                         promise<crawl_stats> done)
    : opts_(std::move(setup.options)), filter_(std::move(setup.filter)),
      loaded_(std::move(setup.loaded)), progress_(std::move(progress)),
      done_(std::move(done)), frontier_(make_frontier_options(opts_)),
      robots_(*this, opts_.user_agent, opts_.max_attempts, opts_.backoff),
      robots_fetcher_(http, opts_, !filter_.allows_private(),
                      [this](const std::string& origin, http::result r) {
                        robots_fetched(origin, std::move(r));
                      }),
      depth_(opts_.depth_wait),
      output_(std::move(setup.sink), std::move(setup.store),
              opts_.keep_records) {
  stats_.resumed = setup.resumed;
  metrics_ = std::move(setup.metrics);
}

coordinator::~coordinator() {
  for (auto& w : waiters_)
    w.set_value(std::nullopt);
  if (!finished_)
    done_.set_exception(std::make_exception_ptr(
        crawl_error("the crawler's coordinator ended before the crawl")));
}

template <class Fn>
void coordinator::guarded(Fn&& fn) {
  if (finished_)
    return;
  try {
    fn();
  } catch (...) {
    fail(std::current_exception());
  }
}

void coordinator::start(actio::detail::closure_actor weak_self) {
  self_ = std::move(weak_self);
  started_ = steady::now();
  progress_->start_ns.store(started_.time_since_epoch().count());
  guarded([&] {
    known_.reserve(loaded_.seen_hashes.size());
    for (auto h : loaded_.seen_hashes)
      known_.insert(h);
    // URLs another node finished (handed over) were never admitted here.
    for (const auto& d : loaded_.done)
      if (d.verdict != "robots" && d.verdict != "handed_over")
        ++admitted_;
    // The crawl as it continues now (seeds added, for instance).
    if (auto* store = output_.store())
      store->set_metadata(
          crawl_metadata{opts_.seeds, stored_options_json(opts_),
                         std::string("actio-crawl ") + actio::version()});
    auto pending = std::move(loaded_.pending);
    auto routed = std::move(loaded_.routed);
    loaded_ = {};
    for (const auto& e : pending)
      admit(e.url, e.depth, true, nullptr, e.attempts);
    pending.clear();
    // A resumed node of a cluster sends its outbound log again: what it
    // routed before may have died in flight or in a node that stopped
    // before saving it (receivers drop what they have seen).
    if (opts_.router)
      for (const auto& e : routed) {
        if (opts_.router->owns(e.url))
          admit(e.url, e.depth, false, "routed");
        else if (routed_.insert(state_store::url_hash(e.url)))
          opts_.router->route(e.url, e.depth);
      }
    for (const auto& s : opts_.seeds)
      admit(s, 0, false, "seed");
    if (auto* store = output_.store())
      store->flush();
    settle();
  });
}

// Admission ------------------------------------------------------------------

void coordinator::admit(const std::string& url, std::uint32_t depth,
                        bool recorded, const char* reason,
                        std::uint32_t attempts) {
  auto* store = output_.store();
  if (opts_.router && !opts_.router->owns(url)) {
    if (opts_.max_depth && depth > *opts_.max_depth)
      return;
    if (!filter_.allows(url) || !routed_.insert(state_store::url_hash(url)))
      return;
    // docs/crawler.md: logged (committed before the output line of the
    // page it was found on) before it leaves.
    if (store)
      store->record_routed({frontier_entry{url, depth, 0, 0, "routed"}});
    opts_.router->route(url, depth);
    return;
  }
  if (!recorded) {
    if (opts_.max_depth && depth > *opts_.max_depth)
      return;
    if (!filter_.allows(url))
      return;
    auto hash = state_store::url_hash(url);
    if (!known_.insert(hash))
      return;
    if (opts_.obey_robots && robots_.disallows(url)) {
      ++stats_.robots_disallowed;
      return;
    }
    if (store)
      store->record_discovered({frontier_entry{url, depth, 0, 0, reason}});
  }
  // The page limit counts the whole crawl. A URL beyond it waits (pending
  // in the state, for a later run with a higher limit) until robots.txt
  // frees a place in this one.
  if (admitted_ >= opts_.max_pages) {
    over_limit_.push_back(parked_url{url, depth, attempts});
    return;
  }
  ++admitted_;
  enqueue(parked_url{url, depth, attempts});
}

void coordinator::admit_over_limit() {
  while (admitted_ < opts_.max_pages && !over_limit_.empty()) {
    auto e = std::move(over_limit_.front());
    over_limit_.pop_front();
    ++admitted_;
    enqueue(std::move(e));
  }
}

void coordinator::enqueue(parked_url url) {
  // A page that failed before (restored with its attempts) no longer holds
  // deeper links back, as after a failure in this run.
  if (url.attempts == 0)
    depth_.open(url.depth);
  if (!opts_.obey_robots)
    add_to_frontier(url);
  else
    robots_.enter(std::move(url));
}

void coordinator::add_to_frontier(const parked_url& url) {
  if (frontier_.add(url.url, url.depth, url.attempts) != add_status::added) {
    if (url.attempts == 0)
      depth_.close(url.depth);
    --admitted_;
  }
}

// robots.txt -----------------------------------------------------------------

void coordinator::robots_allows(const std::string& url,
                                promise<robots_answer> p) {
  if (finished_ || !opts_.obey_robots) {
    p.set_value(finished_ ? robots_answer::stopping : robots_answer::allowed);
    return;
  }
  guarded([&] {
    robots_.check(url, [p = std::move(p)](robots_answer answer) mutable {
      p.set_value(answer);
    });
  });
}

void coordinator::fetch_robots(const std::string& origin) {
  ++stats_.robots_fetched;
  robots_fetcher_.fetch(origin, self_);
}

void coordinator::retry_robots_after(const std::string& origin,
                                     milliseconds delay) {
  self_.post_after(std::chrono::duration_cast<duration>(delay),
                   [this, origin] { guarded([&] { robots_.retry(origin); }); });
}

void coordinator::set_crawl_delay(const std::string& host_name,
                                  std::optional<milliseconds> delay) {
  frontier_.set_crawl_delay(host_name, delay);
}

void coordinator::robots_allowed(parked_url url) {
  add_to_frontier(url);
}

void coordinator::robots_disallowed(parked_url url) {
  if (url.attempts == 0)
    depth_.close(url.depth);
  --admitted_;
  ++stats_.robots_disallowed;
  if (auto* store = output_.store())
    store->record_done(done_entry{url.url, std::nullopt, "robots"});
}

void coordinator::robots_unavailable(parked_url url, const std::string& error) {
  finished_page p;
  p.record.url = url.url;
  p.record.final_url = url.url;
  p.record.depth = url.depth;
  p.record.error = "robots.txt unavailable: " + error;
  p.error_kind = "robots_unavailable";
  p.verdict = p.error_kind;
  finish_page(std::move(p), url.depth, url.attempts == 0);
}

void coordinator::robots_fetched(const std::string& origin, http::result r) {
  guarded([&] {
    if (robots_.fetched(origin, r))
      settle();
  });
}

// Finished pages -------------------------------------------------------------

void coordinator::finish_page(finished_page page, std::uint32_t depth,
                              bool counted) {
  if (metrics_)
    metrics_->page(page.record.status, page.record.bytes,
                   page.record.error.has_value(), page.error_kind);
  if (counted)
    depth_.close(depth);
  if (page.links.empty()) {
    output_.add(std::move(page));
    return;
  }
  depth_.hold(std::move(page), depth + 1, steady::now());
}

void coordinator::release_links() {
  depth_.release(steady::now(), [this](std::uint32_t level, finished_page& p) {
    for (const auto& link : p.links)
      admit(link, level, false, "link");
    p.links = {};
    output_.add(std::move(p));
  });
  arm_release_check();
}

void coordinator::arm_release_check() {
  if (depth_.empty() || release_check_armed_)
    return;
  release_check_armed_ = true;
  auto delay = *depth_.deadline() - steady::now();
  self_.post_after(
      std::max(std::chrono::duration_cast<duration>(delay), duration::zero()) +
          std::chrono::milliseconds(1),
      [this] {
        release_check_armed_ = false;
        guarded([&] { settle(); });
      });
}

void coordinator::maybe_flush() {
  if (output_.ready() >= std::max<std::size_t>(1, opts_.flush_pages)) {
    flush();
    return;
  }
  // Retry counts and in-flight marks are committed within the interval
  // too, even while no page is finished.
  if (!output_.has_unflushed() || flush_armed_)
    return;
  flush_armed_ = true;
  self_.post_after(std::chrono::duration_cast<duration>(opts_.flush_interval),
                   [this] {
                     flush_armed_ = false;
                     guarded([&] {
                       flush();
                       publish();
                     });
                   });
}

void coordinator::flush() {
  if (!output_.flush(stats_))
    return;
  progress_->pages.store(stats_.pages);
  progress_->errors.store(stats_.errors);
}

// Dispatch -------------------------------------------------------------------

void coordinator::settle() {
  admit_over_limit();
  release_links();
  dispatch();
  maybe_flush();
  publish();
  check_done();
}

void coordinator::want_job(promise<std::optional<job>> p) {
  if (finished_) {
    p.set_value(std::nullopt);
    return;
  }
  waiters_.push_back(std::move(p));
  guarded([&] { dispatch(); });
}

void coordinator::dispatch() {
  if (finished_)
    return;
  auto now = steady::now();
  while (!waiters_.empty()) {
    auto l = frontier_.next_ready(now);
    if (!l)
      break;
    auto p = std::move(waiters_.front());
    waiters_.pop_front();
    if (auto* store = output_.store())
      store->record_in_flight(l->url);
    bool follow = !opts_.max_depth || l->depth < *opts_.max_depth;
    if (!p.set_value(std::optional<job>{job{*l, follow}}) &&
        frontier_.complete(*l, fetch_verdict::transient("worker gone"), now)
                .what == completion::kind::retry_scheduled &&
        l->attempt == 1)
      depth_.close(l->depth);
  }
  if (!waiters_.empty())
    if (auto at = frontier_.next_wakeup(); at && *at > now)
      arm_tick(*at);
  progress_->in_flight.store(frontier_.in_flight());
}

void coordinator::arm_tick(steady::time_point at) {
  if (tick_at_ && *tick_at_ <= at)
    return;
  tick_at_ = at;
  auto delay = at - steady::now();
  self_.post_after(std::chrono::duration_cast<duration>(delay) +
                       std::chrono::microseconds(100),
                   [this, at] {
                     if (tick_at_ == at)
                       tick_at_.reset();
                     guarded([&] { dispatch(); });
                   });
}

void coordinator::report(page_result r) {
  guarded([&] {
    auto c = frontier_.complete(r.job, r.result, steady::now());
    if (metrics_ && c.what != completion::kind::unknown_lease)
      metrics_->fetch(r.record.fetch_ms);
    switch (c.what) {
    case completion::kind::unknown_lease:
      return;
    case completion::kind::retry_scheduled:
      // A page that failed once no longer holds deeper links back.
      if (r.job.attempt == 1)
        depth_.close(r.job.depth);
      ++stats_.retries;
      if (metrics_)
        metrics_->retry();
      if (auto* store = output_.store())
        store->record_retry(r.job.url, r.job.attempt, wall_ms_at(c.retry_at),
                            r.result.reason);
      break;
    case completion::kind::done:
    case completion::kind::failed:
    case completion::kind::gave_up: {
      finished_page p;
      p.record = std::move(r.record);
      p.links = std::move(r.links);
      p.error_kind = std::move(r.error_kind);
      if (c.what == completion::kind::gave_up && p.record.error)
        *p.record.error +=
            " (gave up after " + std::to_string(r.job.attempt) + " attempts)";
      p.verdict = p.error_kind.empty()                ? "ok"
                  : p.error_kind.starts_with("http_") ? "http_error"
                                                      : p.error_kind;
      finish_page(std::move(p), r.job.depth, r.job.attempt == 1);
      break;
    }
    }
    settle();
  });
}

// Cluster --------------------------------------------------------------------

void coordinator::inject(const std::vector<frontier_entry>& urls) {
  guarded([&] {
    for (const auto& e : urls)
      admit(e.url, e.depth, false, "routed");
    settle();
  });
}

void coordinator::mark_done(const std::vector<std::string>& urls) {
  guarded([&] {
    auto* store = output_.store();
    for (const auto& url : urls) {
      if (!known_.insert(state_store::url_hash(url)))
        continue;
      if (store)
        store->record_done(done_entry{url, std::nullopt, "handed_over"});
    }
    if (store)
      store->flush();
    settle();
  });
}

void coordinator::finish_now() {
  guarded([&] { finish(false); });
}

std::size_t coordinator::set_page_limit(std::size_t limit) {
  guarded([&] {
    opts_.max_pages = std::max<std::size_t>(limit, admitted_);
    settle();
  });
  return opts_.max_pages;
}

// Progress and the end -------------------------------------------------------

bool coordinator::idle() const {
  return frontier_.idle() && robots_.parked() == 0 && robots_.pending() == 0 &&
         depth_.empty();
}

void coordinator::publish() {
  progress_->queued.store(frontier_.queued() + robots_.parked() +
                          depth_.held_pages() + output_.ready());
  progress_->in_flight.store(frontier_.in_flight());
  progress_->admitted.store(admitted_);
  progress_->waiting_for_room.store(over_limit_.size());
  progress_->idle.store(idle());
  if (metrics_)
    metrics_->publish(frontier_.queued(), frontier_.in_flight(),
                      frontier_.hosts_waiting(), robots_.origins(),
                      robots_.parked());
}

void coordinator::check_done() {
  if (finished_)
    return;
  if (opts_.router)
    return; // the cluster decides (crawler::finish)
  if (idle())
    finish(false);
}

void coordinator::finish(bool interrupted) {
  flush();
  output_.close();
  finished_ = true;
  robots_.stop();
  for (auto& w : waiters_)
    w.set_value(std::nullopt);
  waiters_.clear();
  robots_fetcher_.cancel_all();
  stats_.admitted = admitted_;
  stats_.interrupted = interrupted;
  stats_.elapsed_s =
      std::chrono::duration<double>(steady::now() - started_).count();
  publish();
  progress_->in_flight.store(0);
  done_.set_value(std::move(stats_));
}

void coordinator::stop() {
  guarded([&] { finish(true); });
}

void coordinator::fail(std::exception_ptr error) {
  if (finished_)
    return;
  finished_ = true;
  std::string what = "crawl failed";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  robots_.stop();
  for (auto& w : waiters_)
    w.set_value(std::nullopt);
  waiters_.clear();
  robots_fetcher_.cancel_all();
  try {
    output_.abandon();
  } catch (...) {
  }
  done_.set_exception(std::make_exception_ptr(crawl_error(what)));
}

} // namespace actio::crawl::detail
