// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/store/state_store.hpp"

#include "sqlite_statement.hpp"
#include "state_file_probe.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace actio::crawl {

using detail::sqlite_row;
using detail::sqlite_statement;

namespace {

constexpr const char* schema_sql = R"sql(
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

/// The outbound log of a multi-node crawl (URLs sent to the nodes owning
/// their hosts); created on open, so that files of older builds get it too.
constexpr const char* routed_sql = R"sql(
CREATE TABLE IF NOT EXISTS routed(
  url TEXT PRIMARY KEY,
  depth INTEGER NOT NULL) WITHOUT ROWID;
)sql";

std::int64_t to_signed(std::uint64_t x) noexcept {
  std::int64_t r;
  std::memcpy(&r, &x, sizeof r);
  return r;
}

std::uint64_t to_unsigned(std::int64_t x) noexcept {
  std::uint64_t r;
  std::memcpy(&r, &x, sizeof r);
  return r;
}

/// Puts one row of the `meta` table into `out`.
void read_meta_row(const std::string& path, const std::string& key,
                   std::string value, crawl_metadata& out) {
  if (key == "seeds") {
    auto j = nlohmann::json::parse(value, nullptr, false);
    if (!j.is_array())
      throw state_store_error("state store " + path +
                              ": corrupted seeds metadata");
    for (const auto& s : j)
      if (s.is_string())
        out.seeds.push_back(s.get<std::string>());
  } else if (key == "options") {
    out.options = std::move(value);
  } else if (key == "version") {
    out.version = std::move(value);
  }
}

} // namespace

/// The store's prepared statements, finalized with it.
struct state_store::statements {
  sqlite_statement insert_seen;
  sqlite_statement insert_frontier;
  sqlite_statement set_in_flight;
  sqlite_statement update_retry;
  sqlite_statement insert_retry;
  sqlite_statement delete_frontier;
  sqlite_statement upsert_done;
  sqlite_statement insert_done_if_absent;
  sqlite_statement select_done;
  sqlite_statement count_retries;
  sqlite_statement upsert_meta;
  sqlite_statement insert_routed;
};

