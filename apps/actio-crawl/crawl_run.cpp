// SPDX-License-Identifier: Apache-2.0
#include "crawl_run.hpp"

#include "exit_codes.hpp"

#include <actio/actio.hpp>
#include <actio/crawl/crawler/crawler.hpp>
#include <actio/crawl/crawler/report.hpp>

#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

using namespace std::chrono_literals;
namespace crawl = actio::crawl;

namespace {

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
actio::task<void> print_progress(const crawl::crawler* c,
                                 std::optional<std::size_t> max_pages) {
  for (;;) {
    co_await actio::sleep(1s);
    auto line = crawl::format_progress(c->progress(), max_pages);
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
  }
}

/// Says on stderr what a run without URLs does.
void announce(const crawl_setup& s, const crawl::crawl_options& effective) {
  const auto& state = s.options.state_path;
  if (s.demo && s.stored_demo)
    std::fprintf(stderr,
                 "actio-crawl: no URL given: continuing the crawl in %s of "
                 "the embedded demo site (%zu pages) at %s\n",
                 state.c_str(), effective.demo->pages,
                 effective.seeds.front().c_str());
  else if (s.demo)
    std::fprintf(stderr,
                 "actio-crawl: no URL given: crawling the embedded demo "
                 "site (%zu pages) at %s\n",
                 effective.demo->pages, effective.seeds.front().c_str());
  else if (s.stored && s.options.seeds.empty())
    std::fprintf(stderr,
                 "actio-crawl: no URL given: continuing the crawl in %s "
                 "(start URLs %s)\n",
                 state.c_str(), some(effective.seeds).c_str());
}

} // namespace

crawl_run run_crawl(actio::runtime& rt, crawl_setup& setup,
                    std::optional<std::size_t> page_limit, bool show_progress) {
  crawl_run out;
  std::unique_ptr<crawl::crawler> c;
  try {
    c = std::make_unique<crawl::crawler>(rt, setup.options);
  } catch (const crawl::crawl_scope_error& e) {
    std::fprintf(stderr,
                 "actio-crawl: %s: rerun with no URL (nor --depth, "
                 "--allow-domain) to continue it as it is, with --add-seeds "
                 "to add start URLs and domains to it, or with another "
                 "--state\n",
                 e.what());
    out.code = exit_usage;
    return out;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "actio-crawl: %s\n", e.what());
    out.code = exit_fatal;
    return out;
  }
  out.effective = c->options();
  if (setup.stored_demo &&
      !setup.demo_server.serve(*setup.stored_demo, setup.options.state_path)) {
    out.code = exit_fatal;
    return out;
  }
  announce(setup, out.effective);
  auto done = c->run();
  actio::future<actio::none> shown;
  if (show_progress)
    shown = rt.create_task(print_progress, c.get(), page_limit);
  try {
    try {
      out.stats = rt.run_until_complete(done);
    } catch (const actio::keyboard_interrupt&) {
      std::fprintf(stderr, "%sactio-crawl: interrupted: saving state\n",
                   line_start());
      c->stop();
      out.stats = rt.run_until_complete(done);
      out.code = exit_interrupted;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%sactio-crawl: fatal: %s\n", line_start(), e.what());
    out.code = exit_fatal;
  }
  if (shown.valid()) {
    shown.cancel();
    std::fputs("\r\033[K", stderr);
  }
  return out;
}
