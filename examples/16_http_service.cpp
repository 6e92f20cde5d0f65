// SPDX-License-Identifier: Apache-2.0
// Example 12's message-driven service over HTTP: every request becomes a
// message to a pool of CAF worker actors, through one CAF actor per
// connection that the HTTP server makes (actio::http_server's
// actor_factory form).
//
//   GET /primes?n=N   -> 200 "<how many primes are <= N>"   (CPU work)
//   GET /sleep?ms=M   -> 200 "slept M"          (waits, holds no thread)
//   anything else     -> 404; a bad argument -> 400
//
//   16_http_service [--host H] [--port P] [--workers W] [--log]
//   16_http_service --self-test [--requests N] [--connections C]
//
// The service runs until SIGINT/SIGTERM, then shuts down gracefully
// (refuses new clients, finishes requests in flight, closes). --log prints
// each request's method and target as it arrives. --self-test
// starts it, sends N requests over C keep-alive connections (actio
// streams speaking HTTP/1.1 by hand), checks every answer, checks a 404
// and a 400, shuts the service down and exits 0 if all was right.
#include <actio/actio.hpp>
#include <actio/http_server/server.hpp>

#include "worker_pool.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <charconv>
#include <cstdio>
#include <deque>
#include <iostream>
#include <string>
#include <unordered_map>
#include <vector>

using namespace std::chrono_literals;
namespace hs = actio::http_server;

namespace {

// ---- the work: worker_pool.hpp, as in example 12 -----------------------

using namespace example_pool;

// ---- the HTTP front -------------------------------------------------------

/// The value of `name` in a query string, or nothing.
std::optional<std::int64_t> query_number(std::string_view query,
                                         std::string_view name) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
      auto v = pair.substr(eq + 1);
      std::int64_t n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc{} || end != v.data() + v.size() || n < 0)
        return std::nullopt;
      return n;
    }
    if (amp == std::string_view::npos)
      break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

/// The actor serving one HTTP connection: turns each request into a job
/// for the pool and answers with its result.
hs::actor_factory front(caf::actor workers, bool log) {
  return [workers, log](caf::event_based_actor* self) -> caf::behavior {
    return {
        [self, workers, log](hs::request& r) -> caf::result<hs::response> {
          if (log) {
            std::printf("%s %s\n", r.method.c_str(), r.target.c_str());
            std::fflush(stdout);
          }
          std::string op;
          std::int64_t limit = 0;
          if (r.path() == "/primes") {
            op = "primes";
            limit = 50'000'000;
          } else if (r.path() == "/sleep") {
            op = "sleep";
            limit = 10'000;
          } else {
            return hs::response::text(404, "no such resource\n");
          }
          auto arg = query_number(r.query(), op == "primes" ? "n" : "ms");
          if (!arg || *arg > limit)
            return hs::response::text(
                400, op == "primes" ? "want /primes?n=N, N <= 50000000\n"
                                    : "want /sleep?ms=M, M <= 10000\n");
          auto rp = self->make_response_promise();
          self->request(workers, caf::infinite, work_atom::value, op, *arg)
              .then(
                  [rp](std::string& result) mutable {
                    rp.deliver(hs::response::text(200, result));
                  },
                  [rp](caf::error& e) mutable {
                    rp.deliver(hs::response::text(500, to_string(e)));
                  });
          return caf::delegated<hs::response>{};
        },
    };
  };
}

// ---- the self-test client --------------------------------------------------

/// One HTTP/1.1 exchange on a keep-alive stream: status and body.
actio::task<std::pair<int, std::string>> fetch(actio::stream s,
                                               std::string target) {
  s.write("GET " + target + " HTTP/1.1\r\nHost: self-test\r\n\r\n");
  auto head = co_await s.read_until("\r\n\r\n");
  int status = std::stoi(head.substr(9, 3));
  auto at = head.find("Content-Length: ");
  std::size_t length =
      at == std::string::npos ? 0 : std::stoul(head.substr(at + 16));
  // (one co_await per statement: GCC 12 miscompiles some temporaries
  // around a co_await inside a larger expression)
  auto body = co_await s.read_exactly(length);
  co_return std::pair<int, std::string>{status, std::move(body)};
}

