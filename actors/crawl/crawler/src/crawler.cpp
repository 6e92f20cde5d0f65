// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/crawler.hpp"

#include "actio/metrics/runtime_metrics.hpp"
#include "coordinator.hpp"
#include "redirect_chain.hpp"

#include "actio/crawl/core/url.hpp"
#include "actio/crawl/crawler/crawl_files.hpp"
#include "actio/crawl/crawler/stored_crawl.hpp"
#include "actio/crawl/store/file_lock.hpp"
#include "actio/errors.hpp"
#include "actio/runtime.hpp"
#include "actio/task.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <utility>

namespace actio::crawl {

namespace {

using steady = std::chrono::steady_clock;

/// Whether `path` is a file to lock: a regular file or none yet (not
/// /dev/stdout, a pipe or a directory, which fail when opened).
bool lockable(const std::string& path) {
  std::error_code ec;
  auto st = std::filesystem::status(path, ec);
  return !std::filesystem::exists(st) || std::filesystem::is_regular_file(st);
}

/// What every worker task shares (read-only).
struct worker_env {
  actio::detail::closure_actor coordinator_actor; // weak
  detail::coordinator* coordinator = nullptr;     // owned by that actor
  http::client* http = nullptr;
  http::request_options request;
  long max_redirects = 5;
  url_filter filter{{}, {}, false};
  detail::robots_check robots; // empty when robots.txt is not obeyed
  link_options links;
};

/// One of the `concurrency` workers: asks the coordinator for a job,
/// fetches it and each redirect target allowed (curl works on the I/O
/// thread meanwhile), extracts links here on the worker's own actor,
/// reports, repeats. Ends when the coordinator answers "no more" or is
/// gone; cancelling it cancels the fetch in flight. A report and the
/// request for the next job travel in one message.
task<void> worker_loop(std::shared_ptr<const worker_env> env) {
  std::optional<page_result> finished;
  for (;;) {
    promise<std::optional<detail::job>> p;
    auto next = p.get_future();
    env->coordinator_actor.post([c = env->coordinator, p = std::move(p),
                                 page = std::move(finished)]() mutable {
      if (page)
        c->report(std::move(*page));
      c->want_job(std::move(p));
    });
    finished.reset();
    std::optional<detail::job> j;
    try {
      j = co_await std::move(next);
    } catch (const cancelled_error&) {
      throw;
    } catch (...) {
      co_return; // the coordinator is gone
    }
    if (!j)
      co_return;
    auto t0 = steady::now();
    std::optional<detail::chain_result> chain;
    try {
      // Named, not a temporary inside the co_await (GCC 12).
      auto fetching = detail::fetch_redirect_chain(
          *env->http, j->work.url, env->request, env->max_redirects,
          env->filter, env->robots);
      chain = co_await std::move(fetching);
    } catch (const cancelled_error&) {
      throw;
    } catch (...) {
      co_return; // a robots.txt question found the coordinator gone
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        steady::now() - t0);
    auto page =
        process_fetch(j->work, chain->result, ms, j->follow_links, env->links);
    if (chain->refused) {
      page.record.error = *chain->refused;
      page.error_kind = "redirect_refused";
      page.links.clear();
      page.result = fetch_verdict::permanent(page.error_kind);
    }
    finished = std::move(page);
  }
}

} // namespace

struct crawler::impl {
  explicit impl(runtime& r) : rt(r) {}

