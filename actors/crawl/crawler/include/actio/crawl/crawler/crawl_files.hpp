// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>

namespace actio::crawl {

/// Why a state file and an output file cannot serve one crawl together, or
/// nullopt when they can: they are the same file (any two paths to it:
/// symbolic or hard links, `..`, relative; see `file_identity`), or one is
/// a file that belongs to the other — the state's SQLite journals
/// (`-wal`, `-journal`, `-shm`) or either's lock file (`.lock`). Looks at
/// the file system only; writes nothing.
std::optional<std::string> crawl_files_clash(const std::string& state_path,
                                             const std::string& out_path);

} // namespace actio::crawl
