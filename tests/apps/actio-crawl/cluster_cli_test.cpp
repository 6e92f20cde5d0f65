// SPDX-License-Identifier: Apache-2.0
// actio-crawl --listen/--join: three node processes on 127.0.0.1 crawl
// several demo servers; the union of their outputs is exact, also when a
// worker is killed with SIGKILL mid-crawl, and over TLS (a node certified
// by another CA cannot join); bad addresses, a lost or interrupted
// coordinator end a node with a clear error.
//
// Size: 3 or more demo servers (each owned host counts). Optimised builds
// crawl 3400-page sites, about 10k pages in all (the issue's size; a few
// seconds); sanitizer builds 400-page sites, about 1.2k pages, which keeps
// each test within about 30 s under ASan on a loaded 2-core machine.
#include "apps/actio-crawl/cluster_crawl_fixture.hpp"

#include "actio/crawl/crawler/report.hpp"
#include "actio/crawl/demo/demo_check.hpp"
#include "support/eventually.hpp"
#include "support/sqlite_database.hpp"
#include "support/tls_test_ca.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#ifdef ACTIO_CRAWL_BINARY

using namespace std::chrono_literals;
using actio::crawl::check_demo_crawl;
using actio::test::child_process;
using actio::test::cluster_output;
using actio::test::cluster_site;
using actio::test::crawl_temp_dir;
using actio::test::node_args;

namespace {

const std::string binary = ACTIO_CRAWL_BINARY;
#if defined(__SANITIZE_ADDRESS__) || !defined(NDEBUG)
constexpr std::size_t pages_per_server = 400;
#else
constexpr std::size_t pages_per_server = 3400;
#endif

/// The coordinator's arguments: the seeds, --listen on `listen` (an
/// ephemeral port by default), a crawl of `nodes` nodes.
std::vector<std::string>
coordinator_args(const cluster_site& site, const crawl_temp_dir& dir,
                 int nodes = 3, const std::string& listen = "127.0.0.1:0") {
  auto args = node_args(binary, dir, "coordinator");
  for (const auto& a : actio::test::crawl_settings_args())
    args.push_back(a);
  for (const auto& s : site.seeds())
    args.push_back(s);
  for (const char* a : {"--listen", listen.c_str(), "--nodes"})
    args.emplace_back(a);
  args.push_back(std::to_string(nodes));
  for (const char* a :
       {"--allow-domain", "site.localhost", "--allow-domain", "docs.localhost"})
    args.emplace_back(a);
  return args;
}

/// Waits for the coordinator's "listening on 127.0.0.1:PORT" line; the
/// address to join, or empty.
std::string listening_address(child_process& coordinator) {
  if (!coordinator.wait_for_output("waiting for", 20s))
    return {};
  const auto& out = coordinator.output();
  auto at = out.find("listening on ");
  auto end = out.find(',', at);
  if (at == std::string::npos || end == std::string::npos)
    return {};
  at += std::string("listening on ").size();
  return out.substr(at, end - at);
}

/// A worker's arguments; it waits `coordinator_wait` seconds for a lost
/// coordinator.
std::vector<std::string> worker_args(const crawl_temp_dir& dir,
                                     const std::string& name,
                                     const std::string& address,
                                     int coordinator_wait = 120) {
  auto args = node_args(binary, dir, name);
  args.emplace_back("--join");
  args.push_back(address);
  args.emplace_back("--coordinator-wait");
  args.push_back(std::to_string(coordinator_wait));
  return args;
}

/// The union of the outputs against the expected set: every page, none
/// twice, no other URL, same statuses (depths are not checked: see
/// docs/crawler.md).
void check_union(const cluster_output& out, const cluster_site& site) {
  auto check = check_demo_crawl(out.records, site.expected());
  INFO(check.to_string());
  CHECK(check.found == check.expected);
  CHECK(check.unexpected == 0);
  CHECK(check.duplicates == 0);
  CHECK(check.mismatched == 0);
}

/// Starts a two-node crawl of a slow site (the coordinator and worker w1,
/// which waits one second for a lost coordinator) and calls `act` once w1
/// has written its first page.
void with_worker_crawling(const crawl_temp_dir& dir,
                          const std::function<void(child_process& coordinator,
                                                   child_process& w)>& act) {
  cluster_site site{pages_per_server};
  site.set_latency(20ms);
  child_process coordinator{coordinator_args(site, dir, 2)};
  auto address = listening_address(coordinator);
  REQUIRE(!address.empty());
  child_process w{worker_args(dir, "w1", address, 1), true};
  actio::test::eventually(
      [&] {
        return !actio::crawl::jsonl_sink::read_urls(dir.file("w1.jsonl"))
                    .empty();
      },
      60s, 10ms);
  act(coordinator, w);
}

} // namespace

