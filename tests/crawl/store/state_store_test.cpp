// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/store/state_store.hpp"

#include "crawl/store/crawl_store_fixture.hpp"
#include "support/sqlite_database.hpp"
#include "support/time_limit.hpp"

#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using actio::crawl::crawl_metadata;
using actio::crawl::done_entry;
using actio::crawl::frontier_entry;
using actio::crawl::state_store;
using actio::crawl::state_store_error;
using actio::crawl::state_store_options;
using actio::test::temp_dir;

namespace {

frontier_entry fe(std::string url, std::uint32_t depth = 1) {
  frontier_entry e;
  e.url = std::move(url);
  e.depth = depth;
  e.reason = "link";
  return e;
}

std::set<std::string> urls_of(const std::vector<frontier_entry>& v) {
  std::set<std::string> out;
  for (auto& e : v)
    out.insert(e.url);
  return out;
}

/// Frontier rows as seen by an independent read-only connection.
int committed_frontier_rows(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) ==
          SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM frontier", -1, &st,
                             nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  int n = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

/// The schema of the first state store (schema version 1, no application
/// id), as its files have it.
constexpr const char* previous_schema_sql = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS frontier(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url TEXT NOT NULL UNIQUE,
  depth INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL DEFAULT 0,
  reason TEXT NOT NULL DEFAULT '',
  in_flight INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS seen(
  url TEXT PRIMARY KEY,
  hash INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS done(
  url TEXT PRIMARY KEY,
  status INTEGER,
  outcome TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS retries(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  url TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  not_before INTEGER NOT NULL,
  reason TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS retries_url ON retries(url);
)sql";

/// Runs `sql` on the SQLite database at `path`.
void make_database(const std::string& path, const std::string& sql) {
  REQUIRE_NOTHROW(actio::test::make_sqlite_database(path, sql));
}

/// The big-endian 32-bit field at `offset` of an SQLite file's header.
std::uint32_t header_field(const std::string& path, std::size_t offset) {
  auto h = actio::test::slurp(path);
  REQUIRE(h.size() >= offset + 4);
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(h[offset + i]);
  return v;
}

state_store_options manual_flush() {
  state_store_options o;
  o.flush_every_ops = 0;
  o.flush_every = std::chrono::milliseconds{0};
  return o;
}

} // namespace

TEST_CASE("a new state store loads empty and keeps metadata across reopen",
          "[state_store]") {
  temp_dir dir;
  auto path = dir.file("state.db");
  {
    state_store s{path};
    auto st = s.load();
    CHECK(st.pending.empty());
    CHECK(st.done.empty());
    CHECK(st.seen_hashes.empty());
    CHECK(st.metadata.seeds.empty());
    s.set_metadata({{"http://a.localhost/", "http://b.localhost/"},
                    R"({"max_depth":3})",
                    "0.1.0"});
    s.flush();
  }
  state_store s{path};
  auto st = s.load();
  CHECK(st.metadata.seeds ==
        std::vector<std::string>{"http://a.localhost/", "http://b.localhost/"});
  CHECK(st.metadata.options == R"({"max_depth":3})");
  CHECK(st.metadata.version == "0.1.0");
}

TEST_CASE("record_discovered adds only URLs never seen and keeps discovery "
          "order",
          "[state_store]") {
  temp_dir dir;
  state_store s{dir.file("state.db")};
  CHECK(s.record_discovered(
            {fe("http://x/1"), fe("http://x/2"), fe("http://x/1")}) == 2);
  CHECK(s.record_discovered({fe("http://x/2"), fe("http://x/3")}) == 1);
  s.record_done({"http://x/3", 200, "ok"});
  // Done URLs stay seen: rediscovering them adds nothing.
  CHECK(s.record_discovered({fe("http://x/3")}) == 0);
  auto st = s.load();
  REQUIRE(st.pending.size() == 2);
  CHECK(st.pending[0].url == "http://x/1");
  CHECK(st.pending[1].url == "http://x/2");
  CHECK(st.pending[0].depth == 1);
  CHECK(st.pending[0].reason == "link");
  std::set<std::uint64_t> hashes(st.seen_hashes.begin(), st.seen_hashes.end());
  CHECK(hashes == std::set<std::uint64_t>{state_store::url_hash("http://x/1"),
                                          state_store::url_hash("http://x/2"),
                                          state_store::url_hash("http://x/3")});
}

TEST_CASE("the outbound log of a multi-node crawl survives a reopen, once "
          "per URL, apart from the frontier and the seen set",
          "[state_store]") {
  temp_dir dir;
  {
    state_store s{dir.file("state.db")};
    s.record_routed({fe("http://y/1", 2), fe("http://y/2", 3)});
    s.record_routed({fe("http://y/1", 5)});
    s.flush();
  }
  state_store s{dir.file("state.db")};
  auto st = s.load();
  REQUIRE(st.routed.size() == 2);
  std::map<std::string, std::uint32_t> depth;
  for (const auto& e : st.routed)
    depth[e.url] = e.depth;
  CHECK(depth == std::map<std::string, std::uint32_t>{{"http://y/1", 2},
                                                      {"http://y/2", 3}});
  CHECK(st.pending.empty());
  CHECK(st.seen_hashes.empty());
}

TEST_CASE("url_hash is 64-bit FNV-1a", "[state_store]") {
  CHECK(state_store::url_hash("") == 14695981039346656037ull);
  CHECK(state_store::url_hash("a") == 0xaf63dc4c8601ec8cull);
}

TEST_CASE("record_done moves a URL out of the frontier and keeps an absent "
          "status absent",
          "[state_store]") {
  temp_dir dir;
  auto path = dir.file("state.db");
  {
    state_store s{path};
    s.record_discovered({fe("http://x/ok"), fe("http://x/fail")});
    s.record_done({"http://x/ok", 200, "ok"});
    s.record_done({"http://x/fail", std::nullopt, "connection refused"});
    CHECK(s.is_done("http://x/ok"));
    CHECK_FALSE(s.is_done("http://x/other"));
  }
  state_store s{path};
  auto st = s.load();
  CHECK(st.pending.empty());
  REQUIRE(st.done.size() == 2);
  std::sort(st.done.begin(), st.done.end(),
            [](auto& a, auto& b) { return a.url < b.url; });
  CHECK(st.done[0].url == "http://x/fail");
  CHECK_FALSE(st.done[0].status.has_value());
  CHECK(st.done[0].verdict == "connection refused");
  CHECK(st.done[1].status == 200);
}

TEST_CASE("in-flight URLs come back as pending after a restart",
          "[state_store]") {
  temp_dir dir;
  auto path = dir.file("state.db");
  {
    state_store s{path};
    s.record_discovered({fe("http://x/1"), fe("http://x/2"), fe("http://x/3")});
    s.record_in_flight("http://x/1");
    s.record_in_flight("http://x/3");
    s.record_in_flight("http://x/unknown"); // no effect
    s.flush();
  }
  state_store s{path};
  auto st = s.load();
  CHECK(st.was_in_flight == 2);
  CHECK(urls_of(st.pending) ==
        std::set<std::string>{"http://x/1", "http://x/2", "http://x/3"});
  // load() reset them: a second load sees none in flight.
  CHECK(s.load().was_in_flight == 0);
}

TEST_CASE("record_retry updates attempts and back-off and logs the attempt",
          "[state_store]") {
  temp_dir dir;
  state_store s{dir.file("state.db")};
  s.record_discovered({fe("http://x/1")});
  s.record_in_flight("http://x/1");
  s.record_retry("http://x/1", 1, 1000, "timeout");
  s.record_retry("http://x/1", 2, 5000, "503");
  auto st = s.load();
  REQUIRE(st.pending.size() == 1);
  CHECK(st.pending[0].attempts == 2);
  CHECK(st.pending[0].not_before_ms == 5000);
  CHECK(st.pending[0].reason == "503");
  CHECK(st.was_in_flight == 0);
  CHECK(s.retry_count("http://x/1") == 2);
  CHECK(s.retry_count("http://x/2") == 0);
}

TEST_CASE("writes are invisible to another connection until flush",
          "[state_store]") {
  temp_dir dir;
  auto path = dir.file("state.db");
  state_store writer{path, manual_flush()};
  writer.record_discovered({fe("http://x/1")});
  CHECK(writer.pending_ops() == 1);
  CHECK(committed_frontier_rows(path) == 0);
  writer.flush();
  CHECK(writer.pending_ops() == 0);
  CHECK(committed_frontier_rows(path) == 1);
}

TEST_CASE("the store commits by itself every N operations", "[state_store]") {
  temp_dir dir;
  auto path = dir.file("state.db");
  auto opts = manual_flush();
  opts.flush_every_ops = 3;
  state_store writer{path, opts};
  writer.record_discovered({fe("http://x/1")});
  writer.record_discovered({fe("http://x/2")});
  CHECK(writer.pending_ops() == 2);
  writer.record_discovered({fe("http://x/3")});
  CHECK(writer.pending_ops() == 0);
  CHECK(committed_frontier_rows(path) == 3);
}

TEST_CASE("the store commits on the next operation once the batch is older "
          "than T",
          "[state_store]") {
  temp_dir dir;
  auto path = dir.file("state.db");
  auto opts = manual_flush();
  opts.flush_every = std::chrono::milliseconds{20};
  state_store writer{path, opts};
  writer.record_discovered({fe("http://x/1")});
  CHECK(writer.pending_ops() == 1);
  // The time-based flush is what is tested, so time has to pass.
  std::this_thread::sleep_for(std::chrono::milliseconds{30});
  writer.record_discovered({fe("http://x/2")});
  CHECK(writer.pending_ops() == 0);
}

TEST_CASE("mark_done_if_absent keeps existing done entries and reports new "
          "ones",
          "[state_store]") {
  temp_dir dir;
  state_store s{dir.file("state.db")};
  s.record_discovered({fe("http://x/1"), fe("http://x/2")});
  s.record_done({"http://x/1", 200, "ok"});
  CHECK(s.mark_done_if_absent({{"http://x/1", 500, "recovered"},
                               {"http://x/2", 404, "recovered"}}) == 1);
  auto st = s.load();
  CHECK(st.pending.empty());
  for (auto& d : st.done) {
    if (d.url == "http://x/1")
      CHECK(d.status == 200);
    else
      CHECK(d.status == 404);
  }
}

TEST_CASE("opening a path in a missing directory fails with a message",
          "[state_store][errors]") {
  temp_dir dir;
  try {
    state_store s{dir.file("no/such/dir/state.db")};
    FAIL("no exception");
  } catch (const state_store_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("cannot open"));
    CHECK_THAT(e.what(), Catch::Contains("no/such/dir/state.db"));
  }
}

TEST_CASE("a read-only state file fails with a message",
          "[state_store][errors]") {
  if (::geteuid() == 0) {
    // Root writes through file permissions; a file on a read-only file
    // system stands in for it.
    CHECK_THROWS_AS(state_store{"/proc/version"}, state_store_error);
    return;
  }
  temp_dir dir;
  auto path = dir.file("state.db");
  { state_store s{path}; }
  ::chmod(path.c_str(), 0444);
  CHECK_THROWS_WITH(state_store{path}, Catch::Contains("not writable"));
}

TEST_CASE("a file that is not a database fails with a message",
          "[state_store][errors]") {
  temp_dir dir;
  auto path = dir.file("state.db");
  std::string junk;
  for (int i = 0; i < 200; ++i)
    junk += "this is not an SQLite database\n";
  actio::test::spit(path, junk);
  CHECK_THROWS_WITH(state_store{path},
                    Catch::Contains("not a crawl state database"));
  CHECK(actio::test::slurp(path) == junk); // left untouched
}

TEST_CASE("a state file from a newer schema version is refused",
          "[state_store][errors]") {
  temp_dir dir;
  auto path = dir.file("state.db");
  { state_store s{path}; }
  make_database(path, "PRAGMA user_version=99");
  CHECK_THROWS_WITH(state_store{path}, Catch::Contains("newer program"));
}

TEST_CASE("a new state file carries actio's application id in its header "
          "from the start, and a zero-length file counts as new",
          "[state_store][recognition]") {
  temp_dir dir;
  for (const auto& path : {dir.file("new.db"), dir.file("empty.db")}) {
    INFO(path);
    if (path == dir.file("empty.db"))
      actio::test::spit(path, "");
    {
      state_store s{path};
      s.record_discovered({fe("http://x/1")});
      s.flush();
      CHECK(header_field(path, 68) == state_store::application_id);
    }
    CHECK(header_field(path, 60) == state_store::schema_version);
    state_store s{path};
    CHECK(s.load().pending.size() == 1);
  }
}

TEST_CASE("a database of another program is refused and left byte for byte "
          "as it was, without side files",
          "[state_store][recognition][errors]") {
  temp_dir dir;
  auto path = dir.file("foreign.db");
  std::string sql;
  std::string says = "not a crawl state file";
  SECTION("schema version 0 with a table of its own") {
    sql = "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES('keep me')";
  }
  SECTION("a table named like one of the store's, with other columns") {
    sql = "CREATE TABLE meta(k TEXT, v TEXT); INSERT INTO meta VALUES(1, 2)";
  }
  SECTION("the store's tables and more") {
    sql = std::string(previous_schema_sql) +
          "CREATE TABLE extra(x); PRAGMA user_version=1";
  }
  SECTION("schema version 7 is another program's, not a newer actio") {
    sql = "CREATE TABLE t(x); PRAGMA user_version=7";
  }
  SECTION("another program's application id") {
    sql = std::string(previous_schema_sql) +
          "PRAGMA user_version=1; PRAGMA application_id=1234";
    says = "application id 0x000004d2";
  }
  SECTION("an SQLite database without any table") {
    sql = "VACUUM";
  }
  SECTION("a database in WAL mode") {
    sql = "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t "
          "VALUES(1)";
  }
  make_database(path, sql);
  auto before = actio::test::slurp(path);
  REQUIRE(before.size() >= 100);
  try {
    state_store s{path};
    FAIL("opened");
  } catch (const state_store_error& e) {
    CHECK_THAT(e.what(), Catch::Contains(says));
    CHECK_THAT(e.what(), Catch::Contains("left untouched"));
    CHECK_THAT(e.what(), !Catch::Contains("newer program"));
  }
  CHECK_THROWS_AS(state_store::read_metadata(path), state_store_error);
  CHECK(actio::test::slurp(path) == before);
  for (const char* side : {"-wal", "-shm", "-journal"})
    CHECK_FALSE(std::filesystem::exists(path + side));
}

TEST_CASE("a state file of the previous version (no application id) is "
          "recognised by its tables, kept and upgraded",
          "[state_store][recognition]") {
  temp_dir dir;
  auto path = dir.file("old.db");
  make_database(path,
                std::string(previous_schema_sql) +
                    "PRAGMA user_version=1; "
                    "INSERT INTO meta VALUES('seeds', '[\"http://x/\"]'); "
                    "INSERT INTO seen VALUES('http://x/1', 1); "
                    "INSERT INTO frontier(url, depth) VALUES('http://x/1', 1); "
                    "INSERT INTO done VALUES('http://x/', 200, 'ok')");
  REQUIRE(header_field(path, 68) == 0);
  auto meta = state_store::read_metadata(path);
  REQUIRE(meta.has_value());
  CHECK(meta->seeds == std::vector<std::string>{"http://x/"});
  {
    state_store s{path};
    auto st = s.load();
    REQUIRE(st.pending.size() == 1);
    CHECK(st.pending[0].url == "http://x/1");
    REQUIRE(st.done.size() == 1);
    CHECK(st.metadata.seeds == std::vector<std::string>{"http://x/"});
    // The outbound log's table, added after the first version, too.
    s.record_routed({fe("http://y/1")});
    s.flush();
  }
  CHECK(header_field(path, 68) == state_store::application_id);
  state_store s{path};
  CHECK(s.load().routed.size() == 1);
}

TEST_CASE("read_metadata reads a store's metadata without writing and is "
          "empty for a new file",
          "[state_store]") {
  temp_dir dir;
  auto path = dir.file("state.db");
  CHECK_FALSE(state_store::read_metadata(path).has_value());
  CHECK_FALSE(std::filesystem::exists(path));
  {
    state_store s{path};
    s.flush();
  }
  CHECK_FALSE(state_store::read_metadata(path).has_value());
  {
    state_store s{path};
    s.set_metadata({{"http://a.localhost/"}, R"({"max_depth":3})", "0.1.0"});
    s.flush();
  }
  auto before = actio::test::slurp(path);
  auto meta = state_store::read_metadata(path);
  REQUIRE(meta.has_value());
  CHECK(meta->seeds == std::vector<std::string>{"http://a.localhost/"});
  CHECK(meta->options == R"({"max_depth":3})");
  CHECK(actio::test::slurp(path) == before);
  for (const char* side : {"-wal", "-shm", "-journal"})
    CHECK_FALSE(std::filesystem::exists(path + side));
}

TEST_CASE("a database with corrupted pages fails with a message, not a crash",
          "[state_store][errors]") {
  temp_dir dir;
  auto path = dir.file("state.db");
  {
    state_store s{path};
    std::vector<frontier_entry> many;
    for (int i = 0; i < 2000; ++i)
      many.push_back(fe("http://x/some/long/path/" + std::to_string(i)));
    s.record_discovered(many);
    s.flush();
  } // last connection closed: the WAL is checkpointed into the file
  auto content = actio::test::slurp(path);
  REQUIRE(content.size() > 16 * 4096);
  for (std::size_t i = 4096; i < content.size() - 4096; i += 3)
    content[i] = static_cast<char>(0xA5);
  actio::test::spit(path, content);
  bool threw = false;
  try {
    state_store s{path};
    s.load();
  } catch (const state_store_error& e) {
    threw = true;
    CHECK_THAT(e.what(), Catch::Contains("corrupt"));
  }
  CHECK(threw);
}

TEST_CASE("every flushed record survives SIGKILL at random moments and the "
          "database stays consistent",
          "[state_store][crash]") {
  actio::test::time_limit limit{std::chrono::seconds(60),
                                "state store SIGKILL test"};
  temp_dir dir;
  auto path = dir.file("state.db");
  std::mt19937 gen{12345};
  std::int64_t next = 0;
  int kills = 0;
  for (int round = 0; round < 12; ++round) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    auto start = next;
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      ::close(fds[0]);
      try {
        state_store_options o;
        o.flush_every_ops = 50; // automatic commits in between, too
        o.flush_every = std::chrono::milliseconds{0};
        state_store s{path, o};
        for (std::int64_t seq = start;; ++seq) {
          s.record_discovered({fe("http://x/" + std::to_string(seq))});
          if (seq % 3 == 0)
            s.record_done({"http://x/" + std::to_string(seq), 200, "ok"});
          if (seq % 7 == 6) {
            s.flush();
            if (::write(fds[1], &seq, sizeof seq) != sizeof seq)
              ::_exit(3);
          }
        }
      } catch (...) {
        ::_exit(2);
      }
    }
    ::close(fds[1]);
    auto acks_wanted = std::uniform_int_distribution<int>(1, 40)(gen);
    std::int64_t acked = start - 1;
    for (int i = 0; i < acks_wanted; ++i) {
      std::int64_t v = 0;
      if (::read(fds[0], &v, sizeof v) != sizeof v)
        break;
      acked = v;
    }
    // Land anywhere: between commits, inside a transaction, inside COMMIT.
    std::this_thread::sleep_for(std::chrono::microseconds(
        std::uniform_int_distribution<int>(0, 3000)(gen)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    ++kills;
    std::int64_t v = 0;
    while (::read(fds[0], &v, sizeof v) == sizeof v)
      acked = v;
    ::close(fds[0]);

    state_store s{path}; // runs an integrity check
    auto st = s.load();
    std::set<std::int64_t> present;
    for (auto& e : st.pending)
      present.insert(std::stoll(e.url.substr(9)));
    std::set<std::int64_t> done;
    for (auto& d : st.done) {
      present.insert(std::stoll(d.url.substr(9)));
      done.insert(std::stoll(d.url.substr(9)));
    }
    // Commits are atomic and ordered: what survived is a prefix 0..M-1 with
    // M past every acknowledged flush.
    REQUIRE(!present.empty());
    auto m = *present.rbegin() + 1;
    CHECK(static_cast<std::int64_t>(present.size()) == m);
    CHECK(m > acked);
    // An automatic commit may fall between a discovery and its done mark,
    // so only the very last URL may lack it.
    for (std::int64_t seq = 0; seq + 1 < m; ++seq)
      if (seq % 3 == 0 && !done.count(seq))
        FAIL("seq " << seq << " discovered but not done");
    CHECK(st.seen_hashes.size() == present.size());
    next = m;
  }
  CHECK(kills == 12);
}
