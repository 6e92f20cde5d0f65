// SPDX-License-Identifier: Apache-2.0
#include "support/child_process.hpp"
#include "support/run_program.hpp"
#include "support/tls_self_signed.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace std::chrono_literals;
using actio::test::child_process;
using actio::test::run_program;

namespace {

std::string example(const std::string& name) {
  return std::string{ACTIO_EXAMPLES_DIR} + "/" + name;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    out.push_back(line);
  return out;
}

long count(const std::string& text, const std::string& what) {
  auto ls = lines(text);
  return std::count(ls.begin(), ls.end(), what);
}

/// The port in a "listening on host:port ..." line.
std::string listening_port(const std::string& out) {
  auto at = out.find("listening on ");
  auto colon = out.find(':', at);
  return out.substr(colon + 1, out.find(' ', colon) - colon - 1);
}

/// The number printed right before `label` in `text` (-1 if absent).
long number_before(const std::string& text, const std::string& label) {
  auto at = text.find(label);
  if (at == std::string::npos || at < 2)
    return -1;
  auto start = text.find_last_of(' ', at - 2);
  return std::stol(text.substr(start + 1, at - start - 2));
}

/// A blocking client socket to 127.0.0.1 (-1 if the connect fails).
int connect_local(const std::string& port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(std::stoi(port)));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

/// Reads from `fd` until `n` lines arrived (or 5 s without data).
std::string read_lines(int fd, std::size_t n) {
  std::string got;
  char buf[1024];
  while (static_cast<std::size_t>(std::count(got.begin(), got.end(), '\n')) <
         n) {
    auto r = ::recv(fd, buf, sizeof buf, 0);
    if (r <= 0)
      break;
    got.append(buf, static_cast<std::size_t>(r));
  }
  return got;
}

} // namespace