TEST_CASE("three actio-crawl nodes crawl the hosts they own and their "
          "outputs together hold every page exactly once",
          "[crawl_cluster][cli]") {
  cluster_site site{pages_per_server};
  crawl_temp_dir dir;
  child_process coordinator{coordinator_args(site, dir)};
  auto address = listening_address(coordinator);
  REQUIRE(!address.empty());
  child_process w1{worker_args(dir, "w1", address)};
  child_process w2{worker_args(dir, "w2", address)};

  CHECK(coordinator.wait(120s) == 0);
  CHECK(w1.wait(20s) == 0);
  CHECK(w2.wait(20s) == 0);
  INFO(coordinator.output());
  CHECK(coordinator.output().find("cluster crawl complete") !=
        std::string::npos);
  CHECK(coordinator.output().find("nodes: 3, lost: 0") != std::string::npos);

  cluster_output out{dir, actio::test::cluster_node_names()};
  check_union(out, site);
  // Every host is crawled by the one node owning it, and each node owns
  // some (the fixture made sure of that).
  for (const auto& [host, writers] : out.writers_by_host) {
    INFO(host);
    CHECK(writers.size() == 1);
  }
  for (const auto& [node, pages] : out.pages_by_node) {
    INFO(node);
    CHECK(pages > 0);
  }
}

TEST_CASE("a worker killed with SIGKILL mid-crawl has its hosts handed over "
          "and the union of the outputs is still exact",
          "[crawl_cluster][cli]") {
  cluster_site site{pages_per_server};
  site.set_latency(5ms);
  crawl_temp_dir dir;
  child_process coordinator{coordinator_args(site, dir)};
  auto address = listening_address(coordinator);
  REQUIRE(!address.empty());
  child_process w1{worker_args(dir, "w1", address)};
  child_process w2{worker_args(dir, "w2", address)};

  // Kill w1 once it has written some pages.
  auto w1_out = dir.file("w1.jsonl");
  actio::test::eventually(
      [&] { return actio::crawl::jsonl_sink::read_urls(w1_out).size() >= 20; },
      60s, 10ms);
  auto before_kill = actio::crawl::jsonl_sink::read_urls(w1_out).size();
  REQUIRE(before_kill >= 20);
  w1.signal(SIGKILL);
  CHECK(w1.wait_exit(10s));
  CHECK(w1.term_signal() == SIGKILL);
  site.set_latency(0ms);

  CHECK(coordinator.wait(120s) == 0);
  CHECK(w2.wait(20s) == 0);
  INFO(coordinator.output());
  CHECK(coordinator.output().find("lost: 1 w1") != std::string::npos);
  CHECK(coordinator.output().find("problem:") == std::string::npos);

  cluster_output out{dir, actio::test::cluster_node_names()};
  check_union(out, site);
  // A host changes hands only if w1 owned it.
  for (const auto& [host, writers] : out.writers_by_host) {
    INFO(host);
    CHECK((writers.size() == 1 || writers.count("w1") == 1));
  }
}

