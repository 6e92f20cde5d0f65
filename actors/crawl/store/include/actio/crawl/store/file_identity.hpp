// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace actio::crawl {

/// Which file a path names, so that two paths can be compared: through
/// symbolic links, hard links, `..` and relative paths alike.
struct file_identity {
  /// The path with every symbolic link followed (dangling ones too) and
  /// made absolute and canonical; for a file that does not exist yet, the
  /// canonical parent directory plus the name. Files that belong to this
  /// one (SQLite's `-wal`, a `.lock`) are named after it.
  std::string resolved;
  /// Whether the file exists (then `device` and `inode` are set).
  bool exists = false;
  /// `st_dev` of the existing file.
  std::uint64_t device = 0;
  /// `st_ino` of the existing file.
  std::uint64_t inode = 0;

  /// Same file: same device and inode when both exist, else the same
  /// resolved path.
  friend bool operator==(const file_identity& a,
                         const file_identity& b) noexcept {
    if (a.exists && b.exists)
      return a.device == b.device && a.inode == b.inode;
    return a.exists == b.exists && a.resolved == b.resolved;
  }
};

/// The identity of `path` now (the file system may change later). Never
/// throws for a missing file or directory: the path is then resolved as
/// far as it exists.
file_identity identify_file(const std::string& path);

/// Whether `a` and `b` name the same file now.
bool same_file(const std::string& a, const std::string& b);

} // namespace actio::crawl
