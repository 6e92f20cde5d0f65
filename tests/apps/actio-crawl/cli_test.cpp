// SPDX-License-Identifier: Apache-2.0
// actio-crawl as a child process: the main job, arguments and exit codes,
// SIGINT, and SIGKILL at random moments followed by resumes.
#include "actio/crawl/crawler/report.hpp"
#include "actio/crawl/demo/demo_check.hpp"
#include "crawl/crawler/crawler_fixture.hpp"
#include "crawl_args.hpp"
#include "support/eventually.hpp"
#include "support/http_test_server.hpp"
#include "support/run_program.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <random>
#include <string>
#include <thread>
#include <vector>

#ifdef ACTIO_CRAWL_BINARY

using namespace std::chrono_literals;
using actio::crawl::check_demo_crawl;
using actio::crawl::jsonl_sink;
using actio::test::crawl_temp_dir;
using actio::test::demo_fixture;
using actio::test::run_program;

namespace {

const std::string binary = ACTIO_CRAWL_BINARY;

/// actio-crawl arguments for crawling `demo` with state and output in `dir`.
std::vector<std::string> resumable_args(const demo_fixture& demo,
                                        const crawl_temp_dir& dir) {
  auto args = actio::test::resumable_crawl_args(binary, demo, dir);
  args.insert(args.end(), {"--backoff", "10"});
  return args;
}

/// Crawls a 400-page embedded demo site with `extra` arguments, checks the
/// exit code and the exact match of the demo site check, and returns the
/// program's output.
std::string crawl_demo_exactly(const std::vector<std::string>& extra) {
  std::vector<std::string> args{binary,  "--demo-pages",
                                "400",   "--depth-wait",
                                "30000", "--actio-threads=2"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto r = run_program(args, 30s);
  REQUIRE(r.exit_code == 0);
  actio::crawl::demo_site site{{1, 400}};
  actio::crawl::demo_crawl_rules rules;
  rules.port = 8080;
  auto n = std::to_string(site.expected_crawl_set(rules).size());
  CHECK(r.out.find("demo site check: " + n + "/" + n +
                   " expected pages, 0 unexpected, 0 duplicates") !=
        std::string::npos);
  return r.out;
}

/// Rows of the retry log committed in the state file at `path`; -1 while
/// it cannot be read.
int retries_logged(const std::string& path) {
  sqlite3* db = nullptr;
  int n = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
      SQLITE_OK) {
    sqlite3_busy_timeout(db, 100);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM retries", -1, &st,
                           nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

} // namespace

TEST_CASE("actio-crawl without a URL crawls the embedded demo site and "
          "reports an exact match",
          "[cli]") {
  auto out = crawl_demo_exactly({});
  CHECK(out.find("pages by status") != std::string::npos);
  CHECK(out.find("errors by kind") != std::string::npos);
  CHECK(out.find("top hosts") != std::string::npos);
}

TEST_CASE("actio-crawl --html-parser=libxml2 crawls the demo site to the "
          "same exact match as the default scanner",
          "[cli]") {
  crawl_demo_exactly({"--html-parser=libxml2"});
}

TEST_CASE("actio-crawl --help explains every option and the exit codes",
          "[cli]") {
  auto r = run_program({binary, "--help"}, 10s);
  CHECK(r.exit_code == 0);
  for (const char* opt :
       {"--max-pages", "--depth", "--concurrency", "--per-host", "--delay",
        "--state", "--out", "--allow-domain", "--user-agent", "--no-robots",
        "--allow-private", "--depth-wait", "--html-parser", "130",
        "Exit codes"})
    CHECK(r.out.find(opt) != std::string::npos);
}

TEST_CASE("actio-crawl exits 2 on bad arguments and 1 on an unwritable "
          "output",
          "[cli]") {
  CHECK(run_program({binary, "--bogus"}, 10s).exit_code == 2);
  CHECK(run_program({binary, "--concurrency", "0"}, 10s).exit_code == 2);
  CHECK(run_program({binary, "--max-pages", "ten"}, 10s).exit_code == 2);
  CHECK(run_program({binary, "--html-parser", "sax"}, 10s).exit_code == 2);
  CHECK(run_program({binary, "not a url"}, 10s).exit_code == 2);
  CHECK(
      run_program({binary, "http://127.0.0.1:1/", "--state", "/tmp/x.db"}, 10s)
          .exit_code == 2);
  CHECK(run_program({binary, "--actio-bogus=1"}, 10s).exit_code == 2);
  CHECK(run_program({binary, "http://127.0.0.1:1/", "--out",
                     "/nonexistent-dir/out.jsonl"},
                    10s)
            .exit_code == 1);
}

TEST_CASE("actio-crawl exits 1 when writing the output fails midway, with "
          "one message and no empty line before it",
          "[cli]") {
  crawl_temp_dir dir;
  // prlimit sets a 20 kB file size limit, then runs actio-crawl: appending
  // to the output fails with EFBIG after a few dozen lines.
  auto r =
      run_program({"/usr/bin/prlimit", "--fsize=20000", binary, "--demo-pages",
                   "400", "--out", dir.file("out.jsonl"), "--no-progress"},
                  30s);
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("crawl complete") == std::string::npos);
  INFO(r.err);
  CHECK_THAT(r.err, Catch::Contains("actio-crawl: fatal: "));
  CHECK(r.err.find("\n\n") == std::string::npos);
  CHECK_FALSE(r.err.starts_with("\n"));
}

TEST_CASE("actio-crawl --version prints its name and the project's version",
          "[cli]") {
  auto r = run_program({binary, "--version"}, 10s);
  CHECK(r.exit_code == 0);
  CHECK(r.out == std::string("actio-crawl ") + ACTIO_PROJECT_VERSION + "\n");
}

TEST_CASE("a bad number says whether it is not a number or out of range, "
          "and what to give, in one short line",
          "[cli]") {
  struct bad {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<bad> cases{
      {{"--concurrency", "abc"},
       "--concurrency: 'abc' is not a number: give a whole number from 1 to "
       "4096"},
      {{"--max-pages", "ten"}, "--max-pages: 'ten' is not a number"},
      {{"--delay", "-1"},
       "--delay: -1 is out of range: give a whole number of at least 0"},
      {{"--timeout", "0"},
       "--timeout: 0 is out of range: give a whole number of at least 1"},
      {{"--max-pages", "0"}, "--max-pages: 0 is out of range"},
      {{"--depth", "1.5"}, "--depth: '1.5' is not a whole number"},
      {{"--demo-port", "70000"},
       "--demo-port: 70000 is too large: give a whole number from 0 to "
       "65535"},
      {{"--max-bytes", "99999999999999999999999"},
       "--max-bytes: 99999999999999999999999 is too large"},
  };
  for (const auto& c : cases) {
    auto args = c.args;
    args.insert(args.begin(), binary);
    auto r = run_program(args, 10s);
    INFO(c.args.front() << " " << c.args.back() << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.says));
    CHECK(r.err.find("not in range") == std::string::npos);
    CHECK(r.err.find("179769") == std::string::npos);
    CHECK(r.err.size() < 200);
  }
}

TEST_CASE("SIGINT makes actio-crawl save its state and exit 130 within 2 s, "
          "and a rerun completes the crawl",
          "[cli]") {
  demo_fixture demo;
  demo.server().set_latency(20ms);
  crawl_temp_dir dir;
  auto args = resumable_args(demo, dir);
  {
    // Interrupted once it crawls (not at a fixed time: under ASan on a
    // loaded machine the program may not even have its SIGINT handler
    // after 0.8 s).
    actio::test::child_process crawling{args};
    REQUIRE(actio::test::wait_for_lines(dir.file("out.jsonl"), 1, 20s));
    auto sent = std::chrono::steady_clock::now();
    crawling.signal(SIGINT);
    REQUIRE(crawling.wait_exit(20s));
    CHECK(std::chrono::steady_clock::now() - sent < 2s);
    CHECK(crawling.exit_code() == 130);
    CHECK(crawling.output().find("interrupted") != std::string::npos);
  }
  auto first = jsonl_sink::read_records(dir.file("out.jsonl"));
  CHECK(first.size() > 0);
  CHECK(first.size() < demo.expected().size());

  demo.server().set_latency(0ms);
  auto again = run_program(args, 30s);
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("crawl complete") != std::string::npos);
  auto check = check_demo_crawl(jsonl_sink::read_records(dir.file("out.jsonl")),
                                demo.expected());
  INFO(check.to_string());
  CHECK(check.ok());
}