state_store::state_store(const std::string& path, state_store_options options)
    : path_(path), options_(options), stmts_(std::make_unique<statements>()) {
  // Nothing is written before the file is known to be ours (or new).
  auto kind = detail::probe_state_file(path);
  int rc = sqlite3_open_v2(path.c_str(), &db_,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                               SQLITE_OPEN_NOMUTEX,
                           nullptr);
  auto cleanup = [this] {
    stmts_.reset();
    sqlite3_close_v2(db_);
    db_ = nullptr;
  };
  try {
    if (rc != SQLITE_OK)
      fail("cannot open", rc);
    if (sqlite3_db_readonly(db_, "main") == 1)
      throw state_store_error("state store " + path_ +
                              ": file is not writable");
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, static_cast<int>(options_.busy_timeout.count()));
    // The first access to the file: one that is not an SQLite database
    // fails here. A hot journal left by a kill is rolled back first.
    auto version = pragma_int("user_version");
    auto id = static_cast<std::uint32_t>(pragma_int("application_id"));
    bool empty = version == 0 && id == 0 && schema_objects() == 0;
    if (empty) {
      // A new store: application id, schema and version in one
      // transaction, before the WAL journal, so that the id is in the
      // file's header from the start.
      exec("BEGIN IMMEDIATE");
      try {
        exec(("PRAGMA application_id=" + std::to_string(application_id))
                 .c_str());
        exec(schema_sql);
        exec(routed_sql);
        exec(("PRAGMA user_version=" + std::to_string(schema_version)).c_str());
        exec("COMMIT");
      } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
      version = schema_version;
      id = application_id;
    }
    if (id == application_id && version > schema_version)
      throw state_store_error(
          "state store " + path_ + ": schema version " +
          std::to_string(version) +
          " was written by a newer program (this one supports up to " +
          std::to_string(schema_version) + ")");
    bool upgrade = kind == detail::state_file_kind::previous && id == 0;
    if ((id != application_id && !upgrade) || version < 1)
      throw state_store_error("state store " + path_ +
                              ": not a crawl state file (it changed while "
                              "being opened)");
    {
      sqlite_statement check{db_, "PRAGMA quick_check"};
      if (check.code() != SQLITE_OK)
        fail("integrity check failed", check.code());
      std::string result;
      rc = check.each_row([&](const sqlite_row& row) {
        result = row.text(0);
        return false;
      });
      if (rc != SQLITE_ROW)
        fail("integrity check failed", rc);
      if (result != "ok")
        throw state_store_error("state store " + path_ +
                                ": database is corrupted: " + result);
    }
    {
      sqlite_statement wal{db_, "PRAGMA journal_mode=WAL"};
      std::string mode;
      rc = wal.code();
      if (rc == SQLITE_OK)
        rc = wal.each_row([&](const sqlite_row& row) {
          mode = row.text(0);
          return false;
        });
      if (rc != SQLITE_ROW)
        fail("cannot enable WAL journal", rc);
      if (mode != "wal")
        throw state_store_error("state store " + path_ +
                                ": cannot enable WAL journal (mode is " + mode +
                                ")");
    }
    exec("PRAGMA synchronous=NORMAL");
    if (upgrade) {
      // A state file of the previous version, recognised by its schema:
      // it gets the application id (and the outbound log's table).
      exec("BEGIN IMMEDIATE");
      try {
        exec(("PRAGMA application_id=" + std::to_string(application_id))
                 .c_str());
        exec(routed_sql);
        exec("COMMIT");
      } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    }
    auto prep = [this](sqlite_statement& st, const char* sql) {
      st = sqlite_statement{db_, sql, true};
      if (st.code() != SQLITE_OK)
        fail("cannot prepare statement", st.code());
    };
    auto& s = *stmts_;
    prep(s.insert_seen, "INSERT OR IGNORE INTO seen(url, hash) VALUES(?1, ?2)");
    prep(s.insert_frontier,
         "INSERT OR IGNORE INTO frontier(url, depth, attempts, not_before, "
         "reason) VALUES(?1, ?2, ?3, ?4, ?5)");
    prep(s.set_in_flight, "UPDATE frontier SET in_flight=1 WHERE url=?1");
    prep(s.update_retry, "UPDATE frontier SET in_flight=0, attempts=?2, "
                         "not_before=?3, reason=?4 WHERE url=?1");
    prep(s.insert_retry, "INSERT INTO retries(url, attempt, not_before, "
                         "reason) VALUES(?1, ?2, ?3, ?4)");
    prep(s.delete_frontier, "DELETE FROM frontier WHERE url=?1");
    prep(s.upsert_done, "INSERT OR REPLACE INTO done(url, status, outcome) "
                        "VALUES(?1, ?2, ?3)");
    prep(s.insert_done_if_absent,
         "INSERT OR IGNORE INTO done(url, status, outcome) VALUES(?1, ?2, ?3)");
    prep(s.select_done, "SELECT 1 FROM done WHERE url=?1");
    prep(s.count_retries, "SELECT COUNT(*) FROM retries WHERE url=?1");
    prep(s.insert_routed,
         "INSERT OR IGNORE INTO routed(url, depth) VALUES(?1, ?2)");
    prep(s.upsert_meta,
         "INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)");
  } catch (...) {
    cleanup();
    throw;
  }
}

std::optional<crawl_metadata>
state_store::read_metadata(const std::string& path) {
  if (detail::probe_state_file(path) == detail::state_file_kind::fresh)
    return std::nullopt;
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      detail::read_only_uri(path).c_str(), &db,
      SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  struct closer {
    sqlite3* db;
    ~closer() { sqlite3_close_v2(db); }
  } close_db{db};
  auto failed = [&](int code) {
    return state_store_error("state store " + path +
                             ": cannot read metadata: " +
                             (db != nullptr ? std::string(sqlite3_errmsg(db))
                                            : sqlite3_errstr(code)));
  };
  if (rc != SQLITE_OK)
    throw failed(rc);
  sqlite3_busy_timeout(db, 5000);
  sqlite_statement meta{db, "SELECT key, value FROM meta"};
  crawl_metadata out;
  bool any = false;
  rc = meta.code();
  if (rc == SQLITE_OK)
    rc = meta.each_row([&](const sqlite_row& row) {
      any = true;
      read_meta_row(path, row.text(0), row.text(1), out);
    });
  if (rc != SQLITE_DONE)
    throw failed(rc);
  if (!any)
    return std::nullopt;
  return out;
}

