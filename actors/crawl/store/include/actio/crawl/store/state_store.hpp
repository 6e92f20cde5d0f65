// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace actio::crawl {

/// Thrown by `state_store` for every failure: unwritable path, corrupted or
/// foreign file (left untouched), database written by a newer schema
/// version, I/O error. `what()` names the file and the cause.
class state_store_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One URL waiting in the frontier.
struct frontier_entry {
  /// Canonical URL.
  std::string url;
  /// Link distance from the nearest seed (seeds are 0).
  std::uint32_t depth = 0;
  /// Fetch attempts already made and failed (0 for a fresh URL).
  std::uint32_t attempts = 0;
  /// Earliest time to fetch it, in milliseconds since the Unix epoch
  /// (0 = now); set by `record_retry` for back-off.
  std::int64_t not_before_ms = 0;
  /// Why it is (still) queued: "seed", "link", "sitemap", the last error...
  std::string reason;
};

/// One URL the crawl is finished with.
struct done_entry {
  /// Canonical URL.
  std::string url;
  /// Final HTTP status; absent when the last attempt failed at the
  /// transport level (DNS, connect, timeout, redirect loop...).
  std::optional<int> status;
  /// Short free-form verdict (the `outcome` column): "ok", "http_error", an
  /// error text, "robots", "recovered" (marked done from the output file on
  /// resume)...
  std::string verdict;
};

/// Crawl-wide parameters kept with the state so that a resumed crawl can
/// check it continues the same crawl.
struct crawl_metadata {
  /// Seed URLs in their canonical form.
  std::vector<std::string> seeds;
  /// The crawl's options, serialized by the caller (JSON recommended).
  std::string options;
  /// Version string of the program that created the state.
  std::string version;
};

/// Everything a resumed crawl needs, as returned by `state_store::load`.
struct loaded_state {
  /// Empty (all fields default) for a store that never got metadata.
  crawl_metadata metadata;
  /// Frontier entries in discovery order; those that were in flight when
  /// the previous process stopped are included (they are pending again).
  std::vector<frontier_entry> pending;
  /// How many of `pending` were in flight when the previous process stopped.
  std::size_t was_in_flight = 0;
  /// `state_store::url_hash` of every URL ever discovered.
  std::vector<std::uint64_t> seen_hashes;
  /// Every finished URL.
  std::vector<done_entry> done;
  /// URLs this node sent to the node owning their host in a multi-node
  /// crawl (its outbound log), with their depth.
  std::vector<frontier_entry> routed;
};

/// Batching and locking parameters of a `state_store`.
struct state_store_options {
  /// Commit automatically once this many operations are pending (0 = only
  /// on `flush()`).
  std::size_t flush_every_ops = 512;
  /// Commit automatically on the next operation once the oldest pending
  /// operation is this old (0 = no time-based flush). The store has no
  /// thread of its own: nothing is committed while no call is made.
  std::chrono::milliseconds flush_every{250};
  /// How long to wait for a lock held by another connection.
  std::chrono::milliseconds busy_timeout{5000};
};

/// The persistent state of one crawl in an SQLite file (WAL journal,
/// synchronous=NORMAL): frontier, seen set, done set, retry log and crawl
/// metadata.
///
/// A state file is recognised before anything is written to it: a missing
/// or zero-length file is new (created with `application_id` in its
/// header), a file with that id is opened, and so is a file of the
/// previous version (no id, schema version 1, exactly its tables), which
/// gets the id. Anything else — not SQLite, another program's database,
/// a newer schema — is refused and left byte for byte as it was.
///
/// Writes are grouped in a transaction that `flush()` (or an automatic
/// flush, see `state_store_options`) commits: once `flush()` has returned,
/// its records survive the process being killed at any moment (SIGKILL
/// included); a kill before that loses the uncommitted batch as a whole,
/// never half of it. Power loss may additionally lose the last commits
/// (synchronous=NORMAL), never consistency.
///
/// All member functions are thread-safe (one internal mutex) but meant to be
/// driven by a single owner, e.g. one actor. Errors throw
/// `state_store_error`; after a failed commit the pending batch is rolled
/// back and lost.
class state_store {
public:
  /// The schema version this code writes (`PRAGMA user_version`).
  static constexpr int schema_version = 1;

