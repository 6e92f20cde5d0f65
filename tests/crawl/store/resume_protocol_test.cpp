// SPDX-License-Identifier: Apache-2.0
// The exactly-once output protocol of docs/crawl-state.md, run by a
// simulated crawler in child processes that are killed with SIGKILL between
// every two steps, then resumed until the crawl completes.
#include "actio/crawl/store/jsonl_sink.hpp"
#include "actio/crawl/store/state_store.hpp"

#include "crawl/store/crawl_store_fixture.hpp"
#include "support/time_limit.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace actio::crawl;
using actio::test::temp_dir;

namespace {

constexpr std::size_t graph_size = 240;
constexpr std::size_t batch_size = 8;

std::string url_of(std::size_t i) {
  return "http://t.localhost/p" + std::to_string(i);
}

std::size_t index_of(const std::string& url) {
  return std::stoul(url.substr(std::string("http://t.localhost/p").size()));
}

/// Links of page i: the next page plus two pseudo-random ones; every page
/// is reachable from page 0.
std::vector<std::size_t> links_of(std::size_t i) {
  return {(i + 1) % graph_size, (i * 7 + 3) % graph_size,
          (i * 13 + 5) % graph_size};
}

fetch_record fetched(const frontier_entry& e) {
  fetch_record r;
  r.url = e.url;
  r.final_url = e.url;
  r.depth = e.depth;
  auto i = index_of(e.url);
  if (i % 17 == 5) {
    r.error = "connection reset";
  } else {
    r.status = i % 11 == 3 ? 404 : 200;
    r.content_type = "text/html";
    r.bytes = 1000 + i;
    r.title = "Page " + std::to_string(i);
    r.links = 3;
  }
  return r;
}

/// Counts steps; at step number `kill_at` (1-based) the process kills
/// itself. 0 never kills.
struct kill_switch {
  long kill_at = 0;
  long step = 0;
  void point() {
    if (++step == kill_at)
      ::raise(SIGKILL);
  }
};

/// The crawler's main loop following the protocol. Returns normally when
/// the frontier is empty.
/// Tears a line and dies in batch number `tear_in_batch` (1-based; 0 never).
void crawl(const std::string& db, const std::string& out, kill_switch& ks,
           int tear_in_batch) {
  state_store_options o;
  o.flush_every_ops = 0; // the protocol decides when to commit
  o.flush_every = std::chrono::milliseconds{0};
  state_store store{db, o};
  jsonl_sink sink{out}; // repairs a torn last line
  auto st = store.load();
  if (st.metadata.seeds.empty()) {
    store.set_metadata({{url_of(0)}, "{}", "test"});
    frontier_entry seed;
    seed.url = url_of(0);
    seed.reason = "seed";
    store.record_discovered({seed});
    store.flush();
  }
  // Resume step: lines already written but not marked done become done.
  std::vector<done_entry> written;
  for (auto& r : jsonl_sink::read_records(out))
    written.push_back({r.url, r.status, "recovered"});
  store.mark_done_if_absent(written);
  ks.point();
  for (int batch_no = 1;; ++batch_no) {
    st = store.load();
    if (st.pending.empty())
      return;
    std::vector<frontier_entry> batch(
        st.pending.begin(),
        st.pending.begin() + static_cast<std::ptrdiff_t>(
                                 std::min(batch_size, st.pending.size())));
    // 1. fetch (simulated) and commit the discovered links first.
    std::vector<frontier_entry> found;
    for (auto& e : batch) {
      store.record_in_flight(e.url);
      for (auto l : links_of(index_of(e.url))) {
        frontier_entry f;
        f.url = url_of(l);
        f.depth = e.depth + 1;
        f.reason = "link";
        found.push_back(f);
      }
    }
    store.record_discovered(found);
    ks.point(); // A: discovered recorded, not committed
    store.flush();
    ks.point(); // B: discovered committed
    // 2. write the records and flush the output.
    for (auto& e : batch) {
      sink.write(fetched(e));
      ks.point(); // C: some records buffered
    }
    if (batch_no == tear_in_batch) {
      // A kill in the middle of write(2): half of the buffer reaches the
      // file.
      auto half = jsonl_sink::to_line(fetched(batch.back()));
      half.resize(half.size() / 2);
      int fd = ::open(out.c_str(), O_WRONLY | O_APPEND);
      if (::write(fd, half.data(), half.size()) < 0)
        ::_exit(4);
      ::raise(SIGKILL);
    }
    sink.flush();
    ks.point(); // D: output flushed, not marked done
    // 3. mark done and commit.
    for (auto& e : batch) {
      auto r = fetched(e);
      store.record_done({e.url, r.status, r.error ? *r.error : "ok"});
    }
    ks.point(); // E: done recorded, not committed
    store.flush();
    ks.point(); // F: done committed
  }
}

/// Runs `crawl` in a child; true if it finished, false if it was killed.
bool run_child(const std::string& db, const std::string& out, long kill_at,
               int tear) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    try {
      kill_switch ks{kill_at};
      crawl(db, out, ks, tear);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child failed: %s\n", e.what());
      ::_exit(2);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    REQUIRE(WTERMSIG(status) == SIGKILL);
    return false;
  }
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  return true;
}

