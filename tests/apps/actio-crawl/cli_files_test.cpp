// SPDX-License-Identifier: Apache-2.0
// actio-crawl's --out and --state files as a child process sees them: one
// file for both, a foreign database, the state of another crawl, a second
// process on the files of a running crawl, and a demo crawl resumed with
// the README's command line.
#include "actio/crawl/crawler/report.hpp"
#include "actio/crawl/demo/demo_check.hpp"
#include "crawl/crawler/crawler_fixture.hpp"
#include "support/child_process.hpp"
#include "support/run_program.hpp"
#include "support/sqlite_database.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef ACTIO_CRAWL_BINARY

using namespace std::chrono_literals;
using actio::crawl::check_demo_crawl;
using actio::crawl::jsonl_sink;
using actio::test::child_process;
using actio::test::crawl_temp_dir;
using actio::test::demo_fixture;
using actio::test::run_program;
using actio::test::wait_for_lines;

namespace fs = std::filesystem;

namespace {

const std::string binary = ACTIO_CRAWL_BINARY;

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

std::set<std::string> names_in(const std::string& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.insert(e.path().filename().string());
  return out;
}

/// Arguments crawling `seed` (a demo fixture's) with state and output.
std::vector<std::string> crawl_args(const std::string& seed,
                                    const std::string& state,
                                    const std::string& out) {
  return {binary,           seed,
          "--allow-domain", "site.localhost",
          "--allow-domain", "docs.localhost",
          "--state",        state,
          "--out",          out,
          "--concurrency",  "4",
          "--delay",        "0",
          "--backoff",      "10",
          "--no-progress"};
}

/// A listening TCP socket on 127.0.0.1:`port`, closed when destroyed.
class port_holder {
public:
  explicit port_holder(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
             ::listen(fd_, 4) == 0;
  }
  ~port_holder() { ::close(fd_); }
  port_holder(const port_holder&) = delete;
  port_holder& operator=(const port_holder&) = delete;

  bool bound() const { return bound_; }

private:
  int fd_ = -1;
  bool bound_ = false;
};

/// The port of the demo site named in actio-crawl's "at http://...:PORT/"
/// line, or 0.
std::uint16_t demo_port_in(const std::string& err) {
  const std::string at = "at http://site.localhost:";
  auto p = err.find(at);
  if (p == std::string::npos)
    return 0;
  return static_cast<std::uint16_t>(std::stoul(err.substr(p + at.size())));
}

} // namespace

TEST_CASE("actio-crawl refuses --out and --state naming one file, by any "
          "path to it, at once with exit 2 and without writing anything",
          "[cli][files]") {
  crawl_temp_dir dir;
  auto state = dir.file("state.db");
  std::vector<std::string> out_paths;
  std::string says = "are the same file";
  SECTION("the same path, no URL (the demo)") {
    out_paths = {state};
  }
  SECTION("a symbolic link, a hard link, a relative path and .. to an "
          "existing state file") {
    std::ofstream{state}.close(); // zero bytes: a new state
    fs::create_directories(dir.file("sub"));
    fs::create_symlink(state, dir.file("link.db"));
    fs::create_hard_link(state, dir.file("hard.db"));
    out_paths = {dir.file("link.db"), dir.file("hard.db"),
                 fs::relative(state).string(), dir.file("sub/../state.db")};
  }
  SECTION("a dangling symbolic link to the state file not yet made") {
    fs::create_symlink(state, dir.file("dangling"));
    out_paths = {dir.file("dangling")};
  }
  SECTION("the state file's SQLite journal") {
    out_paths = {state + "-wal", state + "-journal", state + "-shm"};
    says = "SQLite";
  }
  SECTION("the state file's lock file") {
    out_paths = {state + ".lock"};
    says = "lock file";
  }
  auto before = names_in(dir.file(""));
  for (const auto& out : out_paths) {
    INFO(out);
    std::vector<std::string> args{
        binary, "--state",      state, "--out",
        out,    "--demo-pages", "40",  "--no-progress"};
    if (out != state)
      args.insert(args.begin() + 1, "http://127.0.0.1:1/");
    auto r = run_program(args, 10s);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(says));
    CHECK(r.seconds < 5);
    CHECK(names_in(dir.file("")) == before);
  }
}

