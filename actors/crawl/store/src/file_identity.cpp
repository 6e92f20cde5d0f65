// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/store/file_identity.hpp"

#include <filesystem>
#include <system_error>

#include <sys/stat.h>

namespace actio::crawl {

namespace fs = std::filesystem;

file_identity identify_file(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  if (ec)
    p = path;
  // Follow the links of the last component by hand: weakly_canonical stops
  // at a dangling one, whose target is the file that would be written.
  for (int hops = 0; hops < 40; ++hops) {
    if (!fs::is_symlink(fs::symlink_status(p, ec)))
      break;
    auto target = fs::read_symlink(p, ec);
    if (ec)
      break;
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
  file_identity id;
  struct stat st {};
  if (::stat(p.c_str(), &st) == 0) {
    id.exists = true;
    id.device = static_cast<std::uint64_t>(st.st_dev);
    id.inode = static_cast<std::uint64_t>(st.st_ino);
  }
  auto canonical = fs::weakly_canonical(p, ec);
  id.resolved = (ec ? p : canonical).lexically_normal().string();
  return id;
}

bool same_file(const std::string& a, const std::string& b) {
  return identify_file(a) == identify_file(b);
}

} // namespace actio::crawl