/// The output holds every page exactly once and the store agrees with it.
void check_exactly_once(const std::string& db, const std::string& out) {
  auto records = jsonl_sink::read_records(out);
  std::map<std::string, int> count;
  for (auto& r : records) {
    ++count[r.url];
    CHECK(r.status == fetched({r.url, 0, 0, 0, ""}).status);
  }
  CHECK(count.size() == graph_size);
  for (auto& [url, n] : count)
    if (n != 1)
      FAIL(url << " written " << n << " times");
  state_store store{db};
  auto st = store.load();
  CHECK(st.pending.empty());
  CHECK(st.done.size() == graph_size);
  CHECK(st.seen_hashes.size() == graph_size);
}

} // namespace

TEST_CASE("a crawl killed between any two protocol steps resumes to exactly "
          "one output line per URL",
          "[resume][crash]") {
  actio::test::time_limit limit{std::chrono::seconds(90),
                                "resume protocol kill points"};
  // Steps of a batch of n pages: A, B, C x n, D, E, F. The first 40 steps
  // cover the resume step and every kind of step in the first batches (of
  // 1, 3 and 8 pages).
  for (long kill_at = 1; kill_at <= 40; ++kill_at) {
    DYNAMIC_SECTION("kill at step " << kill_at) {
      temp_dir dir;
      auto db = dir.file("state.db");
      auto out = dir.file("out.jsonl");
      CHECK_FALSE(run_child(db, out, kill_at, 0));
      CHECK(run_child(db, out, 0, 0));
      check_exactly_once(db, out);
    }
  }
}

TEST_CASE("a crawl killed in the middle of writing an output line resumes "
          "to exactly one line per URL",
          "[resume][crash]") {
  actio::test::time_limit limit{std::chrono::seconds(60),
                                "resume protocol torn line"};
  // The tear happens right before step D of the first or third batch.
  for (int tear_in_batch : {1, 3}) {
    temp_dir dir;
    auto db = dir.file("state.db");
    auto out = dir.file("out.jsonl");
    CHECK_FALSE(run_child(db, out, 0, tear_in_batch));
    auto text = actio::test::slurp(out);
    REQUIRE(!text.empty());
    INFO(text.substr(text.size() > 300 ? text.size() - 300 : 0));
    CHECK(text.back() != '\n'); // the file really ends with a torn line
    CHECK(run_child(db, out, 0, 0));
    check_exactly_once(db, out);
  }
}

TEST_CASE("a crawl killed repeatedly at random moments resumes to exactly "
          "one output line per URL",
          "[resume][crash]") {
  actio::test::time_limit limit{std::chrono::seconds(90),
                                "resume protocol random kills"};
  std::mt19937 gen{4242};
  temp_dir dir;
  auto db = dir.file("state.db");
  auto out = dir.file("out.jsonl");
  int kills = 0;
  bool finished = false;
  for (int run = 0; run < 200 && !finished; ++run) {
    // Each run dies at a random step of its own, or not at all.
    long kill_at = std::uniform_int_distribution<long>(1, 60)(gen);
    finished = run_child(db, out, kill_at, 0);
    if (!finished)
      ++kills;
  }
  CHECK(finished);
  CHECK(kills > 5);
  check_exactly_once(db, out);
}