TEST_CASE("workers crawl with the coordinator's politeness and fetch "
          "settings, not with their own defaults",
          "[crawl_cluster][cli]") {
  // The coordinator says one fetch per host and no delay; a worker left to
  // its defaults would keep two in flight per host and wait a second
  // between two pages of a host (the crawl would not end in time).
  cluster_site site{200};
  site.set_latency(3ms);
  crawl_temp_dir dir;
  auto args = coordinator_args(site, dir);
  auto per_host = std::find(args.begin(), args.end(), "--per-host");
  REQUIRE(per_host != args.end());
  *std::next(per_host) = "1";
  child_process coordinator{args};
  auto address = listening_address(coordinator);
  REQUIRE(!address.empty());
  child_process w1{worker_args(dir, "w1", address)};
  child_process w2{worker_args(dir, "w2", address)};
  CHECK(coordinator.wait(120s) == 0);
  CHECK(w1.wait(20s) == 0);
  CHECK(w2.wait(20s) == 0);
  INFO(coordinator.output());
  CHECK(coordinator.output().find("nodes: 3, lost: 0") != std::string::npos);
  cluster_output out{dir, actio::test::cluster_node_names()};
  check_union(out, site);
  CHECK(out.pages_by_node.at("w1") > 0);
  CHECK(out.pages_by_node.at("w2") > 0);
  CHECK(site.max_in_flight_per_host() == 1);
}

TEST_CASE("a coordinator killed with SIGKILL mid-crawl and restarted with "
          "the same command line resumes the crawl, and the union of the "
          "outputs is exact",
          "[crawl_cluster][cli]") {
  cluster_site site{pages_per_server};
  site.set_latency(5ms);
  crawl_temp_dir dir;
  auto port = actio::test::free_loopback_port();
  REQUIRE(port != 0);
  auto listen = "127.0.0.1:" + std::to_string(port);
  auto args = coordinator_args(site, dir, 3, listen);
  std::optional<child_process> coordinator;
  coordinator.emplace(args);
  REQUIRE(listening_address(*coordinator) == listen);
  child_process w1{worker_args(dir, "w1", listen), true};
  child_process w2{worker_args(dir, "w2", listen), true};

  auto pages = [&](const char* name) {
    return actio::crawl::jsonl_sink::read_urls(
               dir.file(std::string(name) + ".jsonl"))
        .size();
  };
  actio::test::eventually(
      [&] { return pages("coordinator") >= 20 && pages("w1") >= 20; }, 60s,
      10ms);
  coordinator->signal(SIGKILL);
  CHECK(coordinator->wait_exit(10s));
  CHECK(coordinator->term_signal() == SIGKILL);
  coordinator.reset();
  // Both workers notice and wait; the restarted coordinator takes them back.
  CHECK(w1.wait_for_error_output("waiting up to", 30s));
  CHECK(w2.wait_for_error_output("waiting up to", 30s));
  site.set_latency(0ms);
  child_process again{args, true};
  CHECK(again.wait(120s) == 0);
  CHECK(w1.wait(20s) == 0);
  CHECK(w2.wait(20s) == 0);
  INFO(again.output());
  INFO(again.error_output());
  CHECK_THAT(again.error_output(), Catch::Contains("resuming the multi-node"));
  CHECK(again.output().find("nodes: 3, lost: 0") != std::string::npos);
  CHECK(again.output().find("problem:") == std::string::npos);
  CHECK(w1.output().find("rejoined") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("coordinator.db.cluster")));

  cluster_output out{dir, actio::test::cluster_node_names()};
  check_union(out, site);
  for (const auto& [host, writers] : out.writers_by_host) {
    INFO(host);
    CHECK(writers.size() == 1);
  }
}

