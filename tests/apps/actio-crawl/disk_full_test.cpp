// SPDX-License-Identifier: Apache-2.0
// actio-crawl when its files cannot grow: a file size limit (RLIMIT_FSIZE,
// set by prlimit; actio-crawl ignores SIGXFSZ, so writes fail with EFBIG as
// they fail with ENOSPC on a full disk) stops the crawl with a clear error,
// leaves --state and --out consistent, and a resume without the limit ends
// with every page exactly once.
#include "actio/crawl/demo/demo_check.hpp"
#include "actio/crawl/store/jsonl_sink.hpp"
#include "actio/crawl/store/state_store.hpp"
#include "crawl/crawler/crawler_fixture.hpp"
#include "crawl_args.hpp"
#include "support/run_program.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <string>
#include <vector>

#ifdef ACTIO_CRAWL_BINARY

using namespace std::chrono_literals;
using actio::crawl::check_demo_crawl;
using actio::crawl::jsonl_sink;
using actio::crawl::state_store;
using actio::test::crawl_temp_dir;
using actio::test::demo_fixture;
using actio::test::run_program;

namespace {

const std::string binary = ACTIO_CRAWL_BINARY;

std::vector<std::string> crawl_args(const demo_fixture& demo,
                                    const crawl_temp_dir& dir) {
  return actio::test::resumable_crawl_args(binary, demo, dir);
}

} // namespace

TEST_CASE("a crawl whose files reach the file size limit stops with exit 1 "
          "and an error naming the file and the cause, its state stays "
          "consistent, and once the limit is lifted the resume writes every "
          "page exactly once",
          "[cli][files][disk_full]") {
  demo_fixture demo;
  // 24 kB: creating the state file fails; 60 kB and 100 kB: a commit of the
  // state fails mid-crawl (the finished state file alone is over 100 kB;
  // its write-ahead log reaches any such limit before the output does).
  for (long limit : {24'000L, 60'000L, 100'000L}) {
    INFO("file size limit " << limit);
    crawl_temp_dir dir;
    auto args = crawl_args(demo, dir);
    std::vector<std::string> limited{"/usr/bin/prlimit",
                                     "--fsize=" + std::to_string(limit)};
    limited.insert(limited.end(), args.begin(), args.end());
    auto r = run_program(limited, 60s);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("crawl complete") == std::string::npos);
    CHECK_THAT(r.err, Catch::Contains("state store " + dir.file("state.db")));
    CHECK_THAT(r.err, Catch::Contains("File too large"));

    // Consistent: the output holds complete records only, each URL once,
    // and the state passes the store's integrity check and loads.
    auto partial = jsonl_sink::read_records(dir.file("out.jsonl"));
    std::set<std::string> urls;
    for (const auto& rec : partial)
      CHECK(urls.insert(rec.url).second);
    CHECK(partial.size() < demo.expected().size());
    {
      state_store state{dir.file("state.db")};
      CHECK_NOTHROW(state.load());
    }

    auto again = run_program(args, 60s);
    REQUIRE(again.exit_code == 0);
    CHECK(again.out.find("crawl complete") != std::string::npos);
    auto records = jsonl_sink::read_records(dir.file("out.jsonl"));
    auto check = check_demo_crawl(records, demo.expected());
    INFO(check.to_string());
    CHECK(check.ok());
    CHECK(records.size() == demo.expected().size());
  }
}

#endif
