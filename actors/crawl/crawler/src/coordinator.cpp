// SPDX-License-Identifier: Apache-2.0
#include "coordinator.hpp"

#include "actio/crawl/core/url.hpp"
#include "actio/crawl/crawler/crawl_router.hpp"
#include "actio/crawl/crawler/crawler.hpp"
#include "actio/crawl/crawler/stored_crawl.hpp"
#include "actio/errors.hpp"
#include "actio/version.hpp"

#include <algorithm>
#include <exception>
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

/// The robots.txt product token of a User-Agent: its text before the
/// first '/' or space.
std::string product_token(std::string_view ua) {
  auto end = ua.find_first_of("/ ");
  auto token = ua.substr(0, end);
  return std::string(token.empty() ? std::string_view{"actio-crawl"} : token);
}

/// `host[:port]` of a canonical URL.
std::string authority_of(std::string_view url) {
  auto origin = origin_of(url);
  auto sep = origin.find("://");
  return std::string(sep == std::string_view::npos ? origin
                                                   : origin.substr(sep + 3));
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
    : opts_(std::move(setup.options)),
      robots_token_(product_token(opts_.user_agent)),
      filter_(std::move(setup.filter)), sink_(std::move(setup.sink)),
      store_(std::move(setup.store)), loaded_(std::move(setup.loaded)),
      http_(http), progress_(std::move(progress)), done_(std::move(done)),
      frontier_(make_frontier_options(opts_)) {
  robots_request_.total_timeout = opts_.timeout;
  robots_request_.connect_timeout = opts_.connect_timeout;
  robots_request_.max_body_bytes = 4u << 20;
  robots_request_.max_redirects = 5;
  robots_request_.refuse_private_addresses = !filter_.allows_private();
  stats_.resumed = setup.resumed;
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
    for (const auto& d : loaded_.done)
      if (d.verdict != "robots")
        ++admitted_;
    // The crawl as it continues now (seeds added, for instance).
    if (store_)
      store_->set_metadata(
          crawl_metadata{opts_.seeds, stored_options_json(opts_),
                         std::string("actio-crawl ") + actio::version()});
    auto pending = std::move(loaded_.pending);
    loaded_ = {};
    for (const auto& e : pending)
      admit(e.url, e.depth, true, nullptr, e.attempts);
    pending.clear();
    for (const auto& s : opts_.seeds)
      admit(s, 0, false, "seed");
    if (store_)
      store_->flush();
    settle();
  });
}

void coordinator::admit(const std::string& url, std::uint32_t depth,
                        bool recorded, const char* reason,
                        std::uint32_t attempts) {
  if (opts_.router && !opts_.router->owns(url)) {
    if (opts_.max_depth && depth > *opts_.max_depth)
      return;
    if (!filter_.allows(url) || !routed_.insert(state_store::url_hash(url)))
      return;
    // docs/crawler.md: logged (committed before the output line of the
    // page it was found on) before it leaves.
    if (store_)
      store_->record_routed({frontier_entry{url, depth, 0, 0, "routed"}});
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
    if (opts_.obey_robots) {
      auto it = origins_.find(std::string(origin_of(url)));
      if (it != origins_.end() && it->second.status == robots_status::ready &&
          !it->second.policy->allowed(path_of(url))) {
        ++stats_.robots_disallowed;
        return;
      }
    }
    if (store_)
      store_->record_discovered({frontier_entry{url, depth, 0, 0, reason}});
  }
  // The page limit counts the whole crawl. A URL beyond it waits (pending
  // in the state, for a later run with a higher limit) until robots.txt
  // frees a place in this one.
  if (admitted_ >= opts_.max_pages) {
    over_limit_.push_back(parked_url{url, depth, attempts});
    return;
  }
  ++admitted_;
  enqueue(url, depth, attempts);
}

void coordinator::admit_over_limit() {
  while (admitted_ < opts_.max_pages && !over_limit_.empty()) {
    auto e = std::move(over_limit_.front());
    over_limit_.pop_front();
    ++admitted_;
    enqueue(e.url, e.depth, e.attempts);
  }
}