TEST_CASE("a multi-node crawl with --max-pages N writes exactly N pages in "
          "the union of the outputs, none twice",
          "[crawl_cluster][cli]") {
  cluster_site site{200};
  crawl_temp_dir dir;
  auto expected = site.expected();
  std::size_t limit = expected.size() / 2 + 7;
  auto args = coordinator_args(site, dir);
  args.emplace_back("--max-pages");
  args.push_back(std::to_string(limit));
  child_process coordinator{args};
  auto address = listening_address(coordinator);
  REQUIRE(!address.empty());
  child_process w1{worker_args(dir, "w1", address)};
  child_process w2{worker_args(dir, "w2", address)};
  CHECK(coordinator.wait(120s) == 0);
  CHECK(w1.wait(20s) == 0);
  CHECK(w2.wait(20s) == 0);
  INFO(coordinator.output());
  CHECK(coordinator.output().find("nodes: 3, lost: 0") != std::string::npos);

  cluster_output out{dir, actio::test::cluster_node_names()};
  CHECK(out.records.size() == limit);
  std::set<std::string> urls;
  std::set<std::string> known;
  for (const auto& e : expected)
    known.insert(e.url);
  for (const auto& r : out.records) {
    INFO(r.url);
    CHECK(urls.insert(r.url).second);
    CHECK(known.count(r.url) == 1);
  }
  for (const auto& [host, writers] : out.writers_by_host) {
    INFO(host);
    CHECK(writers.size() == 1);
  }
}

namespace {

/// One SIGKILL of a crawl with kills: `victim` ("coordinator", "w1" or
/// "w2") once the union of the outputs holds `after_pages` lines.
struct kill_step {
  std::string victim;
  std::size_t after_pages = 0;
};

/// A three-process crawl whose nodes are killed with SIGKILL as `kills`
/// says, in turn: a killed coordinator is restarted at once with the same
/// command line (it waits 5 s for nodes that do not rejoin), killed
/// workers stay dead and their hosts are handed over. Every survivor must
/// end with 0 and the union of the outputs must be exact. Kills after the
/// crawl ended are skipped.
void crawl_with_kills(const std::vector<kill_step>& kills) {
  cluster_site site{pages_per_server};
  site.set_latency(2ms);
  crawl_temp_dir dir;
  auto port = actio::test::free_loopback_port();
  REQUIRE(port != 0);
  auto listen = "127.0.0.1:" + std::to_string(port);
  auto args = coordinator_args(site, dir, 3, listen);
  args.emplace_back("--coordinator-wait");
  args.emplace_back("5");
  std::optional<child_process> coordinator;
  coordinator.emplace(args, true);
  REQUIRE(listening_address(*coordinator) == listen);
  std::map<std::string, std::unique_ptr<child_process>> workers;
  for (const char* w : {"w1", "w2"})
    workers[w] =
        std::make_unique<child_process>(worker_args(dir, w, listen), true);
  auto union_pages = [&] {
    std::size_t n = 0;
    for (const auto& name : actio::test::cluster_node_names())
      n +=
          actio::crawl::jsonl_sink::read_urls(dir.file(name + ".jsonl")).size();
    return n;
  };
  std::set<std::string> dead;
  for (const auto& k : kills) {
    INFO("kill " << k.victim << " after " << k.after_pages << " pages");
    actio::test::eventually(
        [&] {
          return union_pages() >= k.after_pages || coordinator->wait_exit(0ms);
        },
        60s, 5ms);
    if (coordinator->wait_exit(0ms))
      break; // the crawl is over
    if (k.victim == "coordinator") {
      coordinator->signal(SIGKILL);
      REQUIRE(coordinator->wait_exit(10s));
      coordinator.reset();
      coordinator.emplace(args, true);
      REQUIRE(listening_address(*coordinator) == listen);
    } else if (dead.insert(k.victim).second) {
      workers.at(k.victim)->signal(SIGKILL);
      REQUIRE(workers.at(k.victim)->wait_exit(10s));
    }
  }
  site.set_latency(0ms);
  CHECK(coordinator->wait(180s) == 0);
  INFO(coordinator->output());
  INFO(coordinator->error_output());
  for (auto& [name, w] : workers)
    if (dead.count(name) == 0) {
      INFO(name << ": " << w->error_output());
      CHECK(w->wait(30s) == 0);
    }
  CHECK(coordinator->output().find("cluster crawl complete") !=
        std::string::npos);
  CHECK(coordinator->output().find("problem:") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("coordinator.db.cluster")));
  check_union(cluster_output{dir, actio::test::cluster_node_names()}, site);
}

