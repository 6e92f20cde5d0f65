// SPDX-License-Identifier: Apache-2.0
// actio-crawl: a polite, resumable web crawler on actio's actors. With no
// URL it serves the embedded demo site on 127.0.0.1 and crawls that (works
// offline), then checks the output against the site's expected crawl set.
#include <actio/actio.hpp>
#include <actio/actors/crawl/demo_server.hpp>
#include <actio/actors/crawl/demo_site.hpp>
#include <actio/actors/crawl/url.hpp>
#include <actio/actors/crawler/crawler.hpp>
#include <actio/actors/crawler/report.hpp>

#include "cluster_main.hpp"

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
    "  1    fatal error: output or state file unwritable or unreadable, "
    "demo server\n"
    "       failed, --listen cannot bind, --join found no coordinator, a "
    "worker\n"
    "       lost its coordinator\n"
    "  2    bad arguments\n"
    "  130  interrupted (SIGINT/SIGTERM): finished pages were saved; rerun "
    "with the\n"
    "       same --state and --out to continue\n";

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
  app.add_option("URL", urls,
                 "Start URLs (http or https). None: crawl the embedded demo "
                 "site.");
  app.add_option("--max-pages", max_pages,
                 "Fetch at most N pages over the whole crawl (resumed runs "
                 "included)")
      ->check(CLI::PositiveNumber);
  app.add_option("--depth", depth,
                 "Follow links at most D hops from a start URL (start URLs are "
                 "depth 0)");
  app.add_option("--concurrency", opts.concurrency,
                 "Fetches in flight at most, over all hosts")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{4096}));
  app.add_option("--per-host", opts.per_host,
                 "Fetches in flight at most per host (demo site: 8)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--delay", delay_ms,
                 "Minimum milliseconds between two request starts to one host; "
                 "a robots.txt Crawl-delay (capped at 30 s) may raise it "
                 "(demo site: 0)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--state", opts.state_path,
                 "SQLite state file: frontier, seen and done URLs. Rerunning "
                 "with the same file continues the crawl (needs --out)");
  app.add_option("--out", opts.out_path,
                 "JSON Lines output file, appended to (across resumes too)");
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
      ->check(CLI::PositiveNumber);
  app.add_option("--connect-timeout", connect_timeout_ms,
                 "Milliseconds allowed to connect")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--max-bytes", opts.max_page_bytes,
                 "Larger pages are aborted and recorded as too_large")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--retries", retries,
                 "Retries of a transient failure (timeout, reset, 429, 5xx)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 100u));
  app.add_option("--backoff", backoff_ms,
                 "Milliseconds before the first retry; doubles per retry, "
                 "jittered; Retry-After wins (demo site: 100)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--depth-wait", depth_wait_ms,
                 "Milliseconds links wait for slower pages of lower depths, "
                 "so that depths are shortest distances (0: no wait)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--demo-pages", demo_pages,
                 "Pages of the embedded demo site (no URL given)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{40}, std::size_t{10'000'000}));
  app.add_option("--demo-port", demo_port,
                 "Port of the embedded demo site; 0 picks a free one (give a "
                 "fixed one to resume a demo crawl)")
      ->capture_default_str();
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
      ->check(CLI::Range(std::size_t{1}, std::size_t{1000}));
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
    if (problem != nullptr) {
      std::fprintf(stderr, "actio-crawl: %s\n", problem);
      return exit_usage;
    }
  } else if (app.count("--nodes") != 0 || app.count("--node-name") != 0) {
    std::fprintf(stderr,
                 "actio-crawl: --nodes and --node-name need --listen or "
                 "--join\n");
    return exit_usage;
  }
  bool demo = urls.empty() && cluster.join.empty();
  for (const auto& u : urls)
    if (auto c = crawl::canonicalize(u); !c) {
      std::fprintf(stderr, "actio-crawl: invalid URL '%s': %s\n", u.c_str(),
                   c.error().c_str());
      return exit_usage;
    }
  if (!opts.state_path.empty() && opts.out_path.empty()) {
    std::fprintf(stderr, "actio-crawl: --state needs --out (the output is "
                         "reconciled with the state on resume)\n");
    return exit_usage;
  }
  if (max_pages != 0)
    opts.max_pages = max_pages;
  if (app.count("--depth") != 0)
    opts.max_depth = depth;
  opts.obey_robots = !no_robots;
  opts.timeout = std::chrono::milliseconds{timeout_ms};
  opts.connect_timeout = std::chrono::milliseconds{connect_timeout_ms};
  opts.max_attempts = retries + 1;
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
  if (demo) {
    try {
      crawl::demo_site_options so;
      so.page_count = demo_pages;
      crawl::demo_server_options sv;
      sv.port = demo_port;
      server = std::make_unique<crawl::demo_server>(crawl::demo_site{so}, sv);
      server->start();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "actio-crawl: demo server: %s\n", e.what());
      return exit_fatal;
    }
    opts.seeds = {crawl::demo_site::home_url(crawl::demo_site::site_host,
                                             server->port())};
    if (opts.allowed_domains.empty())
      opts.allowed_domains = {std::string(crawl::demo_site::site_host),
                              std::string(crawl::demo_site::docs_host)};
    if (opts.out_path.empty())
      opts.keep_records = true;
    std::fprintf(stderr,
                 "actio-crawl: no URL given: crawling the embedded demo site "
                 "(%zu pages) at %s\n",
                 demo_pages, opts.seeds.front().c_str());
  } else {
    opts.seeds = urls;
  }

  int code = exit_ok;
  crawl::crawl_stats stats;
  std::optional<std::size_t> limit;
  if (max_pages != 0)
    limit = max_pages;
  bool progress = !no_progress && isatty(2) != 0;
  {
    std::unique_ptr<crawl::crawler> c;
    try {
      c = std::make_unique<crawl::crawler>(*rt, opts);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "actio-crawl: %s\n", e.what());
      return exit_fatal;
    }
    auto done = c->run();
    actio::future<actio::none> shown;
    if (progress)
      shown = rt->create_task(show_progress, c.get(), limit);
    try {
      try {
        stats = rt->run_until_complete(done);
      } catch (const actio::keyboard_interrupt&) {
        std::fputs("\nactio-crawl: interrupted: saving state\n", stderr);
        c->stop();
        stats = rt->run_until_complete(done);
        code = exit_interrupted;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "\nactio-crawl: fatal: %s\n", e.what());
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
    rules.seeds = opts.seeds;
    rules.max_depth = opts.max_depth;
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
