// SPDX-License-Identifier: Apache-2.0
#pragma once

// SQLite databases made by tests: foreign files given as a crawl state,
// and state files as an earlier version wrote them. Link SQLite::SQLite3.

#include <sqlite3.h>

#include <stdexcept>
#include <string>

namespace actio::test {

/// Runs `sql` on the SQLite database at `path` (created if missing) and
/// closes it; throws with SQLite's message if a statement fails.
inline void make_sqlite_database(const std::string& path,
                                 const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + path);
  }
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string message = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  if (rc != SQLITE_OK)
    throw std::runtime_error("SQL on " + path + " failed: " + message);
}

} // namespace actio::test
