// SPDX-License-Identifier: Apache-2.0
// close() sends what was written before it (asyncio's transport.close());
// abort() does not; a stream whose last copy goes, and a handler that just
// returns, close like close(); a server's close aborts what still lingers.
#include "actio/net/stream.hpp"

#include "actio/actio.hpp"
#include "support/time_limit.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <cstddef>
#include <memory>
#include <string>

using namespace std::chrono_literals;
using actio::test::real_time;
using actio::test::time_limit;

namespace {

/// `n` bytes whose content depends on the position, so a gap shows.
std::string pattern(std::size_t n) {
  std::string out(n, '\0');
  for (std::size_t i = 0; i < n; ++i)
    out[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return out;
}

actio::server serve(actio::runtime& rt, actio::connection_handler h) {
  return rt.run_until_complete(
      actio::start_server("127.0.0.1", 0, std::move(h)));
}

/// Everything the peer on `port` sends until EOF, or what arrived before
/// the connection broke.
actio::task<std::string> receive_all(std::uint16_t port) {
  auto s = co_await actio::open_connection("127.0.0.1", port);
  std::string got;
  try {
    for (;;) {
      auto piece = co_await s.read_some(1 << 20);
      if (piece.empty())
        break;
      got += piece;
    }
  } catch (const actio::net_error&) {
  }
  co_return got;
}

} // namespace

TEST_CASE("a handler that writes and returns without drain delivers "
          "everything it wrote",
          "[stream][close]") {
  time_limit limit{30s, "handler returns without drain"};
  actio::runtime rt{real_time()};
  const auto data = pattern(4 << 20);
  auto srv = serve(rt, [&data](actio::stream s) -> actio::task<> {
    for (std::size_t at = 0; at < data.size(); at += 64 * 1024)
      s.write(data.substr(at, 64 * 1024));
    co_return; // no drain, no close
  });
  auto got = rt.run_until_complete(rt.create_task(receive_all, srv.port()));
  CHECK(got.size() == data.size());
  CHECK(got == data);
}

TEST_CASE("close() right after write sends the data before the FIN, and the "
          "last copy going does the same",
          "[stream][close]") {
  time_limit limit{30s, "close after write"};
  actio::runtime rt{real_time()};
  const auto data = pattern(2 << 20);
  auto received = std::make_shared<actio::promise<std::string>>();
  auto got = received->get_future();
  auto srv = serve(rt, [received](actio::stream s) -> actio::task<> {
    received->set_value(co_await s.read_all());
  });
  bool explicit_close = GENERATE(true, false);
  INFO((explicit_close ? "close()" : "last copy destroyed"));
  rt.run_until_complete(rt.create_task(
      [](std::uint16_t port, const std::string* d,
         bool close) -> actio::task<> {
        auto s = co_await actio::open_connection("127.0.0.1", port);
        s.write(*d);
        if (close)
          s.close();
      },
      srv.port(), &data, explicit_close));
  auto text = rt.run_until_complete(got);
  CHECK(text.size() == data.size());
  CHECK(text == data);
}

TEST_CASE("abort() discards what is not sent yet and ends the connection",
          "[stream][close]") {
  time_limit limit{30s, "abort"};
  actio::runtime rt{real_time()};
  const std::size_t size = 64 << 20;
  auto srv = serve(rt, [size](actio::stream s) -> actio::task<> {
    s.write(std::string(size, 'x'));
    s.abort();
    co_return;
  });
  auto got = rt.run_until_complete(rt.create_task(receive_all, srv.port()));
  // The kernel's buffers on loopback hold a few MB, not 64.
  CHECK(got.size() < size);
}

TEST_CASE("closing a server aborts a client still receiving what its ended "
          "handler wrote",
          "[stream][close][shutdown]") {
  time_limit limit{30s, "server close with lingering data"};
  actio::runtime rt{real_time()};
  auto ended = std::make_shared<actio::promise<actio::none>>();
  auto handler_ended = ended->get_future();
  const std::size_t size = 64 << 20;
  auto srv = serve(rt, [ended, size](actio::stream s) -> actio::task<> {
    s.write(std::string(size, 'y'));
    ended->set_value(actio::none{});
    co_return;
  });
  auto client =
      rt.run_until_complete(actio::open_connection("127.0.0.1", srv.port()));
  rt.run_until_complete(
      handler_ended); // lingering now: the client reads nothing
  rt.run_until_complete(srv.close());
  auto rest = rt.create_task(
      [](actio::stream s) -> actio::task<std::size_t> {
        std::size_t n = 0;
        try {
          for (;;) {
            auto piece = co_await s.read_some(1 << 20);
            if (piece.empty())
              break;
            n += piece.size();
          }
        } catch (const actio::net_error&) {
        }
        co_return n;
      },
      client);
  CHECK(rt.run_until_complete(rest) < size);
}
