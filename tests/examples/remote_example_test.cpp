// SPDX-License-Identifier: Apache-2.0
#include "support/run_program.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <sstream>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace std::chrono_literals;
using actio::test::run_program;

namespace {

std::string example13() {
  return std::string{ACTIO_EXAMPLES_DIR} + "/13_remote_actors";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

/// `13_remote_actors --serve 0` in the background: its first line of output
/// names the port. The destructor kills it if it is still running.
class background_server {
public:
  background_server() {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      std::string exe = example13();
      execl(exe.c_str(), exe.c_str(), "--serve", "0", nullptr);
      _exit(127);
    }
    close(fds[1]);
    fd_ = fds[0];
  }

  ~background_server() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(fd_);
  }

  /// Reads output until a full line arrives (or 20 s pass).
  std::string read_line() {
    while (buffer_.find('\n') == std::string::npos) {
      pollfd p{fd_, POLLIN, 0};
      char chunk[256];
      ssize_t n = 0;
      if (poll(&p, 1, 20000) != 1 || (n = read(fd_, chunk, sizeof chunk)) <= 0)
        return {};
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    auto eol = buffer_.find('\n');
    auto line = buffer_.substr(0, eol);
    buffer_.erase(0, eol + 1);
    return line;
  }

  /// Sends SIGTERM and returns the exit code (-1 if killed by a signal).
  int terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::string buffer_;
};

} // namespace

TEST_CASE("example 13 --demo: a task awaits a remote actor, then gets an "
          "error once the actor is gone",
          "[examples][remote]") {
  auto r = run_program({example13(), "--demo"}, 30s);
  REQUIRE(r.exit_code == 0);
  auto ls = lines_of(r.out);
  REQUIRE(ls.size() == 5);
  CHECK(ls[0] == "server: calculator published");
  CHECK(ls[1] == "20 + 22 = 42");
  CHECK(ls[2] == "shout(hello) = HELLO");
  CHECK(ls[3] == "server: calculator ended");
  CHECK(ls[4].rfind("after the server quit: request failed", 0) == 0);
}

TEST_CASE("example 13 --serve and --connect talk across two processes",
          "[examples][remote]") {
  background_server server;
  auto first = server.read_line();
  REQUIRE(first.rfind("serving on 127.0.0.1:", 0) == 0);
  auto where = first.substr(std::string{"serving on "}.size());
  auto r = run_program({example13(), "--connect", where}, 30s);
  CHECK(r.exit_code == 0);
  CHECK(lines_of(r.out) ==
        std::vector<std::string>{"20 + 22 = 42", "shout(hello) = HELLO"});
  CHECK(server.terminate() == 0);
}

TEST_CASE("example 13 refuses a non-loopback address in insecure mode",
          "[examples][remote]") {
  auto r = run_program({example13(), "--connect", "192.0.2.1:4242"}, 30s);
  CHECK(r.exit_code == 1);
}