  /// `PRAGMA application_id` of every state file ("acti" in ASCII).
  static constexpr std::uint32_t application_id = 0x61637469;

  /// Opens or creates the store at `path`. Throws `state_store_error` if the
  /// file cannot be created or opened for writing, is not a state file
  /// (see the class comment; nothing is written to it then), is corrupted,
  /// or has a schema newer than `schema_version`.
  explicit state_store(const std::string& path,
                       state_store_options options = {});

  /// The metadata committed in the state file at `path`, read without
  /// writing anything (no side file is created either unless a WAL or
  /// journal file is already there); nullopt for a missing or zero-length
  /// file or one without metadata. Throws `state_store_error` for a file
  /// that is not a state file, as the constructor does.
  static std::optional<crawl_metadata> read_metadata(const std::string& path);

  /// Commits the pending batch; errors at this point are swallowed (call
  /// `flush()` first to see them).
  ~state_store();

  state_store(const state_store&) = delete;
  state_store& operator=(const state_store&) = delete;

  /// The hash the seen set stores for `url`: 64-bit FNV-1a of its bytes.
  static std::uint64_t url_hash(std::string_view url) noexcept;

  /// Replaces the crawl metadata (batched like every other write).
  void set_metadata(const crawl_metadata& metadata);

  /// Adds each entry's URL to the seen set and, if it was not seen before,
  /// to the frontier; returns how many were new. Entries already seen (or
  /// duplicated within `entries`) are ignored.
  std::size_t record_discovered(const std::vector<frontier_entry>& entries);

  /// Adds URLs to the outbound log of a multi-node crawl: URLs handed to
  /// the node owning their host instead of this store's frontier (batched
  /// like every write; a URL already logged is ignored). `load` returns
  /// them in `loaded_state::routed`.
  void record_routed(const std::vector<frontier_entry>& entries);

  /// Marks a frontier URL as being fetched (no effect for unknown URLs);
  /// `load()` returns in-flight URLs as pending again.
  void record_in_flight(std::string_view url);

  /// Puts a frontier URL back to pending after a failed attempt with its new
  /// attempt count, back-off deadline and reason, and appends the attempt
  /// to the retry log.
  void record_retry(std::string_view url, std::uint32_t attempts,
                    std::int64_t not_before_ms, std::string_view reason);

  /// Moves a URL to the done set (removing it from the frontier and adding
  /// it to the seen set if needed). Recording a URL twice keeps the latest.
  void record_done(const done_entry& entry);

  /// Marks done every entry whose URL is not done yet (resume: URLs found in
  /// the output file but not marked done, see docs/crawl-state.md) and
  /// commits; returns how many were newly marked.
  std::size_t mark_done_if_absent(const std::vector<done_entry>& entries);

  /// Commits the pending batch. When it returns, every record made before
  /// the call survives a crash of the process.
  void flush();

  /// Operations recorded since the last commit.
  std::size_t pending_ops() const;

  /// Commits, resets in-flight entries to pending, and reads the whole
  /// state.
  loaded_state load();

  /// Whether `url` is in the done set (pending writes included).
  bool is_done(std::string_view url);

  /// Retry-log entries recorded for `url` (pending writes included).
  std::size_t retry_count(std::string_view url);

  /// The file this store was opened on.
  const std::string& path() const noexcept { return path_; }

private:
  struct statements;
  void begin_if_needed();
  void after_op();
  void commit_locked();
  void exec(const char* sql);
  int pragma_int(const char* name);
  int schema_objects();
  [[noreturn]] void fail(std::string_view what, int rc) const;

  std::string path_;
  state_store_options options_;
  mutable std::mutex mtx_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<statements> stmts_;
  bool in_txn_ = false;
  std::size_t pending_ops_ = 0;
  std::chrono::steady_clock::time_point first_pending_{};
};

} // namespace actio::crawl
