// SPDX-License-Identifier: Apache-2.0
#include "actio/net/tls.hpp"

#include "actio/actio.hpp"
#include "support/eventually.hpp"
#include "support/time_limit.hpp"
#include "support/tls_self_signed.hpp"
#include "support/virtual_runtime.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using actio::test::real_time;
using actio::test::time_limit;
using actio::test::tls_self_signed;

namespace {

/// Echoes every line back until EOF.
actio::task<> echo_lines(actio::stream s) {
  for (;;) {
    auto line = co_await s.read_line();
    if (line.empty())
      break;
    s.write(line);
    co_await s.drain();
  }
}

actio::server_options tls_server(const tls_self_signed& cert) {
  actio::server_options o;
  o.tls.cert_file = cert.cert_file;
  o.tls.key_file = cert.key_file;
  return o;
}

actio::connect_options tls_client(std::string ca_file = {}) {
  actio::connect_options o;
  o.timeout = 5s;
  o.tls.enabled = true;
  o.tls.ca_file = std::move(ca_file);
  return o;
}

actio::server serve(actio::runtime& rt, actio::connection_handler h,
                    actio::server_options o) {
  return rt.run_until_complete(
      actio::start_server("127.0.0.1", 0, std::move(h), std::move(o)));
}

/// Connects with `o` and returns the error, or "" if it connected.
std::string connect_error(actio::runtime& rt, std::uint16_t port,
                          actio::connect_options o,
                          actio::net_errc* code = nullptr) {
  try {
    rt.run_until_complete(
        actio::open_connection("127.0.0.1", port, std::move(o)));
  } catch (const actio::net_error& e) {
    if (code != nullptr)
      *code = e.code();
    return e.what();
  }
  return "";
}

/// One line there and back over TLS, then EOF both ways.
actio::task<std::vector<std::string>>
echo_round_trip(std::uint16_t port, actio::connect_options o) {
  auto s = co_await actio::open_connection("127.0.0.1", port, std::move(o));
  std::vector<std::string> got;
  s.write("over tls\n");
  got.push_back(co_await s.read_line());
  s.write_eof(); // close_notify: the server reads EOF and ends
  got.push_back(co_await s.read_line());
  co_return got;
}

} // namespace

TEST_CASE("a TLS client rejects a self-signed server by default, naming the "
          "reason",
          "[net][tls]") {
  time_limit limit{20s, "tls default trust"};
  tls_self_signed cert;
  actio::runtime rt{real_time()};
  auto srv = serve(rt, echo_lines, tls_server(cert));
  actio::net_errc code{};
  auto what = connect_error(rt, srv.port(), tls_client(), &code);
  CHECK(code == actio::net_errc::tls_failed);
  CHECK_THAT(what,
             Catch::Contains("certificate verify failed") &&
                 Catch::Contains("self-signed certificate") &&
                 Catch::Contains("127.0.0.1:" + std::to_string(srv.port())));
}

TEST_CASE("a TLS client given the CA talks line by line and both sides see "
          "EOF",
          "[net][tls]") {
  time_limit limit{20s, "tls with ca"};
  tls_self_signed cert;
  actio::runtime rt{real_time()};
  auto srv = serve(rt, echo_lines, tls_server(cert));
  auto got = rt.run_until_complete(
      rt.create_task(echo_round_trip, srv.port(), tls_client(cert.cert_file)));
  CHECK(got == std::vector<std::string>{"over tls\n", ""});
  CHECK(srv.tls_handshake_failures() == 0);
}

TEST_CASE("the name checked can be localhost (SNI) or an IP address",
          "[net][tls]") {
  time_limit limit{20s, "tls names"};
  tls_self_signed cert;
  actio::runtime rt{real_time()};
  auto srv = serve(rt, echo_lines, tls_server(cert));
  auto by_name = tls_client(cert.cert_file);
  by_name.tls.server_name = "localhost";
  CHECK(connect_error(rt, srv.port(), by_name).empty());
  CHECK(connect_error(rt, srv.port(), tls_client(cert.cert_file)).empty());
}

TEST_CASE("a TLS client rejects a certificate for another host name",
          "[net][tls]") {
  time_limit limit{20s, "tls mismatch"};
  tls_self_signed cert;
  actio::runtime rt{real_time()};
  auto srv = serve(rt, echo_lines, tls_server(cert));
  SECTION("a DNS name") {
    auto o = tls_client(cert.cert_file);
    o.tls.server_name = "wrong.example";
    actio::net_errc code{};
    CHECK_THAT(connect_error(rt, srv.port(), o, &code),
               Catch::Contains("hostname mismatch"));
    CHECK(code == actio::net_errc::tls_failed);
  }
  SECTION("an IP address") {
    auto o = tls_client(cert.cert_file);
    o.tls.server_name = "127.0.0.9";
    CHECK_THAT(connect_error(rt, srv.port(), o),
               Catch::Contains("IP address mismatch"));
  }
}

