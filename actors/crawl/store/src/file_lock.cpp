// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/store/file_lock.hpp"

#include "actio/crawl/store/file_identity.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace actio::crawl {

namespace {

std::string errno_text(int err) {
  return std::strerror(err);
}

/// The PID a lock file holds, 0 if it holds none (yet).
pid_t read_pid(int fd) {
  char buf[32] = {};
  auto n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0)
    return 0;
  long pid = std::strtol(buf, nullptr, 10);
  return pid > 0 ? static_cast<pid_t>(pid) : 0;
}

} // namespace

std::string file_lock::lock_path(const std::string& path) {
  return identify_file(path).resolved + ".lock";
}

file_lock::file_lock(const std::string& path, const std::string& what)
    : lock_path_(lock_path(path)) {
  // A holder removes its lock file before releasing it: a lock taken on a
  // file that is no longer at the path is worthless, so try again.
  for (int attempt = 0; attempt < 100; ++attempt) {
    int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      throw file_lock_error("cannot create the lock file " + lock_path_ +
                            " of the " + what + " " + path + ": " +
                            errno_text(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      if (err != EWOULDBLOCK) {
        ::close(fd);
        throw file_lock_error("cannot lock " + lock_path_ + ": " +
                              errno_text(err));
      }
      // The holder writes its PID just after locking: give it a moment.
      pid_t holder = read_pid(fd);
      for (int i = 0; holder == 0 && i < 20; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        holder = read_pid(fd);
      }
      ::close(fd);
      throw file_in_use_error("the " + what + " " + path + " is in use by " +
                                  (holder != 0
                                       ? "process " + std::to_string(holder)
                                       : std::string("another process")) +
                                  " (lock file " + lock_path_ + ")",
                              holder);
    }
    struct stat held {};
    struct stat named {};
    if (::fstat(fd, &held) != 0 || ::stat(lock_path_.c_str(), &named) != 0 ||
        held.st_dev != named.st_dev || held.st_ino != named.st_ino) {
      ::close(fd);
      continue;
    }
    auto pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) !=
                                       static_cast<ssize_t>(pid.size())) {
      int err = errno;
      ::unlink(lock_path_.c_str());
      ::close(fd);
      throw file_lock_error("cannot write " + lock_path_ + ": " +
                            errno_text(err));
    }
    fd_ = fd;
    return;
  }
  throw file_lock_error("cannot lock " + lock_path_ +
                        ": it keeps being replaced");
}

file_lock::~file_lock() {
  if (fd_ < 0)
    return;
  ::unlink(lock_path_.c_str());
  ::close(fd_);
}

} // namespace actio::crawl
