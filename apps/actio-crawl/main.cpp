// SPDX-License-Identifier: Apache-2.0
// actio-crawl: a polite, resumable web crawler on actio's actors. With no
// URL it serves the embedded demo site on 127.0.0.1 and crawls that (works
// offline), then checks the output against the site's expected crawl set.
#include <actio/actio.hpp>
#include <actio/crawl/core/url.hpp>
#include <actio/crawl/crawler/crawl_files.hpp>
#include <actio/crawl/crawler/crawler.hpp>
#include <actio/crawl/crawler/report.hpp>
#include <actio/crawl/crawler/stored_crawl.hpp>
#include <actio/crawl/demo/demo_check.hpp>
#include <actio/crawl/demo/demo_server.hpp>
#include <actio/crawl/demo/demo_site.hpp>

#include "cluster_main.hpp"
#include "recorded_demo.hpp"
#include "whole_number.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

using namespace std::chrono_literals;
namespace crawl = actio::crawl;

namespace {

constexpr int exit_ok = 0;
constexpr int exit_fatal = 1;
constexpr int exit_usage = 2;
constexpr int exit_interrupted = 130;

constexpr const char* exit_codes_text =
    "Exit codes:\n"
    "  0    the crawl completed (whatever statuses the pages returned)\n"
    "  1    fatal error: output or state file unwritable or unreadable, in "
    "use by\n"
    "       another process, or not a crawl's file (left untouched); demo "
    "server\n"
    "       failed or its port (a resumed demo crawl's) taken; --listen "
    "cannot bind,\n"
    "       --join found no coordinator, a worker lost its coordinator\n"
    "  2    bad arguments, --out and --state one file, or a --state holding "
    "another\n"
    "       crawl (other start URLs, domains or depth limit)\n"
    "  130  interrupted (SIGINT/SIGTERM): finished pages were saved; rerun "
    "with the\n"
    "       same --state and --out to continue\n";

/// What starts a message on stderr: on a terminal, a return to the start
/// of the line and its erasure (of the progress line, or of the ^C the
/// terminal echoed); elsewhere nothing, so that no empty line appears.
const char* line_start() {
  return isatty(2) != 0 ? "\r\033[K" : "";
}

/// "a, b, c" of at most three URLs, then how many in all.
std::string some(const std::vector<std::string>& urls) {
  std::string out;
  for (std::size_t i = 0; i < urls.size() && i < 3; ++i)
    out += (i == 0 ? "" : ", ") + urls[i];
  if (urls.size() > 3)
    out += ", ... (" + std::to_string(urls.size()) + " in all)";
  return out;
}

/// Prints the live progress line on stderr once a second until cancelled.
actio::task<void> show_progress(const crawl::crawler* c,
                                std::optional<std::size_t> max_pages) {
  for (;;) {
    co_await actio::sleep(1s);
    auto line = crawl::format_progress(c->progress(), max_pages);
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
  }
}

} // namespace