/// The kill seeds to run: ACTIO_CLUSTER_KILL_SEEDS=N runs seeds 1..N
/// (default 2; docs/reliability.md).
std::vector<std::uint64_t> kill_seeds() {
  std::uint64_t n = 2;
  if (const char* env = std::getenv("ACTIO_CLUSTER_KILL_SEEDS"))
    n = std::strtoull(env, nullptr, 10);
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = 1; i <= n; ++i)
    out.push_back(i);
  return out;
}

/// Two kills drawn from `seed`: victims among the coordinator and the
/// workers still alive, moments between the first page and a third of the
/// expected pages after the one before.
std::vector<kill_step> random_kills(std::uint64_t seed,
                                    std::size_t expected_pages) {
  std::mt19937_64 rng{seed};
  std::vector<std::string> victims{"coordinator", "w1", "w2"};
  std::vector<kill_step> out;
  std::size_t at = 1;
  for (int i = 0; i < 2; ++i) {
    auto v = victims[rng() % victims.size()];
    if (v != "coordinator")
      victims.erase(std::find(victims.begin(), victims.end(), v));
    at += rng() % (expected_pages / 3 + 1);
    out.push_back(kill_step{v, at});
  }
  return out;
}

} // namespace

TEST_CASE("a crawl survives two SIGKILLs in sequence with an exact union: "
          "a worker and then, during or after its hand-over, another node",
          "[crawl_cluster][cli][kills]") {
  SECTION("w1, then w2 at once (a second death during the hand-over)") {
    crawl_with_kills({{"w1", 100}, {"w2", 101}});
  }
  SECTION("w1, then the coordinator, which is restarted") {
    crawl_with_kills({{"w1", 100}, {"coordinator", 101}});
  }
  SECTION("the coordinator, restarted, then w2") {
    crawl_with_kills({{"coordinator", 100}, {"w2", 300}});
  }
}

TEST_CASE("a crawl survives two SIGKILLs at random moments with an exact "
          "union (ACTIO_CLUSTER_KILL_SEEDS seeds)",
          "[crawl_cluster][cli][kills]") {
  // The expected size, to draw moments within the crawl.
  auto expected = cluster_site{pages_per_server}.expected().size();
  for (auto seed : kill_seeds()) {
    auto kills = random_kills(seed, expected);
    INFO("seed " << seed << ": kill " << kills[0].victim << " after "
                 << kills[0].after_pages << ", " << kills[1].victim << " after "
                 << kills[1].after_pages);
    crawl_with_kills(kills);
  }
}

namespace {

/// `args` with TLS from `files` instead of insecure loopback mode.
std::vector<std::string> with_tls(std::vector<std::string> args,
                                  const actio::test::tls_node_files& files) {
  std::vector<std::string> out;
  for (auto& a : args) {
    if (a != "--actio-remote=insecure") {
      out.push_back(std::move(a));
      continue;
    }
    out.emplace_back("--actio-remote=tls");
    out.push_back("--actio-tls-certificate=" + files.certificate);
    out.push_back("--actio-tls-key=" + files.key);
    out.push_back("--actio-tls-ca=" + files.ca_file);
  }
  return out;
}

} // namespace

TEST_CASE("a multi-node crawl over TLS is exact, and a node with a "
          "certificate of another CA cannot join",
          "[crawl_cluster][cli]") {
  actio::test::tls_test_ca ca;
  actio::test::tls_test_ca rogue{"rogue CA"};
  cluster_site site{400};
  crawl_temp_dir dir;
  child_process coordinator{
      with_tls(coordinator_args(site, dir), ca.issue("coordinator"))};
  auto address = listening_address(coordinator);
  REQUIRE(!address.empty());
  {
    child_process intruder{
        with_tls(worker_args(dir, "intruder", address), rogue.issue("x"))};
    CHECK(intruder.wait(30s) == 1);
  }
  child_process w1{with_tls(worker_args(dir, "w1", address), ca.issue("w1"))};
  child_process w2{with_tls(worker_args(dir, "w2", address), ca.issue("w2"))};
  CHECK(coordinator.wait(120s) == 0);
  CHECK(w1.wait(20s) == 0);
  CHECK(w2.wait(20s) == 0);
  INFO(coordinator.output());
  CHECK(coordinator.output().find("nodes: 3, lost: 0") != std::string::npos);
  check_union(cluster_output{dir, actio::test::cluster_node_names()}, site);
}