state_store::~state_store() {
  if (db_ == nullptr)
    return;
  try {
    flush();
  } catch (...) {
    // Documented: errors on destruction are swallowed.
  }
  if (in_txn_)
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  stmts_.reset();
  sqlite3_close_v2(db_);
}

std::uint64_t state_store::url_hash(std::string_view url) noexcept {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : url) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

namespace {

/// Why SQLite returned `rc` on `db` (may be null), in words; for a failed
/// write, sync or truncate also the operating system's reason, `os_errno`
/// (errno right after the failing call; `sqlite3_system_errno` stays 0 for
/// a write that RLIMIT_FSIZE stops, with Debian's SQLite 3.40), e.g. "File
/// too large". Read before anything else runs on `db`, which would replace
/// SQLite's message.
std::string sqlite_reason(sqlite3* db, int rc, int os_errno) {
  std::string msg;
  int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    msg = "file is not a crawl state database or is corrupted";
  else if (primary == SQLITE_CANTOPEN)
    msg = "cannot open file (missing directory or no permission)";
  else if (primary == SQLITE_READONLY)
    msg = "file or its directory is not writable";
  else if (primary == SQLITE_FULL)
    msg = "disk full";
  else if (db != nullptr)
    msg = sqlite3_errmsg(db);
  bool os_call = rc == SQLITE_IOERR_WRITE || rc == SQLITE_IOERR_FSYNC ||
                 rc == SQLITE_IOERR_TRUNCATE;
  if (os_call && os_errno != 0)
    msg += std::string(": ") + std::strerror(os_errno);
  return msg + " (sqlite code " + std::to_string(rc) + ")";
}

} // namespace

void state_store::fail(std::string_view what, int rc) const {
  int os_errno = errno;
  throw state_store_error("state store " + path_ + ": " + std::string(what) +
                          ": " + sqlite_reason(db_, rc, os_errno));
}

namespace {

/// The integer a one-row query on `db` yields; SQLITE_ROW in `rc` when it
/// did.
int single_int(sqlite3* db, const char* sql, int& rc) {
  sqlite_statement query{db, sql};
  int value = 0;
  rc = query.code();
  if (rc == SQLITE_OK)
    rc = query.each_row([&](const sqlite_row& row) {
      value = static_cast<int>(row.int64(0));
      return false;
    });
  return value;
}

} // namespace

int state_store::pragma_int(const char* name) {
  int rc = 0;
  int value = single_int(db_, (std::string("PRAGMA ") + name).c_str(), rc);
  if (rc != SQLITE_ROW)
    fail("cannot read " + std::string(name), rc);
  return value;
}

int state_store::schema_objects() {
  int rc = 0;
  int value = single_int(db_, "SELECT COUNT(*) FROM sqlite_master", rc);
  if (rc != SQLITE_ROW)
    fail("cannot read the schema", rc);
  return value;
}

void state_store::exec(const char* sql) {
  char* err = nullptr;
  errno = 0;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    sqlite3_free(err);
    fail(std::string("statement failed: ") + std::string(sql).substr(0, 40),
         rc);
  }
}

void state_store::begin_if_needed() {
  if (in_txn_)
    return;
  exec("BEGIN IMMEDIATE");
  in_txn_ = true;
  first_pending_ = std::chrono::steady_clock::now();
}

void state_store::after_op() {
  ++pending_ops_;
  bool by_count =
      options_.flush_every_ops != 0 && pending_ops_ >= options_.flush_every_ops;
  bool by_time =
      options_.flush_every.count() > 0 &&
      std::chrono::steady_clock::now() - first_pending_ >= options_.flush_every;
  if (by_count || by_time)
    commit_locked();
}

