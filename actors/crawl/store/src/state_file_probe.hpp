// SPDX-License-Identifier: Apache-2.0
#pragma once

// Recognising a crawl state file before anything is written to it. Private
// to actors/src/crawl_store.

#include <string>

namespace actio::crawl::detail {

/// What a file given to `state_store` is.
enum class state_file_kind {
  /// Missing or zero bytes long: a new store is created there.
  fresh,
  /// Carries actio's application id: written by this version or an older
  /// one that set it.
  current,
  /// No application id, schema version 1 and exactly the tables of the
  /// first state store: a state file of the previous version, upgraded
  /// (given the application id) when opened for writing.
  previous,
};

/// Judges `path` without writing to it: reads the SQLite header itself and,
/// only when that does not settle it, the schema through a read-only
/// connection that creates no side file unless a journal or WAL file is
/// already there. Throws `state_store_error` naming the file and the cause
/// for anything that is not actio's: not an SQLite database, another
/// application id, another schema or schema version, a newer actio schema.
state_file_kind probe_state_file(const std::string& path);

/// The read-only SQLite URI for `path` used by the probe and by
/// `state_store::read_metadata`: `immutable=1` (no locks, no side files)
/// when neither a `-wal` nor a `-journal` file exists beside it, else
/// `mode=ro`.
std::string read_only_uri(const std::string& path);

} // namespace actio::crawl::detail
