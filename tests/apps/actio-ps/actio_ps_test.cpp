// SPDX-License-Identifier: Apache-2.0
// actio-ps run as a child process against test servers serving /tasks.
#include "support/child_process.hpp"
#include "support/http_test_server.hpp"
#include "support/run_program.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <netinet/in.h>
#include <regex>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

using namespace std::chrono_literals;
using actio::test::http_test_reply;
using actio::test::http_test_request;
using actio::test::http_test_server;
using actio::test::run_program;

namespace {

const std::string binary = ACTIO_PS_BINARY;

http_test_reply json_reply(const std::string& body) {
  return {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
          "Content-Length: " +
              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
              body,
          true};
}

void serve_tasks(http_test_server& server, std::string body) {
  server.route("/tasks",
               [body](const http_test_request&) { return json_reply(body); });
}

std::string address_of(const http_test_server& server) {
  return "127.0.0.1:" + std::to_string(server.port());
}

const char* const tree_json = R"json({"time": 75.5, "tasks": [
  {"id": 1, "name": "main", "parent": null, "state": "suspended",
   "awaiting": "gather", "since": 70.0, "age": 75.0},
  {"id": 2, "name": "fetch a", "parent": 1, "state": "running",
   "awaiting": "", "since": 0.25, "age": 3.5, "coroutine": "fetch()"
},
  {"id": 3, "name": "fetch b", "parent": 1, "state": "suspended",
   "awaiting": "sleep", "since": 1.5, "age": 4000, "coroutine": ""},
  {"id": 4, "name": "retry", "parent": 3, "state": "ready",
   "awaiting": "", "since": 0.001, "age": 0.002},
  {"id": 9, "name": "orphan", "parent": 7, "state": "suspended",
   "awaiting": "queue.get", "since": 130, "age": 131}],
 "deadlocks": [[2, 3]]
})json";

/// "127.0.0.1:PORT" for a port that was free a moment ago: bound, not
/// listened on, closed.
std::string free_loopback_address() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  ::close(fd);
  return "127.0.0.1:" + std::to_string(ntohs(sa.sin_port));
}

} // namespace

TEST_CASE("actio-ps prints the task tree indented like pstree, with ages",
          "[actio-ps]") {
  http_test_server server;
  serve_tasks(server, tree_json);
  auto r = run_program({binary, address_of(server)}, 30s);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out == address_of(server) +
                     ": 5 tasks, runtime clock 1m15s\n"
                     "main [1] suspended 1m15s, awaiting gather for 1m10s\n"
                     "├─ fetch a [2] fetch() running 3.5s, running for "
                     "250ms\n"
                     "└─ fetch b [3] suspended 1h06m, awaiting sleep for "
                     "1.5s\n"
                     "   └─ retry [4] ready 2ms, ready for 1ms\n"
                     "orphan [9] suspended 2m11s, awaiting queue.get for "
                     "2m10s\n"
                     "deadlock: fetch a [2] -> fetch b [3] -> [2]\n");
}

TEST_CASE("actio-ps reports malformed /tasks documents", "[actio-ps]") {
  auto body = GENERATE(std::string{"{\"time\": 1, \"tasks\": [ {\"id\": "},
                       std::string{"[1, 2, 3]"}, std::string{"{\"time\": 1}"},
                       std::string{"{\"time\": 1, \"tasks\": [{\"id\": \"x\", "
                                   "\"parent\": null, \"name\": \"a\", "
                                   "\"state\": \"ready\", \"awaiting\": \"\", "
                                   "\"since\": 0, \"age\": 0}]}"},
                       std::string{"<html>hello</html>"});
  http_test_server server;
  serve_tasks(server, body);
  auto r = run_program({binary, address_of(server)}, 30s);
  CHECK(r.exit_code == 3);
  CHECK(r.err.find("/tasks is malformed") != std::string::npos);
  CHECK(r.out.empty());
}

TEST_CASE("actio-ps tells a server that is not actio's", "[actio-ps]") {
  http_test_server server; // no /tasks route
  auto r = run_program({binary, address_of(server)}, 30s);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("does not look like an actio status endpoint") !=
        std::string::npos);
}

TEST_CASE("actio-ps reports an unreachable port", "[actio-ps]") {
  auto address = free_loopback_address();
  auto r = run_program({binary, address}, 30s);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("cannot connect to " + address) != std::string::npos);
  auto bad = run_program({binary, "no-port-here"}, 30s);
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("expected HOST:PORT") != std::string::npos);
}

TEST_CASE("actio-ps --watch redraws every interval until interrupted",
          "[actio-ps]") {
  http_test_server server;
  serve_tasks(server, tree_json);
  auto r =
      run_program({binary, "--watch", "--interval", "0.2", address_of(server)},
                  30s, SIGINT, 1500ms);
  CHECK(r.exit_code == 0);
  std::size_t frames = 0;
  for (auto at = r.out.find("\033[2J"); at != std::string::npos;
       at = r.out.find("\033[2J", at + 1))
    ++frames;
  CHECK(frames >= 3);
  CHECK(r.out.find("└─ fetch b [3]") != std::string::npos);
}

#ifdef ACTIO_EXAMPLE_21
TEST_CASE("actio-ps prints the task tree of a running example",
          "[actio-ps][task_dump]") {
  auto address = free_loopback_address();
  actio::test::child_process example{
      {ACTIO_EXAMPLE_21, "--actio-metrics=" + address, "--actio-slow-step=0",
       "--slow-fetch-ms=60000"}};
  // The tree is printed by the example itself at 0.1 s; from then on the
  // slow fetch holds worker a (or b) for a minute.
  REQUIRE(example.wait_for_output("-- the task tree at 0.1 s --", 30s));
  auto r = run_program({binary, address}, 30s);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find(address + ": 3 tasks") != std::string::npos);
  CHECK(std::regex_search(r.out, std::regex{R"(coordinator \[\d+\] )"
                                            R"(coordinator\(\) suspended)"}));
  CHECK(r.out.find("awaiting gather, 2 pending") != std::string::npos);
  CHECK(std::regex_search(r.out, std::regex{R"(worker a \[\d+\] worker\(\))"}));
  CHECK(r.out.find("worker b [") != std::string::npos);
  CHECK(r.out.find("awaiting sleep, due in ") != std::string::npos);
  CHECK(r.out.find("awaiting lock 0x") != std::string::npos);
  example.signal(SIGKILL);
}
#endif
