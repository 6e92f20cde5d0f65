// SPDX-License-Identifier: Apache-2.0
#include "crawl_setup.hpp"

#include "exit_codes.hpp"
#include "recorded_demo.hpp"

#include <actio/crawl/demo/demo_site.hpp>

#include <chrono>
#include <cstdio>
#include <exception>

namespace crawl = actio::crawl;

bool demo_host::serve(const crawl::demo_origin& origin,
                      const std::string& resumed_from) {
  try {
    crawl::demo_site_options so;
    so.page_count = origin.pages;
    so.seed = origin.seed;
    crawl::demo_server_options sv;
    sv.port = origin.port;
    server_ = std::make_unique<crawl::demo_server>(crawl::demo_site{so}, sv);
    server_->start();
    return true;
  } catch (const std::exception& e) {
    server_.reset();
    if (!resumed_from.empty())
      std::fprintf(stderr,
                   "actio-crawl: the demo crawl in %s is served on port %u "
                   "(its URLs name the port), which cannot be used now: "
                   "%s; free the port and rerun, or start a new crawl with "
                   "another --state\n",
                   resumed_from.c_str(), static_cast<unsigned>(origin.port),
                   e.what());
    else
      std::fprintf(stderr, "actio-crawl: demo server: %s\n", e.what());
    return false;
  }
}

void demo_host::stop() {
  if (server_)
    server_->stop();
}

namespace {

/// Why the command line contradicts the demo crawl stored in --state, or
/// nullopt.
std::optional<std::string> contradiction(const command_line& cl,
                                         const crawl::demo_origin& stored) {
  const auto& state = cl.options.state_path;
  if (!cl.urls.empty())
    return "the state file " + state +
           " holds a crawl of the embedded demo site (port " +
           std::to_string(stored.port) +
           "): rerun without URLs to continue it, or give another --state";
  if (cl.demo_pages_given && cl.demo_pages != stored.pages)
    return "the state file " + state + " holds a crawl of a " +
           std::to_string(stored.pages) + "-page demo site, not of " +
           std::to_string(cl.demo_pages) + " pages";
  if (cl.demo_port_given && cl.demo_port != stored.port)
    return "the state file " + state +
           " holds a crawl of the demo site on port " +
           std::to_string(stored.port) + ", not " +
           std::to_string(cl.demo_port) + " (its URLs name the port)";
  return std::nullopt;
}

} // namespace

std::variant<crawl_setup, int> set_up_crawl(const command_line& cl) {
  crawl_setup s;
  s.options = cl.options;
  auto& opts = s.options;
  // What the state holds decides what a run without URLs does: continue
  // the stored crawl (the demo site on its port again), or start one.
  if (!cl.clustered() && !opts.state_path.empty()) {
    try {
      s.stored = crawl::read_stored_crawl(opts.state_path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "actio-crawl: %s\n", e.what());
      return exit_fatal;
    }
  }
  if (s.stored)
    s.stored_demo = recorded_demo(*s.stored, cl.demo_pages);
  if (s.stored_demo)
    if (auto problem = contradiction(cl, *s.stored_demo)) {
      std::fprintf(stderr, "actio-crawl: %s\n", problem->c_str());
      return exit_usage;
    }
  s.demo = cl.urls.empty() && cl.cluster.join.empty() &&
           (!s.stored || s.stored_demo);
  long delay_ms = cl.delay_ms;
  long backoff_ms = cl.backoff_ms;
  if (s.demo) {
    if (!cl.delay_given)
      delay_ms = 0;
    if (!cl.per_host_given)
      opts.per_host = 8;
    if (!cl.backoff_given)
      backoff_ms = 100;
  }
  opts.delay = std::chrono::milliseconds{delay_ms};
  opts.backoff = std::chrono::milliseconds{backoff_ms};
  if (!s.demo) {
    opts.seeds = cl.urls;
    return s;
  }
  // A new demo crawl needs its port before the crawler (its start URL
  // names it); a resumed one knows it, and is served once the crawler
  // holds the state (a second process on it is told it is in use).
  if (s.stored_demo) {
    opts.demo = s.stored_demo;
  } else {
    if (!s.demo_server.serve(crawl::demo_origin{cl.demo_port, cl.demo_pages, 1},
                             ""))
      return exit_fatal;
    opts.demo =
        crawl::demo_origin{s.demo_server.get()->port(), cl.demo_pages, 1};
  }
  opts.seeds = {
      crawl::demo_site::home_url(crawl::demo_site::site_host, opts.demo->port)};
  if (opts.allowed_domains.empty())
    opts.allowed_domains = {std::string(crawl::demo_site::site_host),
                            std::string(crawl::demo_site::docs_host)};
  if (opts.out_path.empty())
    opts.keep_records = true;
  return s;
}