int main(int argc, char** argv) {
  // A file-size limit must fail the write (a fatal error, exit 1), not kill
  // the process before it could save its state.
  std::signal(SIGXFSZ, SIG_IGN);
  // The runtime first: it consumes the --actio-* options.
  std::unique_ptr<actio::runtime> rt;
  try {
    rt = std::make_unique<actio::runtime>(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "actio-crawl: %s\n", e.what());
    return exit_usage;
  }

  crawl::crawl_options opts;
  std::vector<std::string> urls;
  std::size_t max_pages = 0;
  std::uint32_t depth = 0;
  long delay_ms = 1000;
  long timeout_ms = 30'000;
  long connect_timeout_ms = 10'000;
  long backoff_ms = 1000;
  long depth_wait_ms = 2000;
  std::uint32_t retries = 2;
  std::size_t demo_pages = 3000;
  std::uint16_t demo_port = 0;
  bool no_robots = false;
  bool no_progress = false;
  bool add_seeds = false;
  cluster_cli cluster;

  CLI::App app{"actio-crawl: a polite, resumable web crawler built on actio's "
               "actors.\nWith no URL it starts the embedded demo site on "
               "127.0.0.1 and crawls it (no network needed).\nOutput: one "
               "JSON object per URL (url, final_url, status, depth, "
               "content_type, bytes,\ntitle, links, fetch_ms, error), exactly "
               "once per URL even across kills and resumes\nwhen --state and "
               "--out are given.",
               "actio-crawl"};
  app.footer(std::string(exit_codes_text) +
             "\nRuntime options (--actio-threads=N, --actio-scheduler=..., "
             "...) are passed to actio's runtime.");
  app.set_version_flag("--version",
                       std::string("actio-crawl ") + ACTIO_CRAWL_VERSION,
                       "Print the program's version and exit");
  app.add_option("URL", urls,
                 "Start URLs (http or https). None: crawl the embedded demo "
                 "site, or continue the crawl stored in --state");
  app.add_option("--max-pages", max_pages,
                 "At most N pages (output lines) in the whole crawl: pages "
                 "written by earlier runs with the same --state count, so a "
                 "resumed run fetches at most N minus those. Not stored: "
                 "each run gives its own (none: no limit)")
      ->check(whole_number<std::size_t>(1));
  app.add_option("--depth", depth,
                 "Follow links at most D hops from a start URL (start URLs are "
                 "depth 0); a resumed crawl keeps the limit in its state")
      ->check(whole_number<std::uint32_t>(0));
  app.add_option("--concurrency", opts.concurrency,
                 "Fetches in flight at most, over all hosts")
      ->capture_default_str()
      ->check(whole_number<std::size_t>(1, 4096));
  app.add_option("--per-host", opts.per_host,
                 "Fetches in flight at most per host (demo site: 8)")
      ->capture_default_str()
      ->check(whole_number<std::uint32_t>(1, 1024));
  app.add_option("--delay", delay_ms,
                 "Minimum milliseconds between two request starts to one host; "
                 "a robots.txt Crawl-delay (capped at 30 s) may raise it "
                 "(demo site: 0)")
      ->capture_default_str()
      ->check(whole_number<long>(0));
  app.add_option("--state", opts.state_path,
                 "SQLite state file: frontier, seen and done URLs, and the "
                 "crawl's start URLs, domains and depth limit. Rerunning with "
                 "the same file (and --out) continues its crawl: give no URL, "
                 "or the same ones (see --add-seeds); a demo crawl is served "
                 "on its port again. Locked while in use (FILE.lock); "
                 "needs --out");
  app.add_option("--out", opts.out_path,
                 "JSON Lines output file, appended to (across resumes too); "
                 "locked while in use (FILE.lock)");
  app.add_flag("--add-seeds", add_seeds,
               "With a --state that holds a crawl: add these start URLs (and "
               "their hosts, or the --allow-domain ones) to it, instead of "
               "refusing start URLs other than its own");
  app.add_option("--allow-domain", opts.allowed_domains,
                 "Stay on this domain and its sub-domains (repeatable); "
                 "default: the start URLs' hosts");
  app.add_option("--user-agent", opts.user_agent,
                 "User-Agent header; its first token is the robots.txt name")
      ->capture_default_str();
  app.add_flag("--no-robots", no_robots, "Do not fetch or honour robots.txt");
  app.add_flag("--allow-private", opts.allow_private,
               "Also visit loopback and private addresses (allowed "
               "automatically when a start URL is one)");
  app.add_option("--timeout", timeout_ms,
                 "Milliseconds allowed per fetch, redirects included")
      ->capture_default_str()
      ->check(whole_number<long>(1));
  app.add_option("--connect-timeout", connect_timeout_ms,
                 "Milliseconds allowed to connect")
      ->capture_default_str()
      ->check(whole_number<long>(1));
  app.add_option("--max-bytes", opts.max_page_bytes,
                 "Larger pages are aborted and recorded as too_large")
      ->capture_default_str()
      ->check(whole_number<std::size_t>(1));
  app.add_option("--retries", retries,
                 "Retries of a transient failure (timeout, reset, 429, 5xx)")
      ->capture_default_str()
      ->check(whole_number<std::uint32_t>(0, 100));
  app.add_option("--backoff", backoff_ms,
                 "Milliseconds before the first retry; doubles per retry, "
                 "jittered; Retry-After wins (demo site: 100)")
      ->capture_default_str()
      ->check(whole_number<long>(0));
  app.add_option("--depth-wait", depth_wait_ms,
                 "Milliseconds links wait for slower pages of lower depths, "
                 "so that depths are shortest distances (0: no wait)")
      ->capture_default_str()
      ->check(whole_number<long>(0));
  app.add_option("--demo-pages", demo_pages,
                 "Pages of the embedded demo site (no URL given)")
      ->capture_default_str()
      ->check(whole_number<std::size_t>(40, 10'000'000));
  app.add_option("--demo-port", demo_port,
                 "Port of the embedded demo site; 0 picks a free one. A "
                 "resumed demo crawl is served on the port in its state")
      ->capture_default_str()
      ->check(whole_number<std::uint16_t>(0));
  app.add_option("--listen", cluster.listen,
                 "Multi-node crawl: be the coordinator (and a crawling node) "
                 "on HOST:PORT; needs URLs, --nodes, --state, --out and "
                 "--actio-remote=tls (with --actio-tls-certificate, "
                 "--actio-tls-key, --actio-tls-ca) or --actio-remote=insecure "
                 "(loopback only)");
  app.add_option("--join", cluster.join,
                 "Multi-node crawl: join the coordinator at HOST:PORT as a "
                 "worker node; needs --state, --out and --actio-remote "
                 "(as --listen); takes the crawl's URLs and domains from the "
                 "coordinator");
  app.add_option("--nodes", cluster.nodes,
                 "Multi-node crawl: nodes (the coordinator included) that must "
                 "join before the crawl starts")
      ->check(whole_number<std::size_t>(1, 1000));
  app.add_option("--node-name", cluster.node_name,
                 "Multi-node crawl: this node's unique name (default: "
                 "coordinator, or node-PID)");
  app.add_flag("--no-progress", no_progress,
               "No live progress line (it is shown only when stderr is a "
               "terminal)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? exit_ok : exit_usage;
  }
  auto usage = [](const std::string& problem) {
    std::fprintf(stderr, "actio-crawl: %s\n", problem.c_str());
    return exit_usage;
  };

  bool clustered = !cluster.listen.empty() || !cluster.join.empty();
  if (clustered) {
    const char* problem = nullptr;
    if (!cluster.listen.empty() && !cluster.join.empty())
      problem = "--listen and --join exclude each other";
    else if (opts.state_path.empty() || opts.out_path.empty())
      problem = "a multi-node crawl needs --state and --out on every node";
    else if (!cluster.listen.empty() && urls.empty())
      problem = "--listen needs start URLs (the demo site is single-node)";
    else if (!cluster.join.empty() && !urls.empty())
      problem = "--join takes no URL: the coordinator has them";
    else if (!cluster.join.empty() && app.count("--nodes") != 0)
      problem = "--nodes is the coordinator's (--listen) option";
    else if (max_pages != 0)
      problem = "--max-pages is not supported in a multi-node crawl";
    else if (add_seeds)
      problem = "--add-seeds is not supported in a multi-node crawl";
    if (problem != nullptr)
      return usage(problem);
  } else if (app.count("--nodes") != 0 || app.count("--node-name") != 0) {
    return usage("--nodes and --node-name need --listen or --join");
  }
  for (const auto& u : urls)
    if (auto c = crawl::canonicalize(u); !c)
      return usage("invalid URL '" + u + "': " + c.error().message);
  if (!opts.state_path.empty() && opts.out_path.empty())
    return usage("--state needs --out (the output is reconciled with the "
                 "state on resume)");
  if (add_seeds && (opts.state_path.empty() || urls.empty()))
    return usage("--add-seeds needs --state and the start URLs to add");
  if (!opts.state_path.empty())
    if (auto clash = crawl::crawl_files_clash(opts.state_path, opts.out_path))
      return usage(*clash + ": give --out and --state files of their own");
  opts.add_seeds = add_seeds;
  if (max_pages != 0)
    opts.max_pages = max_pages;
  if (app.count("--depth") != 0)
    opts.max_depth = depth;
  opts.obey_robots = !no_robots;
  opts.timeout = std::chrono::milliseconds{timeout_ms};
  opts.connect_timeout = std::chrono::milliseconds{connect_timeout_ms};
  opts.max_attempts = retries + 1;

  // What the state holds decides what a run without URLs does: continue
  // the stored crawl (the demo site on its port again), or start one.
  std::optional<crawl::stored_crawl> stored;
  if (!clustered && !opts.state_path.empty()) {
    try {
      stored = crawl::read_stored_crawl(opts.state_path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "actio-crawl: %s\n", e.what());
      return exit_fatal;
    }
  }
  std::optional<crawl::demo_origin> stored_demo;
  if (stored)
    stored_demo = recorded_demo(*stored, demo_pages);
  if (stored_demo && !urls.empty())
    return usage("the state file " + opts.state_path +
                 " holds a crawl of the embedded demo site (port " +
                 std::to_string(stored_demo->port) +
                 "): rerun without URLs to continue it, or give another "
                 "--state");
  if (stored_demo && app.count("--demo-pages") != 0 &&
      demo_pages != stored_demo->pages)
    return usage("the state file " + opts.state_path + " holds a crawl of a " +
                 std::to_string(stored_demo->pages) +
                 "-page demo site, not of " + std::to_string(demo_pages) +
                 " pages");
  if (stored_demo && app.count("--demo-port") != 0 &&
      demo_port != stored_demo->port)
    return usage("the state file " + opts.state_path +
                 " holds a crawl of the demo site on port " +
                 std::to_string(stored_demo->port) + ", not " +
                 std::to_string(demo_port) + " (its URLs name the port)");
  bool demo = urls.empty() && cluster.join.empty() && (!stored || stored_demo);
  if (demo) {
    if (app.count("--delay") == 0)
      delay_ms = 0;
    if (app.count("--per-host") == 0)
      opts.per_host = 8;
    if (app.count("--backoff") == 0)
      backoff_ms = 100;
  }
  opts.delay = std::chrono::milliseconds{delay_ms};
  opts.backoff = std::chrono::milliseconds{backoff_ms};
  opts.depth_wait = std::chrono::milliseconds{depth_wait_ms};

  if (clustered) {
    opts.seeds = urls;
    cluster.progress = !no_progress && isatty(2) != 0;
    try {
      return cluster.listen.empty() ? run_worker(*rt, opts, cluster)
                                    : run_coordinator(*rt, opts, cluster);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "actio-crawl: fatal: %s\n", e.what());
      return exit_fatal;
    }
  }

  std::unique_ptr<crawl::demo_server> server;
  // Serves the demo site of `origin` (port 0: a free one); false after
  // saying why.
  auto serve_demo = [&](const crawl::demo_origin& origin) {
    try {
      crawl::demo_site_options so;
      so.page_count = origin.pages;
      so.seed = origin.seed;
      crawl::demo_server_options sv;
      sv.port = origin.port;
      server = std::make_unique<crawl::demo_server>(crawl::demo_site{so}, sv);
      server->start();
      return true;
    } catch (const std::exception& e) {
      if (stored_demo)
        std::fprintf(stderr,
                     "actio-crawl: the demo crawl in %s is served on port %u "
                     "(its URLs name the port), which cannot be used now: "
                     "%s; free the port and rerun, or start a new crawl with "
                     "another --state\n",
                     opts.state_path.c_str(),
                     static_cast<unsigned>(origin.port), e.what());
      else
        std::fprintf(stderr, "actio-crawl: demo server: %s\n", e.what());
      return false;
    }
  };
  if (demo) {
    // A new demo crawl needs its port before the crawler (its start URL
    // names it); a resumed one knows it, and is served once the crawler
    // holds the state (a second process on it is told it is in use).
    if (stored_demo) {
      opts.demo = stored_demo;
    } else {
      if (!serve_demo(crawl::demo_origin{demo_port, demo_pages, 1}))
        return exit_fatal;
      opts.demo = crawl::demo_origin{server->port(), demo_pages, 1};
    }
    opts.seeds = {crawl::demo_site::home_url(crawl::demo_site::site_host,
                                             opts.demo->port)};
    if (opts.allowed_domains.empty())
      opts.allowed_domains = {std::string(crawl::demo_site::site_host),
                              std::string(crawl::demo_site::docs_host)};
    if (opts.out_path.empty())
      opts.keep_records = true;
  } else {
    opts.seeds = urls;
  }

  int code = exit_ok;
  crawl::crawl_stats stats;
  std::optional<std::size_t> limit;
  if (max_pages != 0)
    limit = max_pages;
  bool progress = !no_progress && isatty(2) != 0;
  crawl::crawl_options effective;
  {
    std::unique_ptr<crawl::crawler> c;
    try {
      c = std::make_unique<crawl::crawler>(*rt, opts);
    } catch (const crawl::crawl_scope_error& e) {
      if (server)
        server->stop();
      return usage(std::string(e.what()) +
                   ": rerun with no URL (nor --depth, --allow-domain) to "
                   "continue it as it is, with --add-seeds to add start URLs "
                   "and domains to it, or with another --state");
    } catch (const std::exception& e) {
      if (server)
        server->stop();
      std::fprintf(stderr, "actio-crawl: %s\n", e.what());
      return exit_fatal;
    }
    effective = c->options();
    if (stored_demo && !serve_demo(*stored_demo))
      return exit_fatal;
    if (demo && stored_demo)
      std::fprintf(stderr,
                   "actio-crawl: no URL given: continuing the crawl in %s of "
                   "the embedded demo site (%zu pages) at %s\n",
                   opts.state_path.c_str(), effective.demo->pages,
                   effective.seeds.front().c_str());
    else if (demo)
      std::fprintf(stderr,
                   "actio-crawl: no URL given: crawling the embedded demo "
                   "site (%zu pages) at %s\n",
                   effective.demo->pages, effective.seeds.front().c_str());
    else if (stored && urls.empty())
      std::fprintf(stderr,
                   "actio-crawl: no URL given: continuing the crawl in %s "
                   "(start URLs %s)\n",
                   opts.state_path.c_str(), some(effective.seeds).c_str());
    auto done = c->run();
    actio::future<actio::none> shown;
    if (progress)
      shown = rt->create_task(show_progress, c.get(), limit);
    try {
      try {
        stats = rt->run_until_complete(done);
      } catch (const actio::keyboard_interrupt&) {
        std::fprintf(stderr, "%sactio-crawl: interrupted: saving state\n",
                     line_start());
        c->stop();
        stats = rt->run_until_complete(done);
        code = exit_interrupted;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%sactio-crawl: fatal: %s\n", line_start(),
                   e.what());
      code = exit_fatal;
    }
    if (shown.valid()) {
      shown.cancel();
      std::fputs("\r\033[K", stderr);
    }
  }
  if (code == exit_fatal) {
    if (server)
      server->stop();
    return code;
  }

  std::fputs(crawl::format_summary(stats).c_str(), stdout);
  if (server && !stats.interrupted) {
    crawl::demo_crawl_rules rules;
    rules.port = server->port();
    rules.seeds = effective.seeds;
    rules.max_depth = effective.max_depth;
    auto expected = server->site().expected_crawl_set(rules);
    std::vector<crawl::fetch_record> records;
    try {
      records = opts.out_path.empty()
                    ? std::move(stats.records)
                    : crawl::jsonl_sink::read_records(opts.out_path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "actio-crawl: reading %s: %s\n",
                   opts.out_path.c_str(), e.what());
      return exit_fatal;
    }
    auto check = crawl::check_demo_crawl(records, expected, limit.has_value());
    std::printf("%s\n", check.to_string().c_str());
  }
  std::fflush(stdout);
  if (server)
    server->stop();
  return code;
}
