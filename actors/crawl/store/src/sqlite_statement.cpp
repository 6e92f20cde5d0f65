// SPDX-License-Identifier: Apache-2.0
#include "sqlite_statement.hpp"

namespace actio::crawl::detail {

std::string sqlite_row::text(int col) const {
  const auto* p = sqlite3_column_text(st_, col);
  if (p == nullptr)
    return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<std::size_t>(sqlite3_column_bytes(st_, col)));
}

sqlite_statement::sqlite_statement(sqlite3* db, const char* sql,
                                   bool persistent)
    : code_(sqlite3_prepare_v3(
          db, sql, -1,
          persistent ? static_cast<unsigned>(SQLITE_PREPARE_PERSISTENT) : 0u,
          &st_, nullptr)) {}

sqlite_statement::~sqlite_statement() {
  sqlite3_finalize(st_);
}

sqlite_statement&
sqlite_statement::operator=(sqlite_statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(st_);
    st_ = std::exchange(other.st_, nullptr);
    code_ = other.code_;
  }
  return *this;
}

void sqlite_statement::bind(int idx, std::string_view text) {
  sqlite3_bind_text(st_, idx, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
}

} // namespace actio::crawl::detail