void coordinator::enqueue(const std::string& url, std::uint32_t depth,
                          std::uint32_t attempts) {
  // A page that failed before (restored with its attempts) no longer holds
  // deeper links back, as after a failure in this run.
  bool counted = attempts == 0;
  if (counted)
    open_inc(depth);
  auto add = [&] {
    if (frontier_.add(url, depth, attempts) != add_status::added) {
      if (counted)
        open_dec(depth);
      --admitted_;
    }
  };
  if (!opts_.obey_robots) {
    add();
    return;
  }
  auto [it, inserted] = origins_.try_emplace(std::string(origin_of(url)));
  auto& o = it->second;
  switch (inserted ? robots_status::fetching : o.status) {
  case robots_status::ready:
    if (o.policy->allowed(path_of(url))) {
      add();
    } else {
      if (counted)
        open_dec(depth);
      --admitted_;
      ++stats_.robots_disallowed;
      if (store_)
        store_->record_done(done_entry{url, std::nullopt, "robots"});
    }
    return;
  case robots_status::failed: {
    finished_page p;
    p.record.url = url;
    p.record.final_url = url;
    p.record.depth = depth;
    p.record.error = "robots.txt unavailable: " + o.last_error;
    p.error_kind = "robots_unavailable";
    p.verdict = p.error_kind;
    finish_page(std::move(p), depth, counted);
    return;
  }
  default:
    o.parked.push_back(parked_url{url, depth, attempts});
    ++parked_;
    if (inserted) {
      o.host = std::string(host_of(url));
      start_robots(it->first);
    }
    return;
  }
}

void coordinator::robots_allows(const std::string& url,
                                promise<robots_answer> p) {
  if (finished_ || !opts_.obey_robots) {
    p.set_value(finished_ ? robots_answer::stopping : robots_answer::allowed);
    return;
  }
  guarded([&] {
    auto [it, inserted] = origins_.try_emplace(std::string(origin_of(url)));
    auto& o = it->second;
    if (!inserted && o.status == robots_status::ready) {
      p.set_value(verdict(o, url));
      return;
    }
    if (!inserted && o.status == robots_status::failed) {
      p.set_value(robots_answer::unavailable);
      return;
    }
    o.checks.emplace_back(url, std::move(p));
    if (inserted) {
      o.host = std::string(host_of(url));
      start_robots(it->first);
    }
  });
}

robots_answer coordinator::verdict(const origin_state& o,
                                   const std::string& url) {
  if (o.status != robots_status::ready)
    return robots_answer::unavailable;
  return o.policy->allowed(path_of(url)) ? robots_answer::allowed
                                         : robots_answer::disallowed;
}

void coordinator::answer_checks(origin_state& o) {
  auto checks = std::move(o.checks);
  o.checks.clear();
  for (auto& [url, p] : checks)
    p.set_value(verdict(o, url));
}

void coordinator::answer_all_checks_stopping() {
  for (auto& [origin, o] : origins_) {
    for (auto& [url, p] : o.checks)
      p.set_value(robots_answer::stopping);
    o.checks.clear();
  }
}

void coordinator::start_robots(const std::string& origin) {
  auto& o = origins_[origin];
  o.status = robots_status::fetching;
  ++robots_pending_;
  ++stats_.robots_fetched;
  auto f = http_.get(origin + "/robots.txt", robots_request_);
  std::erase_if(robots_futures_, [](const auto& g) { return g.done(); });
  robots_futures_.push_back(f);
  f.add_done_callback(
      [](const future<http::result>& h, actio::detail::closure_actor self,
         coordinator* body, std::string from) {
        if (h.cancelled())
          return;
        self.post([body, from = std::move(from), h]() mutable {
          body->robots_fetched(from, h.result());
        });
      },
      self_, this, origin);
}

