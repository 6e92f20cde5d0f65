// SPDX-License-Identifier: Apache-2.0
// actio-crawl: a polite, resumable web crawler on actio's actors. With no
// URL it serves the embedded demo site on 127.0.0.1 and crawls that (works
// offline), then checks the output against the site's expected crawl set.
//
// Four stages, each in its own file: the command line (command_line.cpp),
// what to crawl (crawl_setup.cpp), the crawl (crawl_run.cpp) and the report
// (crawl_report.cpp); a multi-node crawl runs cluster_main.cpp instead of
// the last two.
#include <actio/runtime.hpp>

#include "cluster_main.hpp"
#include "command_line.hpp"
#include "crawl_report.hpp"
#include "crawl_run.hpp"
#include "crawl_setup.hpp"
#include "exit_codes.hpp"

#include <csignal>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <variant>

#include <unistd.h>

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

  auto parsed = parse_command_line(argc, argv);
  if (auto* code = std::get_if<int>(&parsed))
    return *code;
  auto& cl = std::get<command_line>(parsed);
  bool progress = cl.progress && isatty(2) != 0;

  auto planned = set_up_crawl(cl);
  if (auto* code = std::get_if<int>(&planned))
    return *code;
  auto& setup = std::get<crawl_setup>(planned);

  if (cl.clustered()) {
    cl.cluster.progress = progress;
    try {
      return cl.cluster.listen.empty()
                 ? run_worker(*rt, setup.options, cl.cluster)
                 : run_coordinator(*rt, setup.options, cl.cluster);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "actio-crawl: fatal: %s\n", e.what());
      return exit_fatal;
    }
  }

  std::optional<std::size_t> page_limit;
  if (cl.max_pages != 0)
    page_limit = cl.max_pages;
  auto run = run_crawl(*rt, setup, page_limit, progress);
  int code = run.code;
  if (code == exit_ok || code == exit_interrupted)
    code = report_crawl(setup, run, page_limit);
  setup.demo_server.stop();
  return code;
}