/// Sends `count` requests on one connection, alternating primes and
/// sleeps; returns how many answers were right.
actio::task<int> client(std::uint16_t port, int first, int count) {
  auto s = co_await actio::open_connection("127.0.0.1", port);
  int ok = 0;
  for (int i = first; i < first + count; ++i) {
    bool primes = i % 2 == 1;
    std::int64_t arg = primes ? 20'000 + 97 * i : 5;
    auto expected = primes ? std::to_string(count_primes(arg))
                           : "slept " + std::to_string(arg);
    std::string target =
        primes ? "/primes?n=" + std::to_string(arg) : "/sleep?ms=5";
    auto answer = co_await fetch(s, target);
    if (answer.first == 200 && answer.second == expected)
      ++ok;
    else
      std::cerr << "wrong answer " << answer.first << " " << answer.second
                << "\n";
  }
  auto missing = co_await fetch(s, "/nothing");
  auto bad = co_await fetch(s, "/primes?n=minus");
  if (missing.first == 404 && bad.first == 400)
    ++ok;
  s.close();
  co_return ok;
}

struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int workers = 4;
  bool self_test = false;
  bool log = false;
  int requests = 400;
  int connections = 8;
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
    else if (a == "--self-test")
      o.self_test = true;
    else if (a == "--log")
      o.log = true;
    else if (a == "--requests")
      o.requests = std::stoi(value());
    else if (a == "--connections")
      o.connections = std::stoi(value());
    else if (a.rfind("--actio-", 0) != 0)
      throw std::invalid_argument("unknown option " + a);
  }
  if (o.workers < 1 || o.connections < 1 || o.requests < o.connections)
    throw std::invalid_argument("--workers and --connections must be at "
                                "least 1, --requests at least --connections");
  return o;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "16_http_service: " << e.what() << "\n";
    return 2;
  }
  actio::runtime rt{argc, argv};
  auto workers = rt.system().spawn(pool, o.workers);
  hs::server srv;
  try {
    srv = rt.run_until_complete(hs::start_server(
        o.host, o.port, front(workers, o.log), hs::server_options{}));
  } catch (const actio::net_error& e) {
    std::cerr << "16_http_service: " << e.what() << "\n";
    return 1;
  }
  std::printf("listening on %s:%u (http, %d workers)\n", o.host.c_str(),
              srv.port(), o.workers);
  std::fflush(stdout);
  int code = 0;
  if (o.self_test) {
    std::vector<actio::future<int>> clients;
    int per = o.requests / o.connections;
    for (int c = 0; c < o.connections; ++c) {
      int count = c + 1 == o.connections ? o.requests - per * c : per;
      clients.push_back(rt.create_task(client, srv.port(), per * c, count));
    }
    int ok = 0;
    for (int n : rt.run_until_complete(actio::gather(clients)))
      ok += n;
    // each connection also checked a 404 and a 400 (one point each)
    std::printf("self-test: %d requests over %d connections, %d answered "
                "correctly, 404 and 400 right on %d of %d connections\n",
                o.requests, o.connections, ok - o.connections, o.connections,
                o.connections);
    code = ok == o.requests + o.connections ? 0 : 1;
  } else {
    try {
      rt.run_forever();
    } catch (const actio::keyboard_interrupt&) {
    }
    std::printf("shutting down: refusing new clients, finishing %zu "
                "connection(s)\n",
                srv.active_connections());
    std::fflush(stdout);
  }
  rt.run_until_complete(srv.shutdown(10s));
  std::printf("served %zu responses\n", srv.responses());
  caf::anon_send_exit(workers, caf::exit_reason::user_shutdown);
  return code;
}
