// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/store/state_store.hpp"

#include "state_file_probe.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <cstring>
#include <utility>

namespace actio::crawl {

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

std::string column_text(sqlite3_stmt* st, int col) {
  const auto* p = sqlite3_column_text(st, col);
  if (p == nullptr)
    return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(st, col)));
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

/// Prepared statements, finalized together.
struct state_store::statements {
  sqlite3_stmt* insert_seen = nullptr;
  sqlite3_stmt* insert_frontier = nullptr;
  sqlite3_stmt* set_in_flight = nullptr;
  sqlite3_stmt* update_retry = nullptr;
  sqlite3_stmt* insert_retry = nullptr;
  sqlite3_stmt* delete_frontier = nullptr;
  sqlite3_stmt* upsert_done = nullptr;
  sqlite3_stmt* insert_done_if_absent = nullptr;
  sqlite3_stmt* select_done = nullptr;
  sqlite3_stmt* count_retries = nullptr;
  sqlite3_stmt* upsert_meta = nullptr;
  sqlite3_stmt* insert_routed = nullptr;

  ~statements() {
    for (auto* st :
         {insert_seen, insert_frontier, set_in_flight, update_retry,
          insert_retry, delete_frontier, upsert_done, insert_done_if_absent,
          select_done, count_retries, upsert_meta, insert_routed})
      sqlite3_finalize(st);
  }
};

namespace {

/// Resets and clears a statement's bindings when the scope ends.
class stmt_guard {
public:
  explicit stmt_guard(sqlite3_stmt* st) : st_(st) {}
  ~stmt_guard() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  stmt_guard(const stmt_guard&) = delete;
  stmt_guard& operator=(const stmt_guard&) = delete;

private:
  sqlite3_stmt* st_;
};

void bind_text(sqlite3_stmt* st, int idx, std::string_view s) {
  sqlite3_bind_text(st, idx, s.data(), static_cast<int>(s.size()),
                    SQLITE_TRANSIENT);
}

} // namespace

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
      sqlite3_stmt* st = nullptr;
      rc = sqlite3_prepare_v2(db_, "PRAGMA quick_check", -1, &st, nullptr);
      if (rc != SQLITE_OK)
        fail("integrity check failed", rc);
      std::string result;
      rc = sqlite3_step(st);
      if (rc == SQLITE_ROW)
        result = column_text(st, 0);
      sqlite3_finalize(st);
      if (rc != SQLITE_ROW)
        fail("integrity check failed", rc);
      if (result != "ok")
        throw state_store_error("state store " + path_ +
                                ": database is corrupted: " + result);
    }
    {
      sqlite3_stmt* st = nullptr;
      rc = sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &st, nullptr);
      std::string mode;
      if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        mode = column_text(st, 0);
      sqlite3_finalize(st);
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
    auto prep = [this](sqlite3_stmt*& st, const char* sql) {
      int prc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st,
                                   nullptr);
      if (prc != SQLITE_OK)
        fail("cannot prepare statement", prc);
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
  sqlite3_stmt* st = nullptr;
  rc = sqlite3_prepare_v2(db, "SELECT key, value FROM meta", -1, &st, nullptr);
  crawl_metadata out;
  bool any = false;
  if (rc == SQLITE_OK)
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      any = true;
      read_meta_row(path, column_text(st, 0), column_text(st, 1), out);
    }
  sqlite3_finalize(st);
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

void state_store::fail(std::string_view what, int rc) const {
  std::string msg = "state store " + path_ + ": " + std::string(what) + ": ";
  int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    msg += "file is not a crawl state database or is corrupted";
  else if (primary == SQLITE_CANTOPEN)
    msg += "cannot open file (missing directory or no permission)";
  else if (primary == SQLITE_READONLY)
    msg += "file or its directory is not writable";
  else if (primary == SQLITE_FULL)
    msg += "disk full";
  else if (db_ != nullptr)
    msg += sqlite3_errmsg(db_);
  msg += " (sqlite code " + std::to_string(rc) + ")";
  throw state_store_error(msg);
}

int state_store::pragma_int(const char* name) {
  sqlite3_stmt* st = nullptr;
  auto sql = std::string("PRAGMA ") + name;
  int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr);
  int value = 0;
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
    value = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW)
    fail("cannot read " + std::string(name), rc);
  return value;
}

int state_store::schema_objects() {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db_, "SELECT COUNT(*) FROM sqlite_master", -1,
                              &st, nullptr);
  int value = 0;
  if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
    value = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW)
    fail("cannot read the schema", rc);
  return value;
}

