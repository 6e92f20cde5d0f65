// SPDX-License-Identifier: Apache-2.0
#include "state_file_probe.hpp"

#include "actio/crawl/store/state_store.hpp"

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string_view>
#include <system_error>
#include <vector>

namespace actio::crawl::detail {

namespace {

/// The columns of every table of the first state store (schema version 1,
/// no application id); `routed` came later and may be missing.
const std::map<std::string, std::vector<std::string>>& previous_tables() {
  static const std::map<std::string, std::vector<std::string>> tables{
      {"meta", {"key", "value"}},
      {"frontier",
       {"id", "url", "depth", "attempts", "not_before", "reason", "in_flight"}},
      {"seen", {"url", "hash"}},
      {"done", {"url", "status", "outcome"}},
      {"retries", {"id", "url", "attempt", "not_before", "reason"}},
      {"routed", {"url", "depth"}},
      {"sqlite_sequence", {"name", "seq"}},
  };
  return tables;
}

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw state_store_error("state store " + path + ": " + why +
                          "; the file was left untouched");
}

std::uint32_t big_endian_at(const std::array<unsigned char, 100>& h,
                            std::size_t at) {
  return (std::uint32_t{h[at]} << 24) | (std::uint32_t{h[at + 1]} << 16) |
         (std::uint32_t{h[at + 2]} << 8) | std::uint32_t{h[at + 3]};
}

std::string hex(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

/// What the read-only connection sees: header fields (WAL included) and
/// every schema object with its columns.
struct schema_view {
  std::uint32_t application_id = 0;
  int user_version = 0;
  std::map<std::string, std::vector<std::string>> tables;
  std::set<std::string> others; // "index x", "view y", "trigger z"
};

schema_view read_schema(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      read_only_uri(path).c_str(), &db,
      SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, nullptr);
  struct closer {
    sqlite3* db;
    ~closer() { sqlite3_close_v2(db); }
  } close_db{db};
  if (rc != SQLITE_OK)
    refuse(path, std::string("cannot be read: ") + sqlite3_errstr(rc));
  schema_view out;
  auto query = [&](const char* sql, auto&& row) {
    sqlite3_stmt* st = nullptr;
    int qrc = sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
    if (qrc == SQLITE_OK) {
      while ((qrc = sqlite3_step(st)) == SQLITE_ROW)
        row(st);
    }
    sqlite3_finalize(st);
    if (qrc != SQLITE_DONE) {
      int primary = qrc & 0xff;
      if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
        refuse(path, "file is not a crawl state database or is corrupted");
      refuse(path, std::string("cannot be read: ") + sqlite3_errmsg(db));
    }
  };
  auto text = [](sqlite3_stmt* st, int col) {
    const auto* p = sqlite3_column_text(st, col);
    return p == nullptr ? std::string{}
                        : std::string(reinterpret_cast<const char*>(p));
  };
  query("PRAGMA application_id", [&](sqlite3_stmt* st) {
    out.application_id = static_cast<std::uint32_t>(sqlite3_column_int(st, 0));
  });
  query("PRAGMA user_version", [&](sqlite3_stmt* st) {
    out.user_version = sqlite3_column_int(st, 0);
  });
  query("SELECT type, name FROM sqlite_master WHERE type <> 'table' AND "
        "name NOT LIKE 'sqlite_autoindex_%'",
        [&](sqlite3_stmt* st) {
          out.others.insert(text(st, 0) + " " + text(st, 1));
        });
  query("SELECT m.name, p.name FROM sqlite_master AS m, "
        "pragma_table_info(m.name) AS p WHERE m.type = 'table' "
        "ORDER BY m.name, p.cid",
        [&](sqlite3_stmt* st) {
          out.tables[text(st, 0)].push_back(text(st, 1));
        });
  return out;
}

/// Whether `s` is exactly the first state store's schema.
bool is_previous_schema(const schema_view& s) {
  if (s.others != std::set<std::string>{"index retries_url"})
    return false;
  const auto& want = previous_tables();
  for (const auto& [name, columns] : want)
    if (name != "routed" && s.tables.count(name) == 0)
      return false;
  for (const auto& [name, columns] : s.tables) {
    auto it = want.find(name);
    if (it == want.end() || it->second != columns)
      return false;
  }
  return true;
}

std::string table_list(const schema_view& s) {
  std::string out;
  std::size_t n = 0;
  for (const auto& [name, columns] : s.tables) {
    if (n++ == 6) {
      out += ", ...";
      break;
    }
    out += (out.empty() ? "" : ", ") + name;
  }
  return out.empty() ? "no table" : "tables " + out;
}

} // namespace

std::string read_only_uri(const std::string& path) {
  std::string uri = "file:";
  for (char c : path) {
    if (c == '%' || c == '?' || c == '#') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      uri += buf;
    } else {
      uri += c;
    }
  }
  std::error_code ec;
  bool journals = std::filesystem::exists(path + "-wal", ec) ||
                  std::filesystem::exists(path + "-journal", ec);
  return uri + (journals ? "?mode=ro" : "?immutable=1");
}

state_file_kind probe_state_file(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status))
    return state_file_kind::fresh;
  if (!std::filesystem::is_regular_file(status))
    return state_file_kind::current; // opening it reports what it is
  if (std::filesystem::file_size(path, ec) == 0 && !ec)
    return state_file_kind::fresh;

  std::array<unsigned char, 100> header{};
  {
    std::ifstream in(path, std::ios::binary);
    if (!in)
      return state_file_kind::current; // opening it reports why
    in.read(reinterpret_cast<char*>(header.data()), header.size());
    if (in.gcount() != static_cast<std::streamsize>(header.size()) ||
        std::memcmp(header.data(), "SQLite format 3", 16) != 0)
      refuse(path, "file is not a crawl state database or is corrupted (not "
                   "an SQLite database)");
  }
  auto header_id = big_endian_at(header, 68);
  if (header_id == state_store::application_id) {
    auto version = static_cast<int>(big_endian_at(header, 60));
    if (version > state_store::schema_version)
      throw state_store_error(
          "state store " + path + ": schema version " +
          std::to_string(version) +
          " was written by a newer program (this one supports up to " +
          std::to_string(state_store::schema_version) + ")");
    return state_file_kind::current;
  }

  // The header may be older than the WAL: ask SQLite.
  auto schema = read_schema(path);
  if (schema.application_id == state_store::application_id)
    return state_file_kind::current;
  if (schema.application_id != 0)
    refuse(path, "not a crawl state file: an SQLite database of another "
                 "program (application id " +
                     hex(schema.application_id) + ")");
  if (schema.user_version == 1 && is_previous_schema(schema))
    return state_file_kind::previous;
  refuse(path, "not a crawl state file: an SQLite database with " +
                   table_list(schema) + " and schema version " +
                   std::to_string(schema.user_version));
}

} // namespace actio::crawl::detail