TEST_CASE("with verification off any certificate is accepted", "[net][tls]") {
  time_limit limit{20s, "tls verify off"};
  tls_self_signed cert;
  actio::runtime rt{real_time()};
  auto srv = serve(rt, echo_lines, tls_server(cert));
  auto o = tls_client();
  o.tls.verify = false;
  o.tls.server_name = "wrong.example";
  auto got =
      rt.run_until_complete(rt.create_task(echo_round_trip, srv.port(), o));
  CHECK(got == std::vector<std::string>{"over tls\n", ""});
}

TEST_CASE("a megabyte goes through TLS in both directions intact",
          "[net][tls]") {
  time_limit limit{30s, "tls bulk"};
  tls_self_signed cert;
  actio::runtime rt{real_time()};
  auto srv = serve(
      rt,
      [](actio::stream s) -> actio::task<> {
        auto all = co_await s.read_all();
        s.write(all);
        co_await s.drain();
      },
      tls_server(cert));
  std::string payload;
  for (int i = 0; payload.size() < 1024 * 1024; ++i)
    payload += std::to_string(i) + ",";
  auto client = rt.create_task(
      [](std::uint16_t port, actio::connect_options o,
         std::string data) -> actio::task<std::string> {
        auto s =
            co_await actio::open_connection("127.0.0.1", port, std::move(o));
        s.write(data);
        co_await s.drain();
        s.write_eof();
        co_return co_await s.read_all();
      },
      srv.port(), tls_client(cert.cert_file), payload);
  CHECK(rt.run_until_complete(client) == payload);
}

TEST_CASE("a plaintext client of a TLS server fails cleanly and the server "
          "goes on",
          "[net][tls]") {
  time_limit limit{20s, "plaintext to tls"};
  tls_self_signed cert;
  actio::runtime rt{real_time()};
  auto srv = serve(rt, echo_lines, tls_server(cert));
  auto plain = rt.create_task(
      [](std::uint16_t port) -> actio::task<std::string> {
        auto s = co_await actio::open_connection("127.0.0.1", port);
        s.write("GET / HTTP/1.0\r\n\r\n");
        try {
          co_return "read: " + co_await s.read_all();
        } catch (const actio::net_error& e) {
          co_return std::string{"error: "} + e.what();
        }
      },
      srv.port());
  auto outcome = rt.run_until_complete(plain);
  // the server drops it: EOF, or a reset if our bytes were still unread
  bool clean = outcome.rfind("read: ", 0) == 0 ||
               outcome.find("reset") != std::string::npos;
  CHECK(clean);
  CHECK(outcome.find("over tls") == std::string::npos);
  CHECK(srv.tls_handshake_failures() == 1);
  auto got = rt.run_until_complete(
      rt.create_task(echo_round_trip, srv.port(), tls_client(cert.cert_file)));
  CHECK(got == std::vector<std::string>{"over tls\n", ""});
}

TEST_CASE("a TLS client of a plaintext server fails with tls_failed",
          "[net][tls]") {
  time_limit limit{20s, "tls to plaintext"};
  actio::runtime rt{real_time()};
  auto srv = rt.run_until_complete(
      actio::start_server("127.0.0.1", 0, [](actio::stream s) -> actio::task<> {
        s.write("220 plain text greeting\r\n");
        co_await s.drain();
        co_await s.read_some();
      }));
  actio::net_errc code{};
  auto what = connect_error(rt, srv.port(), tls_client(), &code);
  CHECK(code == actio::net_errc::tls_failed);
  CHECK_THAT(what, Catch::Contains("TLS handshake with 127.0.0.1"));
}

TEST_CASE("a server that never answers the handshake hits the connect "
          "timeout",
          "[net][tls]") {
  time_limit limit{20s, "tls handshake timeout"};
  actio::runtime rt{real_time()};
  auto srv = rt.run_until_complete(
      actio::start_server("127.0.0.1", 0, [](actio::stream s) -> actio::task<> {
        co_await s.read_all(); // never says a word
      }));
  auto o = tls_client();
  o.timeout = 200ms;
  actio::net_errc code{};
  auto what = connect_error(rt, srv.port(), o, &code);
  CHECK(code == actio::net_errc::timeout);
  CHECK_THAT(what, Catch::Contains("timed out in the TLS handshake"));
}