void coordinator::robots_fetched(const std::string& origin, http::result r) {
  guarded([&] {
    auto it = origins_.find(origin);
    if (it == origins_.end() || it->second.status != robots_status::fetching)
      return;
    auto& o = it->second;
    --robots_pending_;
    auto policy = r ? robots_policy::from_fetch(r.value().status,
                                                r.value().body, robots_token_)
                    : robots_policy::from_fetch(0, {}, robots_token_);
    if (!policy.temporary()) {
      o.status = robots_status::ready;
      frontier_.set_crawl_delay(o.host, policy.crawl_delay());
      o.policy = std::move(policy);
      release_parked(o);
      answer_checks(o);
    } else {
      ++o.attempts;
      o.last_error =
          r ? "HTTP " + std::to_string(r.value().status) : r.error().message;
      if (o.attempts < std::max<std::uint32_t>(1, opts_.max_attempts)) {
        o.status = robots_status::waiting_retry;
        ++robots_pending_;
        auto delay =
            opts_.backoff * (1 << std::min<std::uint32_t>(o.attempts - 1, 10));
        self_.post_after(std::chrono::duration_cast<duration>(delay),
                         [this, origin] {
                           guarded([&] {
                             --robots_pending_;
                             start_robots(origin);
                           });
                         });
      } else {
        o.status = robots_status::failed;
        answer_checks(o);
        auto parked = std::move(o.parked);
        o.parked.clear();
        parked_ -= parked.size();
        for (auto& [url, depth, attempts] : parked) {
          finished_page p;
          p.record.url = url;
          p.record.final_url = url;
          p.record.depth = depth;
          p.record.error = "robots.txt unavailable: " + o.last_error;
          p.error_kind = "robots_unavailable";
          p.verdict = p.error_kind;
          finish_page(std::move(p), depth, attempts == 0);
        }
      }
    }
    settle();
  });
}

void coordinator::release_parked(origin_state& o) {
  auto parked = std::move(o.parked);
  o.parked.clear();
  parked_ -= parked.size();
  for (auto& [url, depth, attempts] : parked) {
    if (o.policy->allowed(path_of(url))) {
      if (frontier_.add(url, depth, attempts) != add_status::added) {
        if (attempts == 0)
          open_dec(depth);
        --admitted_;
      }
    } else {
      if (attempts == 0)
        open_dec(depth);
      --admitted_;
      ++stats_.robots_disallowed;
      if (store_)
        store_->record_done(done_entry{url, std::nullopt, "robots"});
    }
  }
}

void coordinator::open_inc(std::uint32_t depth) {
  ++open_[depth];
}

void coordinator::open_dec(std::uint32_t depth) {
  auto it = open_.find(depth);
  if (it != open_.end() && --it->second == 0)
    open_.erase(it);
}

void coordinator::finish_page(finished_page page, std::uint32_t depth,
                              bool counted) {
  if (counted)
    open_dec(depth);
  if (page.links.empty()) {
    ready_.push_back(std::move(page));
    return;
  }
  auto [it, fresh] = held_.try_emplace(depth + 1);
  if (fresh)
    it->second.since = steady::now();
  it->second.pages.push_back(std::move(page));
  ++held_pages_;
}

void coordinator::try_release() {
  auto now = steady::now();
  for (auto it = held_.begin(); it != held_.end();) {
    auto level = it->first;
    // Links of depth `level` wait while a page of depth < level - 1 may
    // still find some of them at a lower depth, but no longer than
    // `depth_wait` (a slow or polite host must not stall the others).
    bool lower_done = open_.empty() || open_.begin()->first + 1 >= level;
    if (!lower_done && now - it->second.since < opts_.depth_wait) {
      ++it;
      continue;
    }
    auto batch = std::move(it->second.pages);
    it = held_.erase(it);
    held_pages_ -= batch.size();
    for (auto& p : batch) {
      for (const auto& link : p.links)
        admit(link, level, false, "link");
      p.links = {};
      ready_.push_back(std::move(p));
    }
  }
  arm_release_check();
}

void coordinator::arm_release_check() {
  if (held_.empty() || release_check_armed_)
    return;
  auto oldest = held_.begin()->second.since;
  for (const auto& [level, h] : held_)
    oldest = std::min(oldest, h.since);
  release_check_armed_ = true;
  auto delay = oldest + opts_.depth_wait - steady::now();
  self_.post_after(
      std::max(std::chrono::duration_cast<duration>(delay), duration::zero()) +
          std::chrono::milliseconds(1),
      [this] {
        release_check_armed_ = false;
        guarded([&] { settle(); });
      });
}