void state_store::commit_locked() {
  if (!in_txn_)
    return;
  errno = 0;
  int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    // The reason first: the rollback replaces SQLite's error message.
    auto why = sqlite_reason(db_, rc, errno);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    in_txn_ = false;
    pending_ops_ = 0;
    throw state_store_error("state store " + path_ +
                            ": commit failed, batch lost: " + why);
  }
  in_txn_ = false;
  pending_ops_ = 0;
}

namespace {

/// Runs `body` inside the store's open transaction; on error rolls the
/// whole batch back so that the store stays usable.
template <class Fn>
auto guarded(sqlite3* db, bool& in_txn, std::size_t& pending, Fn&& body) {
  try {
    return body();
  } catch (...) {
    if (in_txn)
      sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    in_txn = false;
    pending = 0;
    throw;
  }
}

} // namespace

void state_store::set_metadata(const crawl_metadata& metadata) {
  std::lock_guard<std::mutex> guard{mtx_};
  guarded(db_, in_txn_, pending_ops_, [&] {
    begin_if_needed();
    auto put = [&](std::string_view key, const std::string& value) {
      int rc = stmts_->upsert_meta.run(key, value);
      if (rc != SQLITE_DONE)
        fail("cannot write metadata", rc);
    };
    put("seeds", nlohmann::json(metadata.seeds).dump());
    put("options", metadata.options);
    put("version", metadata.version);
  });
  after_op();
}

std::size_t
state_store::record_discovered(const std::vector<frontier_entry>& entries) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::size_t added = 0;
  guarded(db_, in_txn_, pending_ops_, [&] {
    begin_if_needed();
    for (const auto& e : entries) {
      {
        int rc = stmts_->insert_seen.run(e.url, to_signed(url_hash(e.url)));
        if (rc != SQLITE_DONE)
          fail("cannot record discovered URL", rc);
        if (sqlite3_changes(db_) == 0)
          continue;
      }
      int rc = stmts_->insert_frontier.run(e.url, e.depth, e.attempts,
                                           e.not_before_ms, e.reason);
      if (rc != SQLITE_DONE)
        fail("cannot record discovered URL", rc);
      ++added;
    }
  });
  pending_ops_ += entries.empty() ? 0 : entries.size() - 1;
  after_op();
  return added;
}

void state_store::record_routed(const std::vector<frontier_entry>& entries) {
  std::lock_guard<std::mutex> guard{mtx_};
  guarded(db_, in_txn_, pending_ops_, [&] {
    begin_if_needed();
    for (const auto& e : entries) {
      int rc = stmts_->insert_routed.run(e.url, e.depth);
      if (rc != SQLITE_DONE)
        fail("cannot record routed URL", rc);
    }
  });
  pending_ops_ += entries.empty() ? 0 : entries.size() - 1;
  after_op();
}

void state_store::record_in_flight(std::string_view url) {
  std::lock_guard<std::mutex> guard{mtx_};
  guarded(db_, in_txn_, pending_ops_, [&] {
    begin_if_needed();
    int rc = stmts_->set_in_flight.run(url);
    if (rc != SQLITE_DONE)
      fail("cannot record in-flight URL", rc);
  });
  after_op();
}

void state_store::record_retry(std::string_view url, std::uint32_t attempts,
                               std::int64_t not_before_ms,
                               std::string_view reason) {
  std::lock_guard<std::mutex> guard{mtx_};
  guarded(db_, in_txn_, pending_ops_, [&] {
    begin_if_needed();
    for (auto* st : {&stmts_->update_retry, &stmts_->insert_retry}) {
      int rc = st->run(url, attempts, not_before_ms, reason);
      if (rc != SQLITE_DONE)
        fail("cannot record retry", rc);
    }
  });
  after_op();
}

void state_store::record_done(const done_entry& entry) {
  std::lock_guard<std::mutex> guard{mtx_};
  guarded(db_, in_txn_, pending_ops_, [&] {
    begin_if_needed();
    auto done = [this](int rc) {
      if (rc != SQLITE_DONE)
        fail("cannot record done URL", rc);
    };
    done(stmts_->delete_frontier.run(entry.url));
    done(stmts_->insert_seen.run(entry.url, to_signed(url_hash(entry.url))));
    done(stmts_->upsert_done.run(entry.url, entry.status, entry.verdict));
  });
  after_op();
}

