// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "runtime/remote/remote_fixture.hpp"

#include <caf/send.hpp>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <stdexcept>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace actio::test {

/// A second node in a child process: an insecure runtime on loopback that
/// publishes an actor which never answers and writes one byte to a pipe for
/// every request it receives, so that the test knows a request is
/// outstanding before it kills or stops the child. The destructor kills and
/// reaps the child.
class forked_peer {
public:
  forked_peer() {
    int ports[2];
    int requests[2];
    if (pipe(ports) != 0 || pipe(requests) != 0)
      throw std::runtime_error("forked_peer: pipe failed");
    pid_ = fork();
    if (pid_ < 0)
      throw std::runtime_error("forked_peer: fork failed");
    if (pid_ == 0)
      serve(ports[1], requests[1]); // never returns
    close(ports[1]);
    close(requests[1]);
    requests_fd_ = requests[0];
    if (!wait_readable(ports[0], std::chrono::seconds(20)) ||
        read(ports[0], &port_, sizeof port_) != sizeof port_) {
      close(ports[0]);
      throw std::runtime_error("forked_peer: the child did not publish");
    }
    close(ports[0]);
  }

  ~forked_peer() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    close(requests_fd_);
  }

  forked_peer(const forked_peer&) = delete;
  forked_peer& operator=(const forked_peer&) = delete;

  /// The port the child's actor is published on (127.0.0.1).
  std::uint16_t port() const noexcept { return port_; }

  /// Waits until the child has received a request; false after `limit`.
  bool wait_for_request(std::chrono::milliseconds limit) {
    char byte = 0;
    return wait_readable(requests_fd_, limit) &&
           read(requests_fd_, &byte, 1) == 1;
  }

  /// Sends `sig` to the child.
  void signal(int sig) { kill(pid_, sig); }

private:
  static bool wait_readable(int fd, std::chrono::milliseconds limit) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, static_cast<int>(limit.count())) == 1;
  }

  [[noreturn]] static void serve(int port_fd, int request_fd) {
    try {
      actio::runtime rt{remote_test_options(remote_mode::insecure_loopback)};
      auto hole = rt.system().spawn(
          [request_fd](caf::event_based_actor* self) -> caf::behavior {
            auto kept = std::make_shared<std::vector<caf::response_promise>>();
            return {[self, kept, request_fd](int) -> caf::result<int> {
              kept->push_back(self->make_response_promise());
              char byte = 'r';
              (void)!write(request_fd, &byte, 1);
              return caf::delegated<int>{};
            }};
          });
      std::uint16_t port = actio::publish(rt, hole, "127.0.0.1", 0);
      (void)!write(port_fd, &port, sizeof port);
      for (;;)
        pause();
    } catch (...) {
      _exit(2);
    }
  }

  pid_t pid_ = -1;
  int requests_fd_ = -1;
  std::uint16_t port_ = 0;
};

} // namespace actio::test
