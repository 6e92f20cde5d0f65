// SPDX-License-Identifier: Apache-2.0
#include "command_line.hpp"

#include "exit_codes.hpp"
#include "whole_number.hpp"

#include <actio/crawl/core/url.hpp>
#include <actio/crawl/crawler/crawl_files.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <optional>

namespace crawl = actio::crawl;

namespace {

/// The settings a run parses into, besides `command_line` itself.
struct parsed_flags {
  std::uint32_t depth = 0;
  long timeout_ms = 30'000;
  long connect_timeout_ms = 10'000;
  std::uint32_t retries = 2;
  bool no_robots = false;
  bool no_progress = false;
  bool add_seeds = false;
  std::string html_parser = "scanner";
  long coordinator_wait_s = 300;
};

void declare_options(CLI::App& app, command_line& cl, parsed_flags& f) {
  auto& opts = cl.options;
  app.footer(std::string(exit_codes_text) +
             "\nRuntime options (--actio-threads=N, --actio-scheduler=..., "
             "...) are passed to actio's runtime.");
  app.set_version_flag("--version",
                       std::string("actio-crawl ") + ACTIO_CRAWL_VERSION,
                       "Print the program's version and exit");
  app.add_option("URL", cl.urls,
                 "Start URLs (http or https). None: crawl the embedded demo "
                 "site, or continue the crawl stored in --state");
  app.add_option("--max-pages", cl.max_pages,
                 "At most N pages (output lines) in the whole crawl: pages "
                 "written by earlier runs with the same --state count, so a "
                 "resumed run fetches at most N minus those. Not stored: "
                 "each run gives its own (none: no limit). Multi-node: the "
                 "coordinator's, for the union of every node's output")
      ->check(whole_number<std::size_t>(1));
  app.add_option("--depth", f.depth,
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
  app.add_option("--delay", cl.delay_ms,
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
  app.add_flag("--add-seeds", f.add_seeds,
               "With a --state that holds a crawl: add these start URLs (and "
               "their hosts, or the --allow-domain ones) to it, instead of "
               "refusing start URLs other than its own");
  app.add_option("--allow-domain", opts.allowed_domains,
                 "Stay on this domain and its sub-domains (repeatable); "
                 "default: the start URLs' hosts");
  app.add_option("--user-agent", opts.user_agent,
                 "User-Agent header; its first token is the robots.txt name")
      ->capture_default_str();
  app.add_flag("--no-robots", f.no_robots, "Do not fetch or honour robots.txt");
  app.add_flag("--allow-private", opts.allow_private,
               "Also visit loopback and private addresses (allowed "
               "automatically when a start URL is one)");
  app.add_option("--timeout", f.timeout_ms,
                 "Milliseconds allowed per fetch, redirects included")
      ->capture_default_str()
      ->check(whole_number<long>(1));
  app.add_option("--connect-timeout", f.connect_timeout_ms,
                 "Milliseconds allowed to connect")
      ->capture_default_str()
      ->check(whole_number<long>(1));
  app.add_option("--max-bytes", opts.max_page_bytes,
                 "Larger pages are aborted and recorded as too_large")
      ->capture_default_str()
      ->check(whole_number<std::size_t>(1));
  app.add_option("--html-parser", f.html_parser,
                 "Link extraction: scanner (actio's, on the HTML standard's "
                 "tokenizer) or libxml2")
      ->capture_default_str()
      ->check(CLI::IsMember({"scanner", "libxml2"}));
  app.add_option("--retries", f.retries,
                 "Retries of a transient failure (timeout, reset, 429, 5xx)")
      ->capture_default_str()
      ->check(whole_number<std::uint32_t>(0, 100));
  app.add_option("--backoff", cl.backoff_ms,
                 "Milliseconds before the first retry; doubles per retry, "
                 "jittered; Retry-After wins (demo site: 100)")
      ->capture_default_str()
      ->check(whole_number<long>(0));
  app.add_option("--depth-wait", cl.depth_wait_ms,
                 "Milliseconds links wait for slower pages of lower depths, "
                 "so that depths are shortest distances (0: no wait)")
      ->capture_default_str()
      ->check(whole_number<long>(0));
  app.add_option("--demo-pages", cl.demo_pages,
                 "Pages of the embedded demo site (no URL given)")
      ->capture_default_str()
      ->check(whole_number<std::size_t>(40, 10'000'000));
  app.add_option("--demo-port", cl.demo_port,
                 "Port of the embedded demo site; 0 picks a free one. A "
                 "resumed demo crawl is served on the port in its state")
      ->capture_default_str()
      ->check(whole_number<std::uint16_t>(0));
  app.add_option("--listen", cl.cluster.listen,
                 "Multi-node crawl: be the coordinator (and a crawling node) "
                 "on HOST:PORT; needs URLs, --nodes, --state, --out and "
                 "--actio-remote=tls (with --actio-tls-certificate, "
                 "--actio-tls-key, --actio-tls-ca) or --actio-remote=insecure "
                 "(loopback only)");
  app.add_option("--join", cl.cluster.join,
                 "Multi-node crawl: join the coordinator at HOST:PORT as a "
                 "worker node; needs --state, --out and --actio-remote "
                 "(as --listen); takes the crawl's URLs, domains, depth, "
                 "politeness and fetch settings (--delay, --per-host, "
                 "timeouts, --retries, --backoff, --user-agent, robots, "
                 "--max-bytes, --html-parser, --depth-wait) from the "
                 "coordinator and refuses them: only --concurrency is its "
                 "own");
  app.add_option("--nodes", cl.cluster.nodes,
                 "Multi-node crawl: nodes (the coordinator included) that must "
                 "join before the crawl starts")
      ->check(whole_number<std::size_t>(1, 1000));
  app.add_option("--coordinator-wait", f.coordinator_wait_s,
                 "Multi-node crawl: seconds a worker that lost the "
                 "coordinator waits for it to come back on the --join "
                 "address (then it exits 1, its state saved), and seconds a "
                 "coordinator restarted on its --state waits for the crawl's "
                 "nodes to rejoin (then their hosts are handed over)")
      ->capture_default_str()
      ->check(whole_number<long>(0, 86'400));
  app.add_option("--node-name", cl.cluster.node_name,
                 "Multi-node crawl: this node's unique name (default: "
                 "coordinator, or node-PID)");
  app.add_flag("--no-progress", f.no_progress,
               "No live progress line (it is shown only when stderr is a "
               "terminal)");
}

/// The settings a worker takes from the coordinator (`crawl_settings`), so
/// that every owner of a host applies the same rules.
constexpr const char* coordinator_flags[] = {
    "--delay",         "--per-host",    "--timeout",    "--connect-timeout",
    "--retries",       "--backoff",     "--user-agent", "--no-robots",
    "--max-bytes",     "--html-parser", "--depth-wait", "--allow-domain",
    "--allow-private", "--depth",       "--max-pages"};

/// Why the parsed command line cannot run, or nullopt.
std::optional<std::string> problem_with(const CLI::App& app,
                                        const command_line& cl,
                                        const parsed_flags& f) {
  const auto& opts = cl.options;
  if (cl.clustered()) {
    if (!cl.cluster.listen.empty() && !cl.cluster.join.empty())
      return "--listen and --join exclude each other";
    if (opts.state_path.empty() || opts.out_path.empty())
      return "a multi-node crawl needs --state and --out on every node";
    if (!cl.cluster.listen.empty() && cl.urls.empty())
      return "--listen needs start URLs (the demo site is single-node)";
    if (!cl.cluster.join.empty() && !cl.urls.empty())
      return "--join takes no URL: the coordinator has them";
    if (!cl.cluster.join.empty() && app.count("--nodes") != 0)
      return "--nodes is the coordinator's (--listen) option";
    if (!cl.cluster.join.empty())
      for (const char* flag : coordinator_flags)
        if (app.count(flag) != 0)
          return std::string(flag) +
                 " is the coordinator's (--listen): every node of a "
                 "multi-node crawl crawls with the coordinator's scope, "
                 "politeness and fetch settings; a worker (--join) sets only "
                 "its own --concurrency";
    if (f.add_seeds)
      return "--add-seeds is not supported in a multi-node crawl";
  } else if (app.count("--nodes") != 0 || app.count("--node-name") != 0 ||
             app.count("--coordinator-wait") != 0) {
    return "--nodes, --node-name and --coordinator-wait need --listen or "
           "--join";
  }
  for (const auto& u : cl.urls)
    if (auto c = crawl::canonicalize(u); !c)
      return "invalid URL '" + u + "': " + c.error().message;
  if (!opts.state_path.empty() && opts.out_path.empty())
    return "--state needs --out (the output is reconciled with the state on "
           "resume)";
  if (f.add_seeds && (opts.state_path.empty() || cl.urls.empty()))
    return "--add-seeds needs --state and the start URLs to add";
  if (!opts.state_path.empty())
    if (auto clash = crawl::crawl_files_clash(opts.state_path, opts.out_path))
      return *clash + ": give --out and --state files of their own";
  return std::nullopt;
}

} // namespace

std::variant<command_line, int> parse_command_line(int argc, char** argv) {
  command_line cl;
  parsed_flags f;
  CLI::App app{"actio-crawl: a polite, resumable web crawler built on actio's "
               "actors.\nWith no URL it starts the embedded demo site on "
               "127.0.0.1 and crawls it (no network needed).\nOutput: one "
               "JSON object per URL (url, final_url, status, depth, "
               "content_type, bytes,\ntitle, links, fetch_ms, error), exactly "
               "once per URL even across kills and resumes\nwhen --state and "
               "--out are given.",
               "actio-crawl"};
  declare_options(app, cl, f);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? exit_ok : exit_usage;
  }
  if (auto problem = problem_with(app, cl, f)) {
    std::fprintf(stderr, "actio-crawl: %s\n", problem->c_str());
    return exit_usage;
  }
  auto& opts = cl.options;
  opts.add_seeds = f.add_seeds;
  if (cl.max_pages != 0)
    opts.max_pages = cl.max_pages;
  if (app.count("--depth") != 0)
    opts.max_depth = f.depth;
  opts.obey_robots = !f.no_robots;
  opts.timeout = std::chrono::milliseconds{f.timeout_ms};
  opts.connect_timeout = std::chrono::milliseconds{f.connect_timeout_ms};
  opts.max_attempts = f.retries + 1;
  opts.depth_wait = std::chrono::milliseconds{cl.depth_wait_ms};
  opts.parser = crawl::parse_html_parser(f.html_parser)
                    .value_or(crawl::html_parser::scanner);
  cl.delay_given = app.count("--delay") != 0;
  cl.backoff_given = app.count("--backoff") != 0;
  cl.per_host_given = app.count("--per-host") != 0;
  cl.demo_pages_given = app.count("--demo-pages") != 0;
  cl.demo_port_given = app.count("--demo-port") != 0;
  cl.progress = !f.no_progress;
  cl.cluster.coordinator_wait = std::chrono::seconds{f.coordinator_wait_s};
  return cl;
}