TEST_CASE("after SIGKILL at random moments and resumes the output holds "
          "every expected URL exactly once",
          "[cli]") {
  demo_fixture demo;
  // About 1 s for the whole crawl at 4 requests in flight: most kills land
  // in the middle of it.
  demo.server().set_latency(10ms);
  crawl_temp_dir dir;
  auto args = resumable_args(demo, dir);
  std::random_device rd;
  auto seed = rd();
  INFO("random seed " << seed);
  std::mt19937 rng{seed};
  std::uniform_int_distribution<int> delay_ms{100, 600};
  int killed = 0;
  for (int i = 0; i < 6; ++i) {
    auto r = run_program(args, std::chrono::milliseconds{delay_ms(rng)});
    if (r.timed_out)
      ++killed;
    else
      REQUIRE(r.exit_code == 0);
  }
  CHECK(killed > 0);
  auto last = run_program(args, 30s);
  REQUIRE(last.exit_code == 0);
  auto records = jsonl_sink::read_records(dir.file("out.jsonl"));
  auto check = check_demo_crawl(records, demo.expected());
  INFO(check.to_string());
  CHECK(check.ok());
  CHECK(records.size() == demo.expected().size());
}

TEST_CASE("retry counts survive SIGKILL: a URL failing every time gets at "
          "most --retries + 1 tries over the killed run and the resume",
          "[cli]") {
  actio::test::http_test_server server;
  std::atomic<int> failing_calls{0};
  server.route("/", [](const actio::test::http_test_request&) {
    std::string body = "<a href=\"/failing\">f</a>";
    return actio::test::http_test_reply{
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body,
        false};
  });
  server.route("/failing", [&](const actio::test::http_test_request&) {
    ++failing_calls;
    return actio::test::http_test_reply{
        "HTTP/1.1 500 X\r\nContent-Length: 0\r\n\r\n", false};
  });
  crawl_temp_dir dir;
  std::vector<std::string> args{binary,
                                server.url("/"),
                                "--no-robots",
                                "--state",
                                dir.file("state.db"),
                                "--out",
                                dir.file("out.jsonl"),
                                "--delay",
                                "0",
                                "--retries",
                                "2",
                                "--no-progress"};
  // Tries at about 0 s, 1.5-3 s, then 3-6 s later: the kill falls once the
  // second try is saved (in the state's retry log), before the third.
  auto killed_args = args;
  killed_args.insert(killed_args.end(), {"--backoff", "3000"});
  {
    actio::test::child_process killed{killed_args};
    REQUIRE(actio::test::eventually(
        [&] { return retries_logged(dir.file("state.db")) >= 2; }, 20s, 10ms));
    REQUIRE(retries_logged(dir.file("state.db")) == 2);
    killed.signal(SIGKILL);
    REQUIRE(killed.wait_exit(10s));
    CHECK(killed.term_signal() == SIGKILL);
  }
  CHECK(failing_calls == 2);
  auto fast_args = args;
  fast_args.insert(fast_args.end(), {"--backoff", "10"});
  auto resumed = run_program(fast_args, 30s);
  REQUIRE(resumed.exit_code == 0);
  CHECK(failing_calls == 3);
  auto records = jsonl_sink::read_records(dir.file("out.jsonl"));
  REQUIRE(records.size() == 2);
  const auto& failing =
      records[0].url == server.url("/") ? records[1] : records[0];
  REQUIRE(failing.error.has_value());
  CHECK(failing.error->find("gave up after 3 attempts") != std::string::npos);
}

#endif
