// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace actio::test {

/// Sends what the process writes to stderr (file descriptor 2, every
/// thread) to a temporary file while it lives; `text()` reads it so far.
class stderr_capture {
public:
  stderr_capture() {
    std::fflush(stderr);
    file_ = std::tmpfile();
    if (file_ == nullptr)
      throw std::runtime_error("stderr_capture: no temporary file");
    saved_ = ::dup(2);
    ::dup2(::fileno(file_), 2);
  }
  stderr_capture(const stderr_capture&) = delete;
  stderr_capture& operator=(const stderr_capture&) = delete;
  ~stderr_capture() {
    std::fflush(stderr);
    ::dup2(saved_, 2);
    ::close(saved_);
    std::fclose(file_);
  }

  /// Everything written to stderr since the capture began.
  std::string text() const {
    std::fflush(stderr);
    std::string out;
    char buf[4096];
    auto fd = ::fileno(file_);
    off_t at = 0;
    for (;;) {
      auto n = ::pread(fd, buf, sizeof buf, at);
      if (n <= 0)
        break;
      out.append(buf, static_cast<std::size_t>(n));
      at += n;
    }
    return out;
  }

private:
  std::FILE* file_ = nullptr;
  int saved_ = -1;
};

} // namespace actio::test
