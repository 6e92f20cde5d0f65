// SPDX-License-Identifier: Apache-2.0
// A message-driven service: a TCP front end where every request line
// becomes a message to a pool of CAF worker actors.
//
//   request:  <id> <op> <arg>\n      op: primes N (count primes <= N, CPU)
//                                        sleep MS (busy MS ms, no thread held)
//   response: <id> <result>\n   or   <id> error: <why>\n  (the connection
//             stays usable after a malformed request; a line over 4096
//             bytes gets "? error: ..." and the connection is closed)
//
// Backpressure: at most --max-in-flight requests are read and not yet
// answered, over all connections; a connection reads its next request only
// after taking a permit from an actio::semaphore, so while the workers are
// saturated the front end stops reading and clients queue in their sockets.
// SIGTERM/SIGINT: stop accepting (new clients are refused), stop reading,
// answer every request already read, close, print a summary, exit 0.
//
//   12_request_service [--host H] [--port P] [--workers W] [--max-in-flight M]
//   12_request_service --client N [--connections C] [--sleep-ms MS] --port P
//
// --client is the load generator (run it as a second process): N requests
// over C connections, all sent at once, each response checked against its
// request; exit 0 if none was wrong (unanswered ones are allowed only
// if the server closed the connection, as at its shutdown).
#include <actio/actio.hpp>
#include <actio/caf/interop.hpp>
#include <actio/sync/semaphore.hpp>

#include "worker_pool.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <deque>
#include <iostream>
#include <map>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

using namespace std::chrono_literals;