TEST_CASE("a database of another program given as --state is refused with "
          "exit 1 and left byte for byte as it was",
          "[cli][files]") {
  crawl_temp_dir dir;
  auto state = dir.file("foreign.db");
  std::string sql;
  SECTION("schema version 0 with a table of its own") {
    sql = "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES('keep me')";
  }
  SECTION("a table named like one of the state's") {
    sql = "CREATE TABLE frontier(a, b); INSERT INTO frontier VALUES(1, 2)";
  }
  SECTION("schema version 7") {
    sql = "CREATE TABLE t(x); PRAGMA user_version=7";
  }
  actio::test::make_sqlite_database(state, sql);
  auto before = bytes_of(state);
  for (bool with_url : {true, false}) {
    INFO("with a URL: " << with_url);
    std::vector<std::string> args{
        binary,         "--state", state, "--out", dir.file("out.jsonl"),
        "--no-progress"};
    if (with_url)
      args.insert(args.begin() + 1, "http://127.0.0.1:1/");
    auto r = run_program(args, 10s);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("not a crawl state file"));
    CHECK_THAT(r.err, !Catch::Contains("newer program"));
    CHECK(bytes_of(state) == before);
    CHECK(names_in(dir.file("")) == std::set<std::string>{"foreign.db"});
  }
}

TEST_CASE("a --state of another crawl is refused with exit 2 saying what "
          "differs, and --add-seeds adds the start URLs to it",
          "[cli][files]") {
  demo_fixture a;
  demo_fixture b;
  crawl_temp_dir dir;
  auto state = dir.file("state.db");
  auto out = dir.file("out.jsonl");
  REQUIRE(run_program(crawl_args(a.seed(), state, out), 60s).exit_code == 0);
  auto state_before = bytes_of(state);
  auto out_before = bytes_of(out);

  auto other = run_program(crawl_args(b.seed(), state, out), 10s);
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.err, Catch::Contains("holds another crawl"));
  CHECK_THAT(other.err, Catch::Contains("start URLs: its " + a.seed() +
                                        ", here " + b.seed()));
  auto deeper = crawl_args(a.seed(), state, out);
  deeper.insert(deeper.end(), {"--depth", "2"});
  auto r = run_program(deeper, 10s);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("depth limit: its none, here 2"));
  auto elsewhere = crawl_args(a.seed(), state, out);
  elsewhere[5] = "example.org"; // instead of docs.localhost
  r = run_program(elsewhere, 10s);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("allowed domains"));
  CHECK(bytes_of(state) == state_before);
  CHECK(bytes_of(out) == out_before);

  auto added = crawl_args(b.seed(), state, out);
  added.emplace_back("--add-seeds");
  REQUIRE(run_program(added, 60s).exit_code == 0);
  auto expected = a.expected();
  auto more = b.expected();
  expected.insert(expected.end(), more.begin(), more.end());
  auto check = check_demo_crawl(jsonl_sink::read_records(out), expected);
  INFO(check.to_string());
  CHECK(check.ok());

  // No URL: the stored crawl (both start URLs) goes on; nothing is left.
  auto resumed = run_program(
      {binary, "--state", state, "--out", out, "--no-progress"}, 30s);
  CHECK(resumed.exit_code == 0);
  CHECK_THAT(resumed.err, Catch::Contains("continuing the crawl in"));
  CHECK_THAT(resumed.out, Catch::Contains("crawl complete: 0 pages"));
}