void state_store::exec(const char* sql) {
  char* err = nullptr;
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
  int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    in_txn_ = false;
    pending_ops_ = 0;
    fail("commit failed, batch lost", rc);
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
    auto* st = stmts_->upsert_meta;
    auto put = [&](std::string_view key, const std::string& value) {
      stmt_guard g{st};
      bind_text(st, 1, key);
      bind_text(st, 2, value);
      int rc = sqlite3_step(st);
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
        auto* st = stmts_->insert_seen;
        stmt_guard g{st};
        bind_text(st, 1, e.url);
        sqlite3_bind_int64(st, 2, to_signed(url_hash(e.url)));
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
          fail("cannot record discovered URL", rc);
        if (sqlite3_changes(db_) == 0)
          continue;
      }
      auto* st = stmts_->insert_frontier;
      stmt_guard g{st};
      bind_text(st, 1, e.url);
      sqlite3_bind_int64(st, 2, e.depth);
      sqlite3_bind_int64(st, 3, e.attempts);
      sqlite3_bind_int64(st, 4, e.not_before_ms);
      bind_text(st, 5, e.reason);
      int rc = sqlite3_step(st);
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
      auto* st = stmts_->insert_routed;
      stmt_guard g{st};
      bind_text(st, 1, e.url);
      sqlite3_bind_int64(st, 2, e.depth);
      int rc = sqlite3_step(st);
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
    auto* st = stmts_->set_in_flight;
    stmt_guard g{st};
    bind_text(st, 1, url);
    int rc = sqlite3_step(st);
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
    {
      auto* st = stmts_->update_retry;
      stmt_guard g{st};
      bind_text(st, 1, url);
      sqlite3_bind_int64(st, 2, attempts);
      sqlite3_bind_int64(st, 3, not_before_ms);
      bind_text(st, 4, reason);
      int rc = sqlite3_step(st);
      if (rc != SQLITE_DONE)
        fail("cannot record retry", rc);
    }
    auto* st = stmts_->insert_retry;
    stmt_guard g{st};
    bind_text(st, 1, url);
    sqlite3_bind_int64(st, 2, attempts);
    sqlite3_bind_int64(st, 3, not_before_ms);
    bind_text(st, 4, reason);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
      fail("cannot record retry", rc);
  });
  after_op();
}

void state_store::record_done(const done_entry& entry) {
  std::lock_guard<std::mutex> guard{mtx_};
  guarded(db_, in_txn_, pending_ops_, [&] {
    begin_if_needed();
    {
      auto* st = stmts_->delete_frontier;
      stmt_guard g{st};
      bind_text(st, 1, entry.url);
      int rc = sqlite3_step(st);
      if (rc != SQLITE_DONE)
        fail("cannot record done URL", rc);
    }
    {
      auto* st = stmts_->insert_seen;
      stmt_guard g{st};
      bind_text(st, 1, entry.url);
      sqlite3_bind_int64(st, 2, to_signed(url_hash(entry.url)));
      int rc = sqlite3_step(st);
      if (rc != SQLITE_DONE)
        fail("cannot record done URL", rc);
    }
    auto* st = stmts_->upsert_done;
    stmt_guard g{st};
    bind_text(st, 1, entry.url);
    if (entry.status)
      sqlite3_bind_int(st, 2, *entry.status);
    else
      sqlite3_bind_null(st, 2);
    bind_text(st, 3, entry.verdict);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
      fail("cannot record done URL", rc);
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
        auto* st = stmts_->insert_done_if_absent;
        stmt_guard g{st};
        bind_text(st, 1, e.url);
        if (e.status)
          sqlite3_bind_int(st, 2, *e.status);
        else
          sqlite3_bind_null(st, 2);
        bind_text(st, 3, e.verdict);
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
          fail("cannot mark URL done", rc);
        if (sqlite3_changes(db_) == 0)
          continue;
      }
      ++added;
      for (auto* st : {stmts_->delete_frontier, stmts_->insert_seen}) {
        stmt_guard g{st};
        bind_text(st, 1, e.url);
        if (st == stmts_->insert_seen)
          sqlite3_bind_int64(st, 2, to_signed(url_hash(e.url)));
        int rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
          fail("cannot mark URL done", rc);
      }
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
  auto* st = stmts_->select_done;
  stmt_guard g{st};
  bind_text(st, 1, url);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    return true;
  if (rc != SQLITE_DONE)
    fail("cannot read done set", rc);
  return false;
}

std::size_t state_store::retry_count(std::string_view url) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto* st = stmts_->count_retries;
  stmt_guard g{st};
  bind_text(st, 1, url);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW)
    fail("cannot read retry log", rc);
  return static_cast<std::size_t>(sqlite3_column_int64(st, 0));
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
      sqlite3_stmt* st = nullptr;
      int rc = sqlite3_prepare_v2(db_, sql, -1, &st, nullptr);
      if (rc != SQLITE_OK)
        fail("cannot load state", rc);
      while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        row(st);
      sqlite3_finalize(st);
      if (rc != SQLITE_DONE)
        fail("cannot load state", rc);
    };
    query("SELECT key, value FROM meta", [&](sqlite3_stmt* st) {
      read_meta_row(path_, column_text(st, 0), column_text(st, 1),
                    out.metadata);
    });
    query("SELECT url, depth, attempts, not_before, reason FROM frontier "
          "ORDER BY id",
          [&](sqlite3_stmt* st) {
            frontier_entry e;
            e.url = column_text(st, 0);
            e.depth = static_cast<std::uint32_t>(sqlite3_column_int64(st, 1));
            e.attempts =
                static_cast<std::uint32_t>(sqlite3_column_int64(st, 2));
            e.not_before_ms = sqlite3_column_int64(st, 3);
            e.reason = column_text(st, 4);
            out.pending.push_back(std::move(e));
          });
    query("SELECT hash FROM seen", [&](sqlite3_stmt* st) {
      out.seen_hashes.push_back(to_unsigned(sqlite3_column_int64(st, 0)));
    });
    query("SELECT url, status, outcome FROM done", [&](sqlite3_stmt* st) {
      done_entry e;
      e.url = column_text(st, 0);
      if (sqlite3_column_type(st, 1) != SQLITE_NULL)
        e.status = sqlite3_column_int(st, 1);
      e.verdict = column_text(st, 2);
      out.done.push_back(std::move(e));
    });
    query("SELECT url, depth FROM routed", [&](sqlite3_stmt* st) {
      frontier_entry e;
      e.url = column_text(st, 0);
      e.depth = static_cast<std::uint32_t>(sqlite3_column_int64(st, 1));
      e.reason = "routed";
      out.routed.push_back(std::move(e));
    });
    commit_locked();
  });
  return out;
}

} // namespace actio::crawl
