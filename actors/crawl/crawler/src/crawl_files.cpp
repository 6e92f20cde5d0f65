// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/crawl_files.hpp"

#include "actio/crawl/store/file_identity.hpp"
#include "actio/crawl/store/file_lock.hpp"

#include <vector>

namespace actio::crawl {

namespace {

/// A file of a crawl: its path and what it is, for messages.
struct named_file {
  std::string path;
  std::string what;
};

} // namespace

std::optional<std::string> crawl_files_clash(const std::string& state_path,
                                             const std::string& out_path) {
  if (same_file(state_path, out_path))
    return "the output file " + out_path + " and the state file " + state_path +
           " are the same file";
  // Side files are named after the file with its links followed, as
  // SQLite and file_lock name them.
  auto state = identify_file(state_path).resolved;
  std::vector<named_file> state_files{
      {state + "-wal", "SQLite journal"},
      {state + "-journal", "SQLite journal"},
      {state + "-shm", "SQLite shared memory file"},
      {file_lock::lock_path(state_path), "lock file"}};
  for (const auto& f : state_files)
    if (same_file(out_path, f.path))
      return "the output file " + out_path + " is the state file's " + f.what +
             " " + f.path;
  if (same_file(state_path, file_lock::lock_path(out_path)))
    return "the state file " + state_path + " is the output file's lock file " +
           file_lock::lock_path(out_path);
  return std::nullopt;
}

} // namespace actio::crawl