TEST_CASE("a client that never starts the handshake is dropped after the "
          "server's handshake timeout",
          "[net][tls]") {
  time_limit limit{20s, "server handshake timeout"};
  tls_self_signed cert;
  actio::runtime rt{real_time()};
  auto o = tls_server(cert);
  o.tls.handshake_timeout = 200ms;
  o.max_connections = 1;
  auto srv = serve(rt, echo_lines, o);
  auto silent =
      rt.run_until_complete(actio::open_connection("127.0.0.1", srv.port()));
  auto eof = rt.run_until_complete(silent.read_all()); // dropped: EOF
  CHECK(eof.empty());
  CHECK(srv.tls_handshake_failures() == 1);
  // the slot it held is free again
  auto got = rt.run_until_complete(
      rt.create_task(echo_round_trip, srv.port(), tls_client(cert.cert_file)));
  CHECK(got == std::vector<std::string>{"over tls\n", ""});
}

TEST_CASE("closing the runtime during TLS handshakes leaks nothing and "
          "returns promptly",
          "[net][tls][shutdown]") {
  time_limit limit{20s, "close mid-handshake"};
  tls_self_signed cert;
  auto t0 = std::chrono::steady_clock::now();
  {
    actio::runtime rt{real_time()};
    auto silent_server = rt.run_until_complete(actio::start_server(
        "127.0.0.1", 0,
        [](actio::stream s) -> actio::task<> { co_await s.read_all(); }));
    auto tls_srv = serve(rt, echo_lines, tls_server(cert));
    // a client stuck in its handshake, and a server stuck in one
    auto stuck_client =
        actio::open_connection("127.0.0.1", silent_server.port(), tls_client());
    auto raw = rt.run_until_complete(
        actio::open_connection("127.0.0.1", tls_srv.port()));
    REQUIRE(actio::test::eventually([&] { return tls_srv.accepted() != 0; }));
    t0 = std::chrono::steady_clock::now();
  }
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
            .count() < 1.5);
}

TEST_CASE("unreadable certificate, key or CA files are clear errors",
          "[net][tls]") {
  time_limit limit{20s, "tls files"};
  tls_self_signed cert;
  actio::runtime rt{real_time()};
  actio::server_options o;
  o.tls.cert_file = "/nonexistent/cert.pem";
  o.tls.key_file = cert.key_file;
  try {
    rt.run_until_complete(actio::start_server("127.0.0.1", 0, echo_lines, o));
    FAIL("started without a certificate");
  } catch (const actio::net_error& e) {
    CHECK(e.code() == actio::net_errc::tls_failed);
    CHECK_THAT(e.what(), Catch::Contains("/nonexistent/cert.pem"));
  }
  o.tls.cert_file = cert.cert_file;
  o.tls.key_file = cert.cert_file; // a certificate is no key
  CHECK_THROWS_WITH(
      rt.run_until_complete(actio::start_server("127.0.0.1", 0, echo_lines, o)),
      Catch::Contains("key file"));
  auto srv = serve(rt, echo_lines, tls_server(cert));
  CHECK_THAT(connect_error(rt, srv.port(), tls_client("/nonexistent/ca.pem")),
             Catch::Contains("CA file /nonexistent/ca.pem"));
}

TEST_CASE("client contexts are shared, and a CA file changed on disk is "
          "loaded again",
          "[net][tls]") {
  time_limit limit{30s, "tls context cache"};
  tls_self_signed a;
  tls_self_signed b;
  actio::runtime rt{real_time()};
  auto srv = serve(rt, echo_lines, tls_server(a));
  // The client trusts whatever `trusted` holds: first a's certificate.
  auto trusted = a.cert_file + ".trusted";
  auto write_file = [&trusted](const std::string& pem) {
    std::ofstream out{trusted, std::ios::trunc};
    out << pem;
  };
  write_file(a.cert_pem);
  for (int i = 0; i < 3; ++i) // the same context serves every connect
    CHECK(connect_error(rt, srv.port(), tls_client(trusted)).empty());
  // b's certificate twice: another size, so the next connect loads the
  // file again and no longer trusts a's server.
  write_file(b.cert_pem + b.cert_pem);
  actio::net_errc code{};
  auto what = connect_error(rt, srv.port(), tls_client(trusted), &code);
  CHECK(code == actio::net_errc::tls_failed);
  CHECK_THAT(what, Catch::Contains("certificate verify failed"));
  write_file(a.cert_pem);
  CHECK(connect_error(rt, srv.port(), tls_client(trusted)).empty());
  std::remove(trusted.c_str());
}