TEST_CASE("example 01: one 2 s task and ten concurrent ones both take 2 s",
          "[examples]") {
  auto r = run_program({example("01_event_loop"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(count(r.out, "this is a test for async") == 11);
  CHECK(count(r.out, "test again") == 11);
  CHECK(count(r.out, "耗时: 2.000") == 2);
}

TEST_CASE("example 01 --blocking: thread sleeps serialise on the scheduler "
          "threads",
          "[examples]") {
  auto r = run_program(
      {example("01_event_loop"), "--blocking", "--actio-threads=10"}, 20s);
  REQUIRE(r.exit_code == 0);
  CHECK(count(r.out, "test again") == 11);
}

TEST_CASE("example 02: wait, gather and a gather of gathers take 2 s each",
          "[examples]") {
  auto r =
      run_program({example("02_wait_and_gather"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(count(r.out, "wait: 2 done, 0 pending") == 1);
  CHECK(count(r.out, "gather: 4 results") == 1);
  CHECK(count(r.out, "groups: 2 + 2 results, lixingyun") == 1);
  CHECK(count(r.out, "耗时: 2.000") == 3);
}

TEST_CASE("example 03: the done callback gets the result and the bound "
          "argument",
          "[examples]") {
  auto r =
      run_program({example("03_future_callback"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) ==
        std::vector<std::string>{"this is a test for async", "test again",
                                 "callback ==> lixingyun another ==> wanglin",
                                 "lixingyun"});
}

TEST_CASE("example 04 without Ctrl-C: the tasks finish in 2 s", "[examples]") {
  auto r = run_program({example("04_cancel"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(count(r.out, "test again") == 3);
  CHECK(count(r.out, "耗时: 2.000") == 1);
}

TEST_CASE("example 04: SIGINT cancels the running tasks, each cancel "
          "reports true, and the process exits 130 within 2 s",
          "[examples][signals]") {
  auto r = run_program({example("04_cancel")}, 10s, SIGINT, 300ms);
  CHECK(r.exit_code == 130);
  CHECK(r.seconds < 2.0);
  CHECK(count(r.out, "cancel task ==> true") == 3);
  CHECK(count(r.out, "task cleans up after cancel") == 3);
  CHECK(count(r.out, "test again") == 0);
  CHECK(count(r.out, "cancelled: true") == 1);
}

TEST_CASE("example 05: print_sum awaits compute and prints 1 + 2 = 3 after "
          "2 s",
          "[examples]") {
  auto r = run_program(
      {example("05_nested_coroutines"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) == std::vector<std::string>{"打印 1 + 2", "计算 1 + 2",
                                                 "1 + 2 = 3", "耗时: 2.000",
                                                 "计算 3 + 4", "3 + 4 = 7",
                                                 "耗时: 2.000"});
}

TEST_CASE("example 18: the deadline scope times out at 0.4 s while the "
          "shielded save finishes at 0.5 s; a rescheduled block completes",
          "[examples]") {
  auto r =
      run_program({example("18_deadline_scope"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) == std::vector<std::string>{
                            "got profile at 0.200 s",
                            "timed out at 0.400 s; save still running: yes",
                            "saved profile at 0.500 s", "save finished: yes",
                            "all fetched at 0.600 s",
                            "rescheduled block returned 2"});
}

TEST_CASE("example 06: call_* callbacks run in the seed's order",
          "[examples]") {
  auto expected =
      std::vector<std::string>{"call_soon ==> 5",  "call_soon_threadsafe ==> 2",
                               "call_later ==> 1", "call_at ==> 1",
                               "call_later ==> 2", "call_at ==> 2",
                               "call_later ==> 3", "call_at ==> 3"};
  SECTION("on virtual time") {
    auto r = run_program(
        {example("06_call_soon_later_at"), "--actio-virtual-time"}, 10s);
    REQUIRE(r.exit_code == 0);
    CHECK(lines(r.out) == expected);
  }
  SECTION("in real time") {
    auto r = run_program({example("06_call_soon_later_at")}, 10s);
    REQUIRE(r.exit_code == 0);
    CHECK(lines(r.out) == expected);
    CHECK(r.seconds >= 3.0);
  }
}

namespace {

/// Checks example 09's output: each of the twenty pages printed twice
/// (concurrently, then one by one), 42 lines in all; returns the lines.
std::vector<std::string>
check_twenty_gets(const actio::test::program_result& r) {
  REQUIRE(r.exit_code == 0);
  for (int i = 0; i < 20; ++i) {
    auto page = "<html><title>/item/" + std::to_string(i) +
                "</title><body>page /item/" + std::to_string(i) +
                "</body></html>";
    CHECK(count(r.out, page) == 2);
  }
  auto ls = lines(r.out);
  REQUIRE(ls.size() == 42);
  return ls;
}

} // namespace

TEST_CASE("example 09: twenty hand-written GETs over open_connection, "
          "concurrently with as_completed and then one by one",
          "[examples][stream]") {
  auto r = run_program({example("09_http_over_sockets")}, 30s);
  auto ls = check_twenty_gets(r);
  // Concurrency shows in what the server held at once, not in wall time
  // (this machine is shared: timings only go in bench/).
  auto held = [](const std::string& line) {
    auto at = line.find("held up to ");
    REQUIRE(at != std::string::npos);
    return std::stoi(line.substr(at + 11));
  };
  CHECK(ls[20].find("concurrently") != std::string::npos);
  CHECK(ls[41].find("one after another") != std::string::npos);
  CHECK(held(ls[20]) > 1);
  CHECK(held(ls[41]) == 1);
}

TEST_CASE("example 09 with --client: the same twenty GETs through "
          "http_client",
          "[examples][http_client]") {
  auto r = run_program({example("09_http_over_sockets"), "--client"}, 30s);
  auto ls = check_twenty_gets(r);
  CHECK(ls[20].find("concurrently") != std::string::npos);
  CHECK(ls[41].find("one after another") != std::string::npos);
}

TEST_CASE("example 10: a CAF actor awaits a task and a task awaits a CAF "
          "actor",
          "[examples][caf_interop]") {
  auto r = run_program({example("10_caf_actors"), "--actio-virtual-time"}, 10s);
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) == std::vector<std::string>{
                            "actor: the task returned 21", "starter saw 21",
                            "task: the actor answered 42", "result 42",
                            "task: the task-backed actor answered 42",
                            "doubler got: hello after 1 s"});
}

TEST_CASE("example 11: the line-echo service's self-test echoes every line "
          "of eight concurrent clients",
          "[examples][stream]") {
  auto r = run_program({example("11_line_echo_service"), "--self-test"}, 30s);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("(tasks, plain)"));
  CHECK_THAT(r.out, Catch::Contains("self-test: 8 clients x 100 lines, 800 of "
                                    "800 echoes matched, 8 connections "
                                    "accepted"));
}

TEST_CASE("example 11: the self-test with a CAF actor per client, plain and "
          "TLS",
          "[examples][stream][connection]") {
  auto r = run_program(
      {example("11_line_echo_service"), "--self-test", "--actor"}, 30s);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("(actors, plain)"));
  CHECK_THAT(r.out, Catch::Contains("800 of 800 echoes matched"));
  actio::test::tls_self_signed cert;
  auto t =
      run_program({example("11_line_echo_service"), "--self-test", "--actor",
                   "--clients", "4", "--lines", "50", "--tls-cert",
                   cert.cert_file, "--tls-key", cert.key_file},
                  30s);
  REQUIRE(t.exit_code == 0);
  CHECK_THAT(t.out, Catch::Contains("(actors, tls)"));
  CHECK_THAT(t.out, Catch::Contains("200 of 200 echoes matched"));
}

TEST_CASE("example 11: the self-test over TLS with a self-signed certificate",
          "[examples][stream][tls]") {
  actio::test::tls_self_signed cert;
  auto r = run_program({example("11_line_echo_service"), "--self-test",
                        "--clients", "4", "--lines", "50", "--tls-cert",
                        cert.cert_file, "--tls-key", cert.key_file},
                       30s);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("(tasks, tls)"));
  CHECK_THAT(r.out, Catch::Contains("200 of 200 echoes matched"));
}

TEST_CASE("example 11: the service echoes a client and exits 0 on SIGTERM",
          "[examples][stream][signals]") {
  for (bool actors : {false, true}) {
    std::vector<std::string> args{example("11_line_echo_service")};
    if (actors)
      args.push_back("--actor");
    child_process svc(args);
    REQUIRE(svc.wait_for_output("plain)\n", 10s));
    int fd = connect_local(listening_port(svc.output()));
    REQUIRE(fd >= 0);
    std::string hello = "hello\nworld\n";
    REQUIRE(::send(fd, hello.data(), hello.size(), 0) ==
            static_cast<ssize_t>(hello.size()));
    CHECK(read_lines(fd, 2) == hello);
    ::close(fd);
    std::this_thread::sleep_for(100ms); // let the service see the EOF
    svc.signal(SIGTERM);
    CHECK(svc.wait(10s) == 0);
    CHECK_THAT(svc.output(),
               Catch::Contains("echoed 2 lines on 1 connections"));
  }
}

TEST_CASE("example 12: load from a second process gets every answer right, "
          "malformed lines get an error line, and the in-flight limit holds",
          "[examples][stream][service]") {
  child_process svc({example("12_request_service"), "--workers", "2",
                     "--max-in-flight", "4"});
  REQUIRE(svc.wait_for_output("in flight)\n", 10s));
  auto port = listening_port(svc.output());
  auto load = run_program({example("12_request_service"), "--client", "400",
                           "--connections", "4", "--port", port},
                          60s);
  CHECK(load.exit_code == 0);
  CHECK_THAT(load.out, Catch::Contains("client: 400 sent, 400 answered "
                                       "correctly, 0 wrong, 0 unanswered"));
  int fd = connect_local(port);
  REQUIRE(fd >= 0);
  std::string bad = "7\n8 frob 1\n9 primes x\n10 primes 100\n";
  REQUIRE(::send(fd, bad.data(), bad.size(), 0) ==
          static_cast<ssize_t>(bad.size()));
  auto answers = lines(read_lines(fd, 4));
  std::sort(answers.begin(), answers.end());
  CHECK(answers == std::vector<std::string>{
                       "10 25", "7 error: expected '<id> <op> <arg>'",
                       "8 error: unknown op 'frob' (primes N, sleep MS)",
                       "9 error: argument 'x' is not a non-negative integer"});
  ::close(fd);
  fd = connect_local(port);
  REQUIRE(fd >= 0);
  std::string huge(5000, 'x');
  REQUIRE(::send(fd, huge.data(), huge.size(), 0) ==
          static_cast<ssize_t>(huge.size()));
  CHECK(read_lines(fd, 2) == "? error: request longer than 4096 bytes\n");
  ::close(fd);
  svc.signal(SIGTERM);
  REQUIRE(svc.wait(20s) == 0);
  auto& out = svc.output();
  CHECK(number_before(out, "requests, answered") == 404);
  CHECK(number_before(out, "(3 malformed)") == 404);
  CHECK(number_before(out, "(limit 4)") == 4); // most in flight
  CHECK(number_before(out, "times\n") > 0);    // reads paused
}

TEST_CASE("example 12: SIGTERM mid-load refuses new connections, answers "
          "every request already read and exits 0",
          "[examples][stream][service][signals]") {
  child_process svc({example("12_request_service"), "--workers", "2",
                     "--max-in-flight", "4"});
  REQUIRE(svc.wait_for_output("in flight)\n", 10s));
  auto port = listening_port(svc.output());
  // 200 of the 400 requests keep a worker busy 200 ms each: ~20 s of load
  child_process load({example("12_request_service"), "--client", "400",
                      "--connections", "4", "--port", port, "--sleep-ms",
                      "200"});
  REQUIRE(load.wait_for_output("sent 100 requests", 20s));
  std::this_thread::sleep_for(300ms); // the service reads its first ones
  svc.signal(SIGTERM);
  REQUIRE(svc.wait_for_output("refusing new connections", 10s));
  CHECK(connect_local(port) == -1);
  CHECK(svc.wait(20s) == 0);
  CHECK(load.wait(20s) == 0);
  auto read = number_before(svc.output(), "requests, answered");
  auto answered = number_before(svc.output(), "(0 malformed)");
  CHECK(read > 0);
  CHECK(read < 400);
  CHECK(answered == read);
  CHECK_THAT(load.output(),
             Catch::Contains("client: 400 sent, " + std::to_string(read) +
                             " answered correctly, 0 wrong, " +
                             std::to_string(400 - read) + " unanswered"));
}

TEST_CASE("example 14: the UDP echo self-test gets every datagram back",
          "[examples][udp]") {
  auto r = run_program({example("14_udp_echo"), "--self-test"}, 30s);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("(udp)"));
  CHECK_THAT(r.out, Catch::Contains("self-test: 100 of 100 datagrams echoed "
                                    "(server echoed 100)"));
}

TEST_CASE("example 14: a client process talks to a server process over UDP",
          "[examples][udp]") {
  child_process server({example("14_udp_echo")});
  REQUIRE(server.wait_for_output("(udp)\n", 10s));
  auto port = listening_port(server.output());
  auto r = run_program(
      {example("14_udp_echo"), "--client", "50", "--port", port}, 30s);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("client: 50 of 50 datagrams echoed"));
  server.signal(SIGINT);
  CHECK(server.wait(10s) == 0);
  CHECK_THAT(server.output(), Catch::Contains("echoed 50 datagrams"));
}

TEST_CASE("example 15: seq 1 100000 | sort -r driven by two subprocesses "
          "matches the same sort done in C++",
          "[examples][subprocess]") {
  auto r = run_program({example("15_subprocess_pipeline")}, 60s);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out,
             Catch::Contains("pipeline: 100000 lines in reverse order (first "
                             "99999, last 1), seq exited 0, sort exited 0, "
                             "588895 bytes piped"));
  CHECK_THAT(r.out, Catch::Contains("check: matches"));
}

TEST_CASE("example 16: the HTTP service's self-test answers every request "
          "through the worker pool",
          "[examples][http_server]") {
  auto r = run_program({example("16_http_service"), "--self-test"}, 60s);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("self-test: 400 requests over 8 "
                                    "connections, 400 answered correctly, "
                                    "404 and 400 right on 8 of 8"));
  CHECK_THAT(r.out, Catch::Contains("served 416 responses"));
}

TEST_CASE("example 16: SIGTERM shuts the HTTP service down gracefully",
          "[examples][http_server][signals]") {
  child_process svc({example("16_http_service"), "--workers", "2", "--log"});
  REQUIRE(svc.wait_for_output("workers)\n", 10s));
  auto port = listening_port(svc.output());
  int fd = connect_local(port);
  REQUIRE(fd >= 0);
  std::string req = "GET /sleep?ms=300 HTTP/1.1\r\nHost: t\r\n\r\n";
  REQUIRE(::send(fd, req.data(), req.size(), 0) ==
          static_cast<ssize_t>(req.size()));
  // the service has read the request (it logs it on arrival)
  REQUIRE(svc.wait_for_output("GET /sleep?ms=300\n", 10s));
  svc.signal(SIGTERM);
  auto answer = read_lines(fd, 6);
  ::close(fd);
  CHECK_THAT(answer, Catch::Contains("HTTP/1.1 200 OK"));
  CHECK_THAT(answer, Catch::Contains("Connection: close"));
  CHECK(svc.wait(20s) == 0);
  CHECK_THAT(svc.output(), Catch::Contains("served 1 responses"));
}

TEST_CASE("example 19: a lazy stage over a feed, two feeds merged in time "
          "order, and an early stop that cleans up the endless producer",
          "[examples][generator]") {
  auto r = run_program(
      {example("19_generator_pipeline"), "--actio-virtual-time"}, 30s);
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) ==
        std::vector<std::string>{
            "length 7 at 0.100 s", "length 7 at 0.200 s", "length 7 at 0.300 s",
            "short: cleaned up", "fast:1 at 0.100 s", "fast:2 at 0.200 s",
            "slow:1 at 0.250 s", "fast:3 at 0.300 s", "fast:4 at 0.400 s",
            "slow:2 at 0.500 s", "took endless:1", "took endless:2",
            "stopping early", "endless: cleaned up"});
}

TEST_CASE("example 20: each request's id reaches its nested tasks and its "
          "timers, and lookups arrive in completion order with the failure "
          "counted",
          "[examples][context_var]") {
  auto r =
      run_program({example("20_context_var"), "--actio-virtual-time"}, 30s);
  REQUIRE(r.exit_code == 0);
  CHECK(lines(r.out) == std::vector<std::string>{
                            "0.000 [req-1] start",
                            "0.000 [req-2] start",
                            "0.000 [req-3] start",
                            "0.040 [req-2] query users done",
                            "0.070 [req-3] query users done",
                            "0.080 [req-2] query orders done",
                            "0.080 [req-2] done, 11 rows",
                            "0.100 [req-1] query users done",
                            "0.140 [req-3] query orders done",
                            "0.140 [req-3] done, 11 rows",
                            "0.150 [req-1] slow-request warning",
                            "0.150 [req-2] slow-request warning",
                            "0.150 [req-3] slow-request warning",
                            "0.200 [req-1] query orders done",
                            "0.200 [req-1] done, 11 rows",
                            "0.200 [-] all requests done",
                            "0.210 [-] failed: bad.invalid: no such host",
                            "0.220 [-] actio.dev -> 192.0.2.9",
                            "0.230 [-] example.org -> 192.0.2.11",
                            "0.230 [-] 1 of 3 lookups failed",
                        });
}

TEST_CASE("example 21: the task tree at 0.1 s shows who awaits the gather, "
          "the sleep and the lock, and the blocking task is named",
          "[examples][task_dump]") {
  auto r = run_program({example("21_task_tree"), "--actio-virtual-time"}, 30s);
  REQUIRE(r.exit_code == 0);
  auto out = lines(r.out);
  INFO(r.out);
  REQUIRE(out.size() == 6);
  CHECK(out[0] == "-- the task tree at 0.1 s --");
  CHECK(out[1] == "3 live tasks at 0.100 s");
  CHECK(std::regex_match(
      out[2],
      std::regex{
          R"(#\d+ 'coordinator' coordinator\(\) suspended 0\.100 s: gather, 2 )"
          R"(pending at examples/21_task_tree\.cpp:\d+ )"
          R"(\(age 0\.100 s\))"}));
  CHECK(std::regex_match(
      out[3],
      std::regex{
          R"(  #\d+ 'worker a' worker\(\) suspended 0\.100 s: sleep, due )"
          R"(in 0\.100 s at examples/21_task_tree\.cpp:\d+ )"
          R"(\(age 0\.100 s\))"}));
  CHECK(std::regex_match(
      out[4],
      std::regex{R"(  #\d+ 'worker b' worker\(\) suspended 0\.100 s: lock )"
                 R"(0x[0-9a-f]+ at examples/21_task_tree\.cpp:\d+ )"
                 R"(\(age 0\.100 s\))"}));
  CHECK(out[5] == "-- 3 pages fetched --");
  CHECK(std::regex_search(
      r.err, std::regex{R"(actio: slow step: task 'careless' \(id \d+\) held )"
                        R"(a scheduler thread for \d+ ms, from its start to )"
                        R"(its end)"}));
}