TEST_CASE("a second actio-crawl on the files of a running crawl is refused "
          "at once with the crawler's PID, and a killed crawl's lock blocks "
          "nobody",
          "[cli][files]") {
  demo_fixture demo;
  demo.server().set_latency(250ms); // about 25 s for the whole crawl
  crawl_temp_dir dir;
  auto state = dir.file("state.db");
  auto out = dir.file("out.jsonl");
  child_process first{crawl_args(demo.seed(), state, out)};
  REQUIRE(wait_for_lines(out, 1, 20s));
  auto in_use = "in use by process " + std::to_string(first.pid());
  struct attempt {
    const char* what;
    std::vector<std::string> args;
  };
  std::vector<attempt> attempts{
      {"same state and output", crawl_args(demo.seed(), state, out)},
      {"same state", crawl_args(demo.seed(), state, dir.file("other.jsonl"))},
      {"same output", crawl_args(demo.seed(), dir.file("other.db"), out)},
      {"same output, no state",
       {binary, demo.seed(), "--out", out, "--no-progress"}},
      {"same state, no URL",
       {binary, "--state", state, "--out", out, "--no-progress"}}};
  for (const auto& a : attempts) {
    INFO(a.what);
    auto r = run_program(a.args, 10s);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains(in_use));
    CHECK(r.seconds < 5);
  }
  CHECK_FALSE(first.wait_exit(0ms)); // still crawling, undisturbed

  first.signal(SIGKILL);
  REQUIRE(first.wait_exit(10s));
  CHECK(fs::exists(state + ".lock")); // left by the killed process
  demo.server().set_latency(0ms);
  auto rerun = run_program(crawl_args(demo.seed(), state, out), 60s);
  REQUIRE(rerun.exit_code == 0);
  auto check = check_demo_crawl(jsonl_sink::read_records(out), demo.expected());
  INFO(check.to_string());
  // Every page once; depths may be longer after a kill (docs/crawler.md:
  // a URL held back at a kill may get a larger depth after the resume).
  CHECK(check.found == check.expected);
  CHECK(check.unexpected == 0);
  CHECK(check.duplicates == 0);
  CHECK(check.mismatched == 0);
  CHECK_FALSE(fs::exists(state + ".lock"));
  CHECK_FALSE(fs::exists(out + ".lock"));
}

TEST_CASE("a demo crawl interrupted with SIGINT continues on its own port "
          "with the same command line and ends exact, and refuses clearly "
          "when that port is taken",
          "[cli][files][demo]") {
  crawl_temp_dir dir;
  // The README's shape: no URL, --out and --state; a small, slowed site.
  std::vector<std::string> args{binary,
                                "--out",
                                dir.file("pages.jsonl"),
                                "--state",
                                dir.file("crawl.db"),
                                "--demo-pages",
                                "400",
                                "--delay",
                                "10",
                                "--no-progress"};
  child_process first{args, true};
  REQUIRE(wait_for_lines(dir.file("pages.jsonl"), 20, 20s));
  first.signal(SIGINT);
  REQUIRE(first.wait_exit(10s));
  CHECK(first.exit_code() == 130);
  auto port = demo_port_in(first.error_output());
  REQUIRE(port != 0);
  actio::crawl::demo_site site{{1, 400}};
  actio::crawl::demo_crawl_rules rules;
  rules.port = port;
  auto expected = site.expected_crawl_set(rules);
  auto written = jsonl_sink::read_urls(dir.file("pages.jsonl")).size();
  CHECK(written < expected.size());

  {
    port_holder taken{port};
    REQUIRE(taken.bound());
    auto r = run_program(args, 10s);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("port " + std::to_string(port)));
    CHECK(jsonl_sink::read_urls(dir.file("pages.jsonl")).size() == written);
  }

  auto again = run_program(args, 60s);
  REQUIRE(again.exit_code == 0);
  CHECK(demo_port_in(again.err) == port);
  auto n = std::to_string(expected.size());
  CHECK_THAT(again.out, Catch::Contains("demo site check: " + n + "/" + n +
                                        " expected pages, 0 unexpected, 0 "
                                        "duplicates"));
  auto check = check_demo_crawl(
      jsonl_sink::read_records(dir.file("pages.jsonl")), expected);
  INFO(check.to_string());
  CHECK(check.ok());
}

#endif