namespace {

// ---- the work: worker_pool.hpp ---------------------------------------

using namespace example_pool;

/// The answer the service gives to a well-formed request.
std::string expected_result(const std::string& op, std::int64_t arg) {
  return op == "primes" ? std::to_string(count_primes(arg))
                        : "slept " + std::to_string(arg);
}

// ---- the front end --------------------------------------------------------

/// A parsed request line, or why it is not one.
struct request {
  std::string id = "?";
  std::string op;
  std::int64_t arg = 0;
  std::string error; // empty if well-formed
};

request parse_request(const std::string& line) {
  request r;
  auto text = line.substr(0, line.find_last_not_of("\r\n") + 1);
  std::vector<std::string> words;
  for (std::size_t pos = 0; pos < text.size();) {
    auto end = text.find(' ', pos);
    if (end == std::string::npos)
      end = text.size();
    if (end > pos)
      words.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  if (!words.empty())
    r.id = words[0];
  if (words.size() != 3) {
    r.error = "expected '<id> <op> <arg>'";
    return r;
  }
  r.op = words[1];
  auto [end, ec] = std::from_chars(words[2].data(),
                                   words[2].data() + words[2].size(), r.arg);
  if (ec != std::errc{} || end != words[2].data() + words[2].size() ||
      r.arg < 0)
    r.error = "argument '" + words[2] + "' is not a non-negative integer";
  else if (r.op == "primes" && r.arg > 50'000'000)
    r.error = "primes takes N <= 50000000";
  else if (r.op == "sleep" && r.arg > 10'000)
    r.error = "sleep takes MS <= 10000";
  else if (r.op != "primes" && r.op != "sleep")
    r.error = "unknown op '" + r.op + "' (primes N, sleep MS)";
  return r;
}

/// The longest request line the front end reads.
constexpr std::size_t max_request_bytes = 4096;

/// What the front end counts (read by main for the summary).
struct service_stats {
  std::atomic<long> read{0};          // request lines read
  std::atomic<long> answered{0};      // responses handed to the socket
  std::atomic<long> malformed{0};     // of which error lines
  std::atomic<long> in_flight{0};     // read and not yet answered
  std::atomic<long> max_in_flight{0}; // the most at any time
  std::atomic<long> paused{0};        // reads that waited for a permit
};

struct service {
  caf::actor pool;
  actio::semaphore permits;
  long limit;
  actio::promise<std::string> stop; // set at shutdown
  actio::future<std::string> stopped = stop.get_future();
  service_stats stats;
};

/// Answers one request (its permit is released when this task ends).
actio::task<> answer(std::shared_ptr<service> svc, actio::stream s,
                     actio::semaphore::permit permit, request r) {
  std::string out;
  if (!r.error.empty()) {
    out = r.id + " error: " + r.error + "\n";
    ++svc->stats.malformed;
  } else {
    try {
      out = r.id + " " +
            co_await actio::request<std::string>(
                svc->pool, 60s, work_atom::value, r.op, r.arg) +
            "\n";
    } catch (const std::exception& e) {
      out = r.id + " error: " + e.what() + "\n";
    }
  }
  s.write(std::move(out));
  try {
    co_await actio::wait_for(s.drain(), 10s);
  } catch (const actio::net_error&) { // the client went away
  } catch (const actio::timeout_error&) {
    s.close(); // it does not read its answers: free the permit anyway
  }
  ++svc->stats.answered;
  --svc->stats.in_flight;
  permit.release();
}

/// One connection: take a permit, read a request, hand it on, repeat;
/// at EOF or shutdown, wait for this connection's answers, then end.
actio::task<> serve_connection(std::shared_ptr<service> svc, actio::stream s) {
  std::vector<actio::future<actio::none>> answers;
  for (;;) {
    if (svc->stats.in_flight.load() >= svc->limit)
      ++svc->stats.paused; // saturated: this connection stops reading
    auto permit = co_await svc->permits.acquire();
    if (svc->stopped.done())
      break;
    auto line = s.read_until("\n", max_request_bytes);
    std::vector<actio::future<std::string>> either;
    either.push_back(line);
    either.push_back(svc->stopped);
    co_await actio::wait(either, actio::return_when::first_completed);
    if (!line.done()) { // shutdown: stop reading (no byte is lost)
      line.cancel();
      break;
    }
    std::string text;
    bool too_long = false;
    try {
      text = line.result();
    } catch (const actio::net_error& e) { // EOF, mid-line too, or reset
      too_long = e.code() == actio::net_errc::limit_overrun;
      if (!too_long)
        break;
    }
    if (too_long) { // no way to find the next request: say so and hang up
      s.write("? error: request longer than " +
              std::to_string(max_request_bytes) + " bytes\n");
      co_await s.drain();
      break;
    }
    ++svc->stats.read;
    auto now = ++svc->stats.in_flight;
    for (auto seen = svc->stats.max_in_flight.load();
         now > seen &&
         !svc->stats.max_in_flight.compare_exchange_weak(seen, now);) {
    }
    std::erase_if(answers, [](auto& f) { return f.done(); });
    answers.push_back(actio::create_task(answer, svc, s, std::move(permit),
                                         parse_request(text)));
  }
  for (auto& a : answers)
    co_await a;
}

// ---- the load generator (--client) ---------------------------------------

struct client_totals {
  long sent = 0, ok = 0, wrong = 0, unanswered = 0;
};

/// One client connection: sends its requests at once, then checks every
/// response against the request with its id.
actio::task<client_totals> load(std::string host, std::uint16_t port, int first,
                                int count, int sleep_ms) {
  auto s = co_await actio::open_connection(host, port);
  std::map<std::string, std::string> expect;
  std::string batch;
  for (int i = first; i < first + count; ++i) {
    auto op = i % 2 == 0 ? std::string{"sleep"} : std::string{"primes"};
    std::int64_t arg = op == "sleep" ? sleep_ms : 20'000 + 97 * i;
    auto id = "r" + std::to_string(i);
    expect[id] = expected_result(op, arg);
    batch += id + " " + op + " " + std::to_string(arg) + "\n";
  }
  s.write(batch);
  co_await s.drain();
  std::printf("client: sent %d requests (r%d...) on one connection\n", count,
              first);
  std::fflush(stdout);
  client_totals t;
  t.sent = count;
  while (!expect.empty()) {
    std::string line;
    try {
      line = co_await s.read_line();
    } catch (const actio::net_error&) {
    }
    if (line.empty())
      break; // the server closed (shutdown)
    auto space = line.find(' ');
    auto id = line.substr(0, space);
    auto result = line.substr(space + 1, line.size() - space - 2);
    auto it = expect.find(id);
    if (it != expect.end() && it->second == result) {
      ++t.ok;
      expect.erase(it);
    } else {
      ++t.wrong;
      std::cerr << "wrong response: " << line;
    }
  }
  t.unanswered = static_cast<long>(expect.size());
  co_return t;
}

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int workers = 4;
  long max_in_flight = 16;
  int client = 0;
  int connections = 4;
  int sleep_ms = 5;
};

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc)
        throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--host")
      o.host = value();
    else if (a == "--port")
      o.port = static_cast<std::uint16_t>(std::stoi(value()));
    else if (a == "--workers")
      o.workers = std::stoi(value());
    else if (a == "--max-in-flight")
      o.max_in_flight = std::stol(value());
    else if (a == "--client")
      o.client = std::stoi(value());
    else if (a == "--connections")
      o.connections = std::stoi(value());
    else if (a == "--sleep-ms")
      o.sleep_ms = std::stoi(value());
    else if (a.rfind("--actio-", 0) != 0)
      throw std::invalid_argument("unknown option " + a);
  }
  if (o.workers < 1 || o.max_in_flight < 1 || o.connections < 1)
    throw std::invalid_argument("--workers, --max-in-flight and "
                                "--connections must be at least 1");
  return o;
}

