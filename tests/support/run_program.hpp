// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

namespace actio::test {

/// What a finished child process left behind.
struct program_result {
  int exit_code = -1; // -1 if killed by a signal or timed out
  int signal = 0;     // the signal that ended it, if any
  bool timed_out = false;
  std::string out;    // stdout
  double seconds = 0; // wall time
};

/// Runs `argv` with stdout captured; sends `interrupt` (if non-zero) after
/// `interrupt_after`; kills it with SIGKILL after `limit`.
inline program_result run_program(
    std::vector<std::string> args, std::chrono::milliseconds limit,
    int interrupt = 0,
    std::chrono::milliseconds interrupt_after = std::chrono::milliseconds{0}) {
  program_result r;
  int fds[2];
  if (pipe(fds) != 0)
    return r;
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  bool interrupted = interrupt == 0;
  int status = 0;
  for (;;) {
    auto now = std::chrono::steady_clock::now();
    if (!interrupted && now - start >= interrupt_after) {
      kill(pid, interrupt);
      interrupted = true;
    }
    if (now - start >= limit) {
      kill(pid, SIGKILL);
      r.timed_out = true;
    }
    pollfd p{fds[0], POLLIN, 0};
    poll(&p, 1, 10);
    char buf[4096];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
      r.out.append(buf, static_cast<std::size_t>(n));
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      while ((n = read(fds[0], buf, sizeof buf)) > 0)
        r.out.append(buf, static_cast<std::size_t>(n));
      break;
    }
  }
  close(fds[0]);
  r.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  if (WIFEXITED(status))
    r.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    r.signal = WTERMSIG(status);
  return r;
}

} // namespace actio::test
