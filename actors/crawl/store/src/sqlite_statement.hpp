// SPDX-License-Identifier: Apache-2.0
#pragma once

// A prepared SQLite statement that binds, steps and resets itself: what
// the state store did by hand (prepare, bind each parameter, step, reset,
// clear bindings, finalize) for each of its statements. Private to the
// store library. Not thread-safe: the store's mutex guards its use.

#include <sqlite3.h>

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace actio::crawl::detail {

/// The current row of a statement being stepped.
class sqlite_row {
public:
  explicit sqlite_row(sqlite3_stmt* st) noexcept : st_(st) {}
  /// Column `col` as text (empty for NULL).
  std::string text(int col) const;
  /// Column `col` as a 64-bit integer (0 for NULL).
  std::int64_t int64(int col) const noexcept {
    return sqlite3_column_int64(st_, col);
  }
  /// Whether column `col` is NULL.
  bool is_null(int col) const noexcept {
    return sqlite3_column_type(st_, col) == SQLITE_NULL;
  }

private:
  sqlite3_stmt* st_;
};

/// One prepared statement, finalized when it goes. Parameters bind in
/// order from ?1: strings as text, integers as integers, an empty
/// `std::optional` as NULL. Every run resets the statement and clears its
/// bindings, whatever happens.
class sqlite_statement {
public:
  sqlite_statement() = default;
  /// Prepares `sql` on `db`; `persistent` for statements kept for the
  /// connection's life. `code()` tells whether it worked.
  sqlite_statement(sqlite3* db, const char* sql, bool persistent = false);
  ~sqlite_statement();
  sqlite_statement(sqlite_statement&& other) noexcept
      : st_(std::exchange(other.st_, nullptr)), code_(other.code_) {}
  sqlite_statement& operator=(sqlite_statement&& other) noexcept;
  sqlite_statement(const sqlite_statement&) = delete;
  sqlite_statement& operator=(const sqlite_statement&) = delete;

  /// SQLITE_OK once prepared, else why preparing failed.
  int code() const noexcept { return code_; }

  /// Binds `params`, steps once and resets: SQLITE_DONE for a statement
  /// that changes rows, SQLITE_ROW when a query found a row, else the
  /// error code.
  template <class... Params>
  int run(const Params&... params) {
    return each_row([](const sqlite_row&) { return false; }, params...);
  }

  /// Binds `params` and steps through the rows, calling `row(sqlite_row)`
  /// for each; a `row` that returns false (a bool) stops after that row.
  /// Returns the last step's code: SQLITE_DONE once every row was read,
  /// SQLITE_ROW when stopped early, else the error code.
  template <class Fn, class... Params>
  int each_row(Fn&& row, const Params&... params) {
    resetter reset{st_};
    int idx = 0;
    (bind(++idx, params), ...);
    int rc;
    while ((rc = sqlite3_step(st_)) == SQLITE_ROW) {
      if constexpr (std::same_as<decltype(row(sqlite_row{st_})), bool>) {
        if (!row(sqlite_row{st_}))
          break;
      } else {
        row(sqlite_row{st_});
      }
    }
    return rc;
  }

private:
  struct resetter {
    sqlite3_stmt* st;
    ~resetter() {
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
    }
  };
  void bind(int idx, std::string_view text);
  void bind(int idx, const std::string& text) {
    bind(idx, std::string_view{text});
  }
  void bind(int idx, const char* text) { bind(idx, std::string_view{text}); }
  template <std::integral Int>
  void bind(int idx, Int value) {
    sqlite3_bind_int64(st_, idx, static_cast<sqlite3_int64>(value));
  }
  template <class T>
  void bind(int idx, const std::optional<T>& value) {
    if (value)
      bind(idx, *value);
    else
      sqlite3_bind_null(st_, idx);
  }

  sqlite3_stmt* st_ = nullptr;
  int code_ = SQLITE_MISUSE;
};

} // namespace actio::crawl::detail