std::size_t
state_store::mark_done_if_absent(const std::vector<done_entry>& entries) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::size_t added = 0;
  guarded(db_, in_txn_, pending_ops_, [&] {
    begin_if_needed();
    for (const auto& e : entries) {
      {
        int rc = stmts_->insert_done_if_absent.run(e.url, e.status, e.verdict);
        if (rc != SQLITE_DONE)
          fail("cannot mark URL done", rc);
        if (sqlite3_changes(db_) == 0)
          continue;
      }
      ++added;
      auto done = [this](int rc) {
        if (rc != SQLITE_DONE)
          fail("cannot mark URL done", rc);
      };
      done(stmts_->delete_frontier.run(e.url));
      done(stmts_->insert_seen.run(e.url, to_signed(url_hash(e.url))));
    }
    commit_locked();
  });
  return added;
}

void state_store::flush() {
  std::lock_guard<std::mutex> guard{mtx_};
  commit_locked();
}

std::size_t state_store::pending_ops() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return pending_ops_;
}

bool state_store::is_done(std::string_view url) {
  std::lock_guard<std::mutex> guard{mtx_};
  int rc = stmts_->select_done.run(url);
  if (rc == SQLITE_ROW)
    return true;
  if (rc != SQLITE_DONE)
    fail("cannot read done set", rc);
  return false;
}

std::size_t state_store::retry_count(std::string_view url) {
  std::lock_guard<std::mutex> guard{mtx_};
  std::int64_t count = 0;
  int rc = stmts_->count_retries.each_row(
      [&](const sqlite_row& row) {
        count = row.int64(0);
        return false;
      },
      url);
  if (rc != SQLITE_ROW)
    fail("cannot read retry log", rc);
  return static_cast<std::size_t>(count);
}

loaded_state state_store::load() {
  std::lock_guard<std::mutex> guard{mtx_};
  commit_locked();
  loaded_state out;
  guarded(db_, in_txn_, pending_ops_, [&] {
    begin_if_needed();
    exec("UPDATE frontier SET in_flight=0 WHERE in_flight<>0");
    out.was_in_flight = static_cast<std::size_t>(sqlite3_changes(db_));
    auto query = [this](const char* sql, auto&& row) {
      sqlite_statement st{db_, sql};
      if (st.code() != SQLITE_OK)
        fail("cannot load state", st.code());
      int rc = st.each_row(row);
      if (rc != SQLITE_DONE)
        fail("cannot load state", rc);
    };
    query("SELECT key, value FROM meta", [&](const sqlite_row& row) {
      read_meta_row(path_, row.text(0), row.text(1), out.metadata);
    });
    query("SELECT url, depth, attempts, not_before, reason FROM frontier "
          "ORDER BY id",
          [&](const sqlite_row& row) {
            frontier_entry e;
            e.url = row.text(0);
            e.depth = static_cast<std::uint32_t>(row.int64(1));
            e.attempts = static_cast<std::uint32_t>(row.int64(2));
            e.not_before_ms = row.int64(3);
            e.reason = row.text(4);
            out.pending.push_back(std::move(e));
          });
    query("SELECT hash FROM seen", [&](const sqlite_row& row) {
      out.seen_hashes.push_back(to_unsigned(row.int64(0)));
    });
    query("SELECT url, status, outcome FROM done", [&](const sqlite_row& row) {
      done_entry e;
      e.url = row.text(0);
      if (!row.is_null(1))
        e.status = static_cast<int>(row.int64(1));
      e.verdict = row.text(2);
      out.done.push_back(std::move(e));
    });
    query("SELECT url, depth FROM routed", [&](const sqlite_row& row) {
      frontier_entry e;
      e.url = row.text(0);
      e.depth = static_cast<std::uint32_t>(row.int64(1));
      e.reason = "routed";
      out.routed.push_back(std::move(e));
    });
    commit_locked();
  });
  return out;
}

} // namespace actio::crawl
