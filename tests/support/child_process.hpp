// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <csignal>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace actio::test {

/// A program running beside the test (a server, a load generator), its
/// stdout captured (and its stderr, if asked); killed with SIGKILL if still
/// running when destroyed.
class child_process {
public:
  /// Starts `args` (argv[0] a path); `capture_stderr`: read its stderr
  /// too (`error_output`) instead of letting it through to the test's.
  explicit child_process(std::vector<std::string> args,
                         bool capture_stderr = false) {
    int fds[2];
    int err_fds[2] = {-1, -1};
    if (pipe(fds) != 0)
      return;
    if (capture_stderr && pipe(err_fds) != 0) {
      close(fds[0]);
      close(fds[1]);
      return;
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      if (capture_stderr) {
        dup2(err_fds[1], 2);
        close(err_fds[0]);
        close(err_fds[1]);
      }
      std::vector<char*> argv;
      for (auto& a : args)
        argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(fds[1]);
    out_fd_ = fds[0];
    fcntl(out_fd_, F_SETFL, O_NONBLOCK);
    if (capture_stderr) {
      close(err_fds[1]);
      err_fd_ = err_fds[0];
      fcntl(err_fd_, F_SETFL, O_NONBLOCK);
    }
  }

  ~child_process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0)
      close(out_fd_);
    if (err_fd_ >= 0)
      close(err_fd_);
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Waits up to `limit` until stdout holds `text`; true if it does.
  bool wait_for_output(const std::string& text,
                       std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (out_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= end || !pump(10))
        return out_.find(text) != std::string::npos;
    }
    return true;
  }

  /// Waits up to `limit` until the captured stderr holds `text`; true if
  /// it does.
  bool wait_for_error_output(const std::string& text,
                             std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (err_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= end)
        return false;
      if (!pump(10))
        poll(nullptr, 0, 10); // stdout closed: do not spin
    }
    return true;
  }

  void signal(int sig) {
    if (pid_ > 0 && !exited_)
      kill(pid_, sig);
  }

  /// The child's process id.
  pid_t pid() const { return pid_; }

  /// Waits up to `limit` for the exit, collecting stdout; true once exited
  /// (then all of stdout has been read).
  bool wait_exit(std::chrono::milliseconds limit) {
    if (pid_ <= 0)
      return false;
    auto end = std::chrono::steady_clock::now() + limit;
    for (;;) {
      int status = 0;
      if (!exited_ && waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        signal_ = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      }
      if (exited_ || std::chrono::steady_clock::now() >= end)
        break;
      if (!pump(10))
        poll(nullptr, 0, 10); // stdout closed: do not spin until the exit
    }
    if (exited_)
      while (pump(0)) {
      }
    return exited_;
  }

  /// Waits up to `limit` for the exit; the exit code, or -1 if it was
  /// killed by a signal or is still running (the destructor kills it).
  int wait(std::chrono::milliseconds limit) {
    return wait_exit(limit) ? code_ : -1;
  }

  /// The exit code once exited normally, else -1.
  int exit_code() const { return exited_ ? code_ : -1; }

  /// The signal that ended it, or 0.
  int term_signal() const { return signal_; }

  /// Everything it printed so far.
  const std::string& output() const { return out_; }

  /// Everything it printed on stderr so far (when captured).
  const std::string& error_output() const { return err_; }

private:
  /// Reads what is there (waiting up to `ms`); false at EOF of stdout.
  bool pump(int ms) {
    pollfd p[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    poll(p, err_fd_ >= 0 ? 2 : 1, ms);
    if (err_fd_ >= 0)
      drain(err_fd_, err_);
    return drain(out_fd_, out_);
  }

  /// Appends what `fd` holds now to `to`; false at EOF.
  static bool drain(int fd, std::string& to) {
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) != 0) {
      if (n < 0)
        return true;
      to.append(buf, static_cast<std::size_t>(n));
    }
    return false;
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool exited_ = false;
  int code_ = -1;
  int signal_ = 0;
  std::string out_;
  std::string err_;
};

} // namespace actio::test