TEST_CASE("actio-crawl --join without a coordinator, --listen on a bad "
          "address and a worker losing its coordinator end with a clear "
          "error",
          "[crawl_cluster][cli]") {
  crawl_temp_dir dir;
  SECTION("nothing listens where --join points") {
    // Port 1 on loopback: connection refused.
    child_process w{worker_args(dir, "w1", "127.0.0.1:1")};
    CHECK(w.wait(30s) == 1);
  }
  SECTION("--listen on a malformed or non-loopback address") {
    cluster_site site{40};
    for (const char* bad : {"127.0.0.1", "127.0.0.1:99999", "10.1.2.3:4000"}) {
      auto args = node_args(binary, dir, "coordinator");
      args.push_back(site.seeds().front());
      for (const char* a : {"--listen", bad, "--nodes", "2"})
        args.emplace_back(a);
      child_process c{args};
      INFO(bad);
      auto code = c.wait(30s);
      CHECK((code == 1 || code == 2));
    }
  }
  SECTION("the coordinator is killed while a worker crawls and does not "
          "come back within --coordinator-wait") {
    with_worker_crawling(dir, [](child_process& coordinator, child_process& w) {
      coordinator.signal(SIGKILL);
      CHECK(w.wait(30s) == 1);
      CHECK_THAT(w.error_output(),
                 Catch::Contains("waiting up to 1 s for it to come back") &&
                     Catch::Contains("did not come back within 1 s"));
    });
  }
  SECTION("SIGINT stops the coordinator (130) and then, after waiting for "
          "it, its worker (1)") {
    with_worker_crawling(dir, [](child_process& coordinator, child_process& w) {
      coordinator.signal(SIGINT);
      CHECK(coordinator.wait(30s) == 130);
      CHECK(w.wait(30s) == 1);
      CHECK_THAT(w.error_output(), Catch::Contains("did not come back"));
    });
  }
}

TEST_CASE("actio-crawl refuses inconsistent multi-node options",
          "[crawl_cluster][cli]") {
  crawl_temp_dir dir;
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{binary, "--actio-remote=insecure"};
    args.insert(args.end(), extra.begin(), extra.end());
    child_process p{args};
    return p.wait(30s);
  };
  auto state = dir.file("s.db");
  auto out = dir.file("o.jsonl");
  // No --state/--out; both roles; --join with URLs; --listen without.
  CHECK(with({"http://127.0.0.1:1/", "--listen", "127.0.0.1:0"}) == 2);
  CHECK(with({"http://127.0.0.1:1/", "--listen", "127.0.0.1:0", "--join",
              "127.0.0.1:1", "--state", state, "--out", out}) == 2);
  CHECK(with({"http://127.0.0.1:1/", "--join", "127.0.0.1:1", "--state", state,
              "--out", out}) == 2);
  CHECK(with({"--listen", "127.0.0.1:0", "--state", state, "--out", out}) == 2);
  CHECK(with({"--nodes", "3"}) == 2);
  CHECK(with({"--coordinator-wait", "3"}) == 2);
}

