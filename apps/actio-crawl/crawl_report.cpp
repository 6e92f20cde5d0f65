// SPDX-License-Identifier: Apache-2.0
#include "crawl_report.hpp"

#include "exit_codes.hpp"

#include <actio/crawl/crawler/report.hpp>
#include <actio/crawl/demo/demo_check.hpp>
#include <actio/crawl/store/jsonl_sink.hpp>

#include <cstdio>
#include <exception>
#include <vector>

namespace crawl = actio::crawl;

int report_crawl(const crawl_setup& setup, crawl_run& run,
                 std::optional<std::size_t> page_limit) {
  std::fputs(crawl::format_summary(run.stats).c_str(), stdout);
  auto* server = setup.demo_server.get();
  if (server && !run.stats.interrupted) {
    crawl::demo_crawl_rules rules;
    rules.port = server->port();
    rules.seeds = run.effective.seeds;
    rules.max_depth = run.effective.max_depth;
    auto expected = server->site().expected_crawl_set(rules);
    const auto& out_path = setup.options.out_path;
    std::vector<crawl::fetch_record> records;
    try {
      records = out_path.empty() ? std::move(run.stats.records)
                                 : crawl::jsonl_sink::read_records(out_path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "actio-crawl: reading %s: %s\n", out_path.c_str(),
                   e.what());
      return exit_fatal;
    }
    auto check =
        crawl::check_demo_crawl(records, expected, page_limit.has_value());
    std::printf("%s\n", check.to_string().c_str());
  }
  std::fflush(stdout);
  return run.code;
}
