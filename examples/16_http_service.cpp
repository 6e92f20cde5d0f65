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

// ---- the work (as in example 12) ----------------------------------------

using work_atom = caf::atom_constant<caf::atom("work")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;

std::int64_t count_primes(std::int64_t n) {
  if (n < 2)
    return 0;
  std::vector<bool> composite(static_cast<std::size_t>(n) + 1);
  std::int64_t count = 0;
  for (std::int64_t i = 2; i <= n; ++i) {
    if (composite[static_cast<std::size_t>(i)])
      continue;
    ++count;
    for (std::int64_t j = i * i; j <= n; j += i)
      composite[static_cast<std::size_t>(j)] = true;
  }
  return count;
}

struct worker_state {
  std::uint64_t next = 0;
  std::unordered_map<std::uint64_t,
                     std::pair<caf::response_promise, std::int64_t>>
      sleeping;
};

/// Answers one job; `sleep` replies later through a delayed message.
caf::behavior worker(caf::stateful_actor<worker_state>* self) {
  return {
      [self](work_atom, const std::string& op,
             std::int64_t arg) -> caf::result<std::string> {
        if (op == "primes")
          return std::to_string(count_primes(arg));
        auto key = self->state.next++;
        self->state.sleeping.emplace(
            key, std::make_pair(self->make_response_promise(), arg));
        self->delayed_send(self, std::chrono::milliseconds(arg),
                           wake_atom::value, key);
        return caf::delegated<std::string>{};
      },
      [self](wake_atom, std::uint64_t key) {
        auto it = self->state.sleeping.find(key);
        auto [rp, ms] = std::move(it->second);
        self->state.sleeping.erase(it);
        rp.deliver("slept " + std::to_string(ms));
      },
  };
}

struct job {
  std::string op;
  std::int64_t arg;
  caf::response_promise reply;
};

struct pool_state {
  std::vector<caf::actor> idle;
  std::deque<job> waiting;
};

using pool_actor = caf::stateful_actor<pool_state>;

void dispatch(pool_actor* self) {
  auto& st = self->state;
  while (!st.idle.empty() && !st.waiting.empty()) {
    auto w = st.idle.back();
    st.idle.pop_back();
    auto j = std::move(st.waiting.front());
    st.waiting.pop_front();
    auto reply = j.reply;
    self->request(w, caf::infinite, work_atom::value, j.op, j.arg)
        .then(
            [self, w, reply](std::string& result) mutable {
              reply.deliver(std::move(result));
              self->state.idle.push_back(w);
              dispatch(self);
            },
            [self, w, reply](caf::error& e) mutable {
              reply.deliver(std::move(e));
              self->state.idle.push_back(w);
              dispatch(self);
            });
  }
}

/// `workers` worker actors behind one address; jobs wait here in order.
caf::behavior pool(pool_actor* self, int workers) {
  for (int i = 0; i < workers; ++i)
    self->state.idle.push_back(self->spawn<caf::linked>(worker));
  return {
      [self](work_atom, std::string op,
             std::int64_t arg) -> caf::result<std::string> {
        auto rp = self->make_response_promise();
        self->state.waiting.push_back(job{std::move(op), arg, rp});
        dispatch(self);
        return caf::delegated<std::string>{};
      },
  };
}

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
