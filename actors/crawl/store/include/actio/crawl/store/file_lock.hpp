// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <stdexcept>
#include <string>
#include <sys/types.h>

namespace actio::crawl {

/// Thrown by `file_lock` when another process holds the lock. `what()`
/// names the file and, when the lock file says it, the holder's PID.
class file_in_use_error : public std::runtime_error {
public:
  file_in_use_error(const std::string& what, pid_t holder)
      : std::runtime_error(what), holder_(holder) {}

  /// The PID written in the lock file by its holder, or 0 if unknown.
  pid_t holder() const noexcept { return holder_; }

private:
  pid_t holder_;
};

/// Thrown by `file_lock` when the lock file cannot be created or locked.
class file_lock_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// An exclusive lock on a file for as long as this object lives: an
/// `flock` on a side file `<file>.lock` (named after the file with its
/// symbolic links followed, so every path to it shares the lock) that holds
/// the owner's PID.
///
/// The lock file, not the file itself, is locked: SQLite's own POSIX locks
/// on a database are per process and dropped by closing any descriptor of
/// the file. The kernel releases an `flock` when its holder dies, so a lock
/// file left by a killed process blocks nobody. A lock file is removed when
/// its lock is released. A second hard link to the file under another name
/// has a lock file of its own and is not protected.
class file_lock {
public:
  /// Takes the lock for `path` (which need not exist) at once or throws:
  /// `file_in_use_error` if another process holds it, `file_lock_error` if
  /// the lock file cannot be created or locked. `what` names the file in
  /// messages ("state file", "output file").
  file_lock(const std::string& path, const std::string& what);

  /// Removes the lock file and releases the lock.
  ~file_lock();

  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

  /// The lock file's path for `path`: `<resolved path>.lock`.
  static std::string lock_path(const std::string& path);

  /// The lock file this object holds.
  const std::string& path() const noexcept { return lock_path_; }

private:
  std::string lock_path_;
  int fd_ = -1;
};

} // namespace actio::crawl