  // Released last, after the output and the state are closed.
  std::vector<std::unique_ptr<file_lock>> locks;
  runtime& rt;
  crawl_options opts;
  url_filter filter{{}, {}, false};
  std::unique_ptr<detail::coordinator_setup> setup;
  std::unique_ptr<http::client> http;
  std::shared_ptr<detail::shared_progress> progress =
      std::make_shared<detail::shared_progress>();
  actio::detail::closure_actor coordinator_actor;
  detail::coordinator* coordinator = nullptr;
  future<crawl_stats> done;
  std::vector<any_future> workers;
  bool started = false;
  std::atomic<bool> stopping{false};
};

crawler::crawler(runtime& rt, crawl_options options)
    : impl_(std::make_unique<impl>(rt)) {
  auto& o = options;
  if (o.concurrency == 0)
    throw crawl_error("concurrency must be at least 1");
  if (o.per_host == 0)
    throw crawl_error("per-host concurrency must be at least 1");
  if (o.max_attempts == 0)
    throw crawl_error("attempts must be at least 1");
  if (!o.state_path.empty() && o.out_path.empty())
    throw crawl_error("a state file needs an output file (--out): resuming "
                      "reconciles the state with the output");
  std::vector<std::string> seeds;
  for (const auto& s : o.seeds) {
    auto c = canonicalize(s);
    if (!c)
      throw crawl_error("invalid seed URL '" + s + "': " + c.error().message);
    if (std::find(seeds.begin(), seeds.end(), c.value()) == seeds.end())
      seeds.push_back(std::move(c).value());
  }
  o.seeds = seeds;

  auto setup = std::make_unique<detail::coordinator_setup>();
  try {
    // Nothing is opened, let alone written, before the files are known to
    // be two distinct files of this crawl that no other process uses.
    if (!o.state_path.empty())
      if (auto clash = crawl_files_clash(o.state_path, o.out_path))
        throw crawl_error(*clash);
    if (!o.out_path.empty() && lockable(o.out_path))
      impl_->locks.push_back(
          std::make_unique<file_lock>(o.out_path, "output file"));
    if (!o.state_path.empty()) {
      if (lockable(o.state_path))
        impl_->locks.push_back(
            std::make_unique<file_lock>(o.state_path, "state file"));
      if (!o.router)
        if (auto stored = read_stored_crawl(o.state_path))
          continue_stored_crawl(o, *stored, o.state_path);
    }
  } catch (const crawl_error&) {
    throw;
  } catch (const std::exception& e) {
    throw crawl_error(e.what());
  }
  seeds = o.seeds;
  setup->filter = url_filter{seeds, o.allowed_domains, o.allow_private};
  o.allowed_domains = setup->filter.domains();
  o.allow_private = setup->filter.allows_private();

  try {
    if (!o.out_path.empty())
      setup->sink = std::make_unique<jsonl_sink>(o.out_path);
    if (!o.state_path.empty()) {
      // docs/crawl-state.md, "On start": repair (above), load, reconcile,
      // load again.
      setup->store = std::make_unique<state_store>(o.state_path);
      setup->store->load();
      auto records = jsonl_sink::read_records(o.out_path);
      std::vector<done_entry> recovered;
      recovered.reserve(records.size());
      for (auto& r : records)
        recovered.push_back(
            done_entry{std::move(r.url), r.status, "recovered"});
      setup->store->mark_done_if_absent(recovered);
      setup->resumed = records.size();
      setup->loaded = setup->store->load();
    }
  } catch (const std::exception& e) {
    throw crawl_error(e.what());
  }
  if (seeds.empty() && setup->loaded.pending.empty() &&
      setup->loaded.done.empty() && !o.router)
    throw crawl_error("no seed URL and no state to resume");

  http::engine_options eo;
  eo.user_agent = o.user_agent;
  eo.max_in_flight = o.concurrency + 8;
  eo.max_host_connections = static_cast<long>(o.per_host);
  eo.max_total_connections =
      static_cast<long>(std::max<std::size_t>(64, 2 * o.concurrency));
  eo.connect_timeout = o.connect_timeout;
  eo.total_timeout = o.timeout;
  eo.max_redirects = o.max_redirects;
  eo.max_body_bytes = o.max_page_bytes;
  impl_->http = std::make_unique<http::client>(rt, eo);
  setup->metrics = std::make_shared<detail::crawl_metrics>(metrics(rt));
  setup->options = o;
  impl_->filter = setup->filter;
  impl_->opts = std::move(o);
  impl_->progress->resumed.store(setup->resumed);
  impl_->setup = std::move(setup);
}

crawler::~crawler() {
  stop();
  if (impl_->started) {
    impl_->done.wait();
    for (auto& w : impl_->workers)
      w.wait();
  }
  impl_->http.reset();
  if (impl_->coordinator_actor)
    impl_->coordinator_actor.stop();
}

future<crawl_stats> crawler::run() {
  auto& m = *impl_;
  if (m.started)
    throw invalid_state_error("crawler::run called twice");
  m.started = true;
  promise<crawl_stats> p;
  m.done = p.get_future();
  auto body = std::make_unique<detail::coordinator>(
      std::move(*m.setup), *m.http, m.progress, std::move(p));
  m.setup.reset();
  m.coordinator = body.get();
  m.coordinator_actor = actio::detail::closure_actor::spawn(
      actio::detail::core_of(m.rt), std::move(body));
  auto weak = m.coordinator_actor.weak();
  m.coordinator_actor.post([c = m.coordinator, weak] { c->start(weak); });

  auto env = std::make_shared<worker_env>();
  env->coordinator_actor = weak;
  env->coordinator = m.coordinator;
  env->http = m.http.get();
  env->max_redirects = m.opts.max_redirects;
  env->links.parser = m.opts.parser;
  env->filter = m.filter;
  // The filter judges host names and literals; this judges the address
  // each connection reaches, so a public name pointing inside is refused.
  env->request.refuse_private_addresses = !m.filter.allows_private();
  if (m.opts.obey_robots)
    env->robots = [weak, c = m.coordinator](const std::string& url) {
      promise<detail::robots_answer> answer;
      auto f = answer.get_future();
      weak.post([c, url, answer = std::move(answer)]() mutable {
        c->robots_allows(url, std::move(answer));
      });
      return f;
    };
  for (std::size_t i = 0; i < m.opts.concurrency; ++i)
    m.workers.emplace_back(
        m.rt.create_task(worker_loop, std::shared_ptr<const worker_env>(env)));
  if (m.stopping.load())
    m.coordinator_actor.post([c = m.coordinator] { c->stop(); });
  return m.done;
}

void crawler::stop() {
  auto& m = *impl_;
  if (m.stopping.exchange(true) || !m.started)
    return;
  m.coordinator_actor.post([c = m.coordinator] { c->stop(); });
  for (auto& w : m.workers)
    w.cancel();
}

/// Runs `fn` with the coordinator on its actor; the future completes once
/// it ran, at once (without running it) when the crawl has not started.
future<none> run_on_coordinator(auto& m, auto fn) {
  promise<none> p;
  auto f = p.get_future();
  if (!m.started) {
    p.set_value(none{});
    return f;
  }
  m.coordinator_actor.post(
      [c = m.coordinator, fn = std::move(fn), p = std::move(p)]() mutable {
        fn(*c);
        p.set_value(none{});
      });
  return f;
}

future<none> crawler::inject(std::vector<frontier_entry> urls) {
  return run_on_coordinator(
      *impl_, [urls = std::move(urls)](detail::coordinator& c) mutable {
        c.inject(urls);
      });
}

future<none> crawler::mark_done(std::vector<std::string> urls) {
  return run_on_coordinator(
      *impl_, [urls = std::move(urls)](detail::coordinator& c) mutable {
        c.mark_done(urls);
      });
}

future<std::size_t> crawler::set_page_limit(std::size_t limit) {
  auto& m = *impl_;
  promise<std::size_t> p;
  auto f = p.get_future();
  if (!m.started) {
    p.set_value(m.opts.max_pages);
    return f;
  }
  m.coordinator_actor.post(
      [c = m.coordinator, limit, p = std::move(p)]() mutable {
        p.set_value(c->set_page_limit(limit));
      });
  return f;
}

void crawler::finish() {
  auto& m = *impl_;
  if (m.started)
    m.coordinator_actor.post([c = m.coordinator] { c->finish_now(); });
}

crawl_progress crawler::progress() const {
  const auto& p = *impl_->progress;
  crawl_progress out;
  out.pages = p.pages.load();
  out.errors = p.errors.load();
  out.queued = p.queued.load();
  out.in_flight = p.in_flight.load();
  out.admitted = p.admitted.load();
  out.waiting_for_room = p.waiting_for_room.load();
  out.resumed = p.resumed.load();
  out.idle = p.idle.load();
  auto start = p.start_ns.load();
  if (start != 0)
    out.elapsed_s =
        std::chrono::duration<double>(steady::now().time_since_epoch() -
                                      steady::duration(start))
            .count();
  return out;
}

const crawl_options& crawler::options() const noexcept {
  return impl_->opts;
}

} // namespace actio::crawl