void coordinator::settle() {
  admit_over_limit();
  try_release();
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
    if (store_)
      store_->record_in_flight(l->url);
    bool follow = !opts_.max_depth || l->depth < *opts_.max_depth;
    if (!p.set_value(std::optional<job>{job{*l, follow}}) &&
        frontier_.complete(*l, fetch_verdict::transient("worker gone"), now)
                .what == completion::kind::retry_scheduled &&
        l->attempt == 1)
      open_dec(l->depth);
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
    switch (c.what) {
    case completion::kind::unknown_lease:
      return;
    case completion::kind::retry_scheduled:
      // A page that failed once no longer holds deeper links back.
      if (r.job.attempt == 1)
        open_dec(r.job.depth);
      ++stats_.retries;
      if (store_)
        store_->record_retry(r.job.url, r.job.attempt, wall_ms_at(c.retry_at),
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

void coordinator::maybe_flush() {
  if (ready_.size() >= std::max<std::size_t>(1, opts_.flush_pages)) {
    flush();
    return;
  }
  // Retry counts and in-flight marks are committed within the interval
  // too, even while no page is finished.
  bool store_pending = store_ && store_->pending_ops() > 0;
  if ((ready_.empty() && !store_pending) || flush_armed_)
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
  if (ready_.empty()) {
    if (store_)
      store_->flush();
    return;
  }
  // docs/crawl-state.md: links discovered (committed) before the output
  // line, the line flushed before the URL is marked done.
  if (store_)
    store_->flush();
  if (sink_) {
    for (const auto& p : ready_)
      sink_->write(p.record);
    sink_->flush();
  }
  if (store_) {
    for (const auto& p : ready_)
      store_->record_done(done_entry{p.record.url, p.record.status, p.verdict});
    store_->flush();
  }
  for (auto& p : ready_) {
    ++stats_.pages;
    stats_.bytes += p.record.bytes;
    ++stats_.by_status[p.record.status.value_or(0)];
    ++stats_.by_host[authority_of(p.record.url)];
    if (p.record.error) {
      ++stats_.errors;
      ++stats_.errors_by_kind[p.error_kind.empty() ? "other" : p.error_kind];
    }
    if (opts_.keep_records)
      stats_.records.push_back(std::move(p.record));
  }
  ready_.clear();
  progress_->pages.store(stats_.pages);
  progress_->errors.store(stats_.errors);
}

void coordinator::inject(const std::vector<frontier_entry>& urls) {
  guarded([&] {
    for (const auto& e : urls)
      admit(e.url, e.depth, false, "routed");
    settle();
  });
}

void coordinator::mark_done(const std::vector<std::string>& urls) {
  guarded([&] {
    for (const auto& url : urls) {
      if (!known_.insert(state_store::url_hash(url)))
        continue;
      if (store_)
        store_->record_done(done_entry{url, std::nullopt, "handed_over"});
    }
    if (store_)
      store_->flush();
    settle();
  });
}

void coordinator::finish_now() {
  guarded([&] { finish(false); });
}

void coordinator::publish() {
  progress_->queued.store(frontier_.queued() + parked_ + held_pages_ +
                          ready_.size());
  progress_->in_flight.store(frontier_.in_flight());
  progress_->admitted.store(admitted_);
  progress_->idle.store(frontier_.idle() && parked_ == 0 &&
                        robots_pending_ == 0 && held_.empty());
}

void coordinator::check_done() {
  if (finished_)
    return;
  if (opts_.router)
    return; // the cluster decides (crawler::finish)
  if (frontier_.idle() && parked_ == 0 && robots_pending_ == 0 && held_.empty())
    finish(false);
}

void coordinator::finish(bool interrupted) {
  flush();
  if (store_) {
    store_->flush();
    store_.reset();
  }
  if (sink_) {
    sink_->flush();
    sink_.reset();
  }
  finished_ = true;
  answer_all_checks_stopping();
  for (auto& w : waiters_)
    w.set_value(std::nullopt);
  waiters_.clear();
  for (auto& f : robots_futures_)
    f.cancel();
  robots_futures_.clear();
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
  answer_all_checks_stopping();
  for (auto& w : waiters_)
    w.set_value(std::nullopt);
  waiters_.clear();
  for (auto& f : robots_futures_)
    f.cancel();
  robots_futures_.clear();
  try {
    store_.reset();
    sink_.reset();
  } catch (...) {
  }
  done_.set_exception(std::make_exception_ptr(crawl_error(what)));
}

} // namespace actio::crawl::detail
