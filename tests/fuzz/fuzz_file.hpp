// SPDX-License-Identifier: Apache-2.0
#pragma once

// A scratch file per fuzzing process for the targets that read damaged
// files: in /dev/shm when there is one (no disk I/O per input).

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include <unistd.h>

namespace actio::fuzz {

/// `<dir>/actio-fuzz-<pid>-<name>`, in /dev/shm or else $TMPDIR or /tmp.
inline std::string scratch_path(std::string_view name) {
  std::string dir = "/dev/shm";
  if (::access(dir.c_str(), W_OK) != 0) {
    const char* tmp = std::getenv("TMPDIR");
    dir = tmp != nullptr ? tmp : "/tmp";
  }
  return dir + "/actio-fuzz-" + std::to_string(::getpid()) + "-" +
         std::string{name};
}

/// Replaces the file at `path` with `content`.
inline void write_file(const std::string& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) {
    std::fprintf(stderr, "fuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
}

/// The bytes of the file at `path` ("" when it is missing).
inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Removes `path` and SQLite's side files beside it.
inline void remove_files(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    std::remove((path + suffix).c_str());
}

/// A scratch file (`scratch_path(name)`) removed with SQLite's side files
/// when the process exits normally (libFuzzer's -max_total_time included).
class scratch_file {
public:
  explicit scratch_file(std::string_view name) : path_(scratch_path(name)) {}
  ~scratch_file() { remove_files(path_); }
  scratch_file(const scratch_file&) = delete;
  scratch_file& operator=(const scratch_file&) = delete;

  const std::string& path() const noexcept { return path_; }

private:
  std::string path_;
};

} // namespace actio::fuzz