TEST_CASE("actio-crawl --join refuses the settings that are the "
          "coordinator's and names the one it refused",
          "[crawl_cluster][cli]") {
  crawl_temp_dir dir;
  // Nothing listens on port 1: a refused flag must be told before that.
  auto worker = worker_args(dir, "w1", "127.0.0.1:1");
  for (std::vector<std::string> flag :
       {std::vector<std::string>{"--delay", "0"},
        {"--per-host", "4"},
        {"--timeout", "500"},
        {"--connect-timeout", "500"},
        {"--retries", "0"},
        {"--backoff", "5"},
        {"--user-agent", "other/1"},
        {"--no-robots"},
        {"--max-bytes", "1000"},
        {"--html-parser", "libxml2"},
        {"--depth-wait", "0"},
        {"--allow-domain", "example.org"},
        {"--allow-private"},
        {"--depth", "2"},
        {"--max-pages", "5"}}) {
    auto args = worker;
    args.insert(args.end(), flag.begin(), flag.end());
    child_process w{args, true};
    INFO(flag.front());
    CHECK(w.wait(30s) == 2);
    CHECK_THAT(w.error_output(),
               Catch::Contains(flag.front() + " is the coordinator's") &&
                   Catch::Contains("only its own --concurrency"));
  }
}

TEST_CASE("actio-crawl --listen and --join refuse one file for --out and "
          "--state, a foreign state file and the files of a running node",
          "[crawl_cluster][cli][files]") {
  crawl_temp_dir dir;
  cluster_site site{40};
  // `args` with other --state and --out files.
  auto with_files = [](std::vector<std::string> args, const std::string& state,
                       const std::string& out) {
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == "--state")
        args[i + 1] = state;
      else if (args[i] == "--out")
        args[i + 1] = out;
    }
    return args;
  };
  auto coordinator_with = [&](const std::string& state,
                              const std::string& out) {
    return with_files(coordinator_args(site, dir, 2), state, out);
  };
  SECTION("one file for --out and --state, through a symbolic link") {
    std::filesystem::create_symlink(dir.file("c.db"), dir.file("link"));
    child_process c{coordinator_with(dir.file("c.db"), dir.file("link"))};
    CHECK(c.wait(30s) == 2);
    CHECK_FALSE(std::filesystem::exists(dir.file("c.db")));
  }
  SECTION("another program's database as --state") {
    actio::test::make_sqlite_database(
        dir.file("foreign.db"), "CREATE TABLE t(x); INSERT INTO t VALUES(1)");
    std::ifstream in(dir.file("foreign.db"), std::ios::binary);
    std::string before((std::istreambuf_iterator<char>(in)),
                       std::istreambuf_iterator<char>());
    child_process c{
        coordinator_with(dir.file("foreign.db"), dir.file("c.jsonl")), true};
    CHECK(c.wait(30s) == 1);
    CHECK_THAT(c.error_output(), Catch::Contains("not a crawl state file"));
    std::ifstream again(dir.file("foreign.db"), std::ios::binary);
    CHECK(std::string((std::istreambuf_iterator<char>(again)),
                      std::istreambuf_iterator<char>()) == before);
  }
  SECTION("a worker given the files of the coordinator, which is waiting "
          "for it, and a second coordinator on them") {
    child_process coordinator{coordinator_args(site, dir, 2)};
    auto address = listening_address(coordinator);
    REQUIRE(!address.empty());
    auto in_use = "in use by process " + std::to_string(coordinator.pid());
    child_process w{with_files(worker_args(dir, "w1", address),
                               dir.file("coordinator.db"),
                               dir.file("coordinator.jsonl")),
                    true};
    CHECK(w.wait(30s) == 1);
    CHECK_THAT(w.error_output(), Catch::Contains(in_use));
    child_process second{coordinator_args(site, dir, 2), true};
    CHECK(second.wait(30s) == 1);
    CHECK_THAT(second.error_output(), Catch::Contains(in_use));
  }
}

TEST_CASE("actio-crawl --help explains the multi-node options",
          "[crawl_cluster][cli]") {
  child_process p{{binary, "--help"}};
  REQUIRE(p.wait(30s) == 0);
  for (const char* opt : {"--listen", "--join", "--nodes", "--node-name",
                          "--actio-remote=insecure", "lost its coordinator"})
    CHECK(p.output().find(opt) != std::string::npos);
}

#endif