int run_client(actio::runtime& rt, const options& o) {
  std::vector<actio::future<client_totals>> conns;
  int per = o.client / o.connections;
  for (int c = 0; c < o.connections; ++c) {
    int count = c + 1 == o.connections ? o.client - per * c : per;
    conns.push_back(
        rt.create_task(load, o.host, o.port, per * c, count, o.sleep_ms));
  }
  client_totals all;
  for (auto& t : rt.run_until_complete(actio::gather(conns))) {
    all.sent += t.sent;
    all.ok += t.ok;
    all.wrong += t.wrong;
    all.unanswered += t.unanswered;
  }
  std::printf("client: %ld sent, %ld answered correctly, %ld wrong, %ld "
              "unanswered\n",
              all.sent, all.ok, all.wrong, all.unanswered);
  return all.wrong == 0 ? 0 : 1;
}

int run_service(actio::runtime& rt, const options& o) {
  auto svc = std::make_shared<service>();
  svc->pool = rt.system().spawn(pool, o.workers);
  svc->permits =
      actio::semaphore{rt, static_cast<std::size_t>(o.max_in_flight)};
  svc->limit = o.max_in_flight;
  auto srv = rt.run_until_complete(
      actio::start_server(o.host, o.port, [svc](actio::stream s) {
        return serve_connection(svc, s);
      }));
  std::printf("listening on %s:%u (%d workers, at most %ld in flight)\n",
              o.host.c_str(), srv.port(), o.workers, o.max_in_flight);
  std::fflush(stdout);
  try {
    rt.run_forever();
  } catch (const actio::keyboard_interrupt&) {
  }
  rt.run_until_complete(srv.stop_accepting());
  std::printf("shutting down: refusing new connections, answering %ld "
              "requests in flight\n",
              svc->stats.in_flight.load());
  std::fflush(stdout);
  svc->stop.set_value("stop");
  while (srv.active_connections() > 0)
    std::this_thread::sleep_for(10ms);
  auto& st = svc->stats;
  std::printf("served %ld connections: read %ld requests, answered %ld "
              "(%ld malformed), most in flight %ld (limit %ld), reads paused "
              "%ld times\n",
              static_cast<long>(srv.accepted()), st.read.load(),
              st.answered.load(), st.malformed.load(), st.max_in_flight.load(),
              o.max_in_flight, st.paused.load());
  caf::anon_send_exit(svc->pool, caf::exit_reason::user_shutdown);
  return st.read.load() == st.answered.load() ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "12_request_service: " << e.what() << "\n";
    return 2;
  }
  actio::runtime rt{argc, argv};
  try {
    return o.client > 0 ? run_client(rt, o) : run_service(rt, o);
  } catch (const actio::net_error& e) {
    std::cerr << "12_request_service: " << e.what() << "\n";
    return 1;
  }
}
