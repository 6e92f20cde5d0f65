// SPDX-License-Identifier: Apache-2.0
#include "actio/remote/remote_options.hpp"

#include "runtime/remote/remote_fixture.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using actio::remote_mode;
using actio::test::remote_test_options;
using actio::test::tls_test_ca;
using actio::test::tls_test_options;

namespace {

/// The message of the std::invalid_argument that constructing a runtime
/// with `o` throws, or "" if it does not throw.
std::string refusal(const actio::runtime_options& o) {
  try {
    actio::runtime rt{o};
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("tls mode without a certificate, key and CA file is refused up "
          "front",
          "[remote]") {
  tls_test_ca ca;
  auto files = ca.issue("node");
  SECTION("only a CA file (CAF would abort the process)") {
    auto o = remote_test_options(remote_mode::tls);
    o.remote.ca_file = files.ca_file;
    CHECK(contains(refusal(o), "--actio-tls-certificate"));
  }
  SECTION("no CA file (CAF would accept any peer's certificate chain)") {
    auto o = tls_test_options(files);
    o.remote.ca_file.clear();
    CHECK(contains(refusal(o), "--actio-tls-ca"));
  }
  SECTION("no files at all (CAF would use an anonymous cipher)") {
    CHECK(contains(refusal(remote_test_options(remote_mode::tls)),
                   "certificate, key and CA file are all required"));
  }
  SECTION("a file that does not exist") {
    auto o = tls_test_options(files);
    o.remote.key = ca.dir() + "/missing.key";
    CHECK(contains(refusal(o), "cannot be read"));
  }
}

TEST_CASE("tls files that do not belong together are refused up front",
          "[remote]") {
  tls_test_ca ca;
  tls_test_ca other{"another CA"};
  auto files = ca.issue("node");
  SECTION("a key of another certificate") {
    auto o = tls_test_options(files);
    o.remote.key = ca.issue("second").key;
    CHECK(contains(refusal(o), "does not belong to certificate"));
  }
  SECTION("a certificate signed by another CA") {
    auto o = tls_test_options(other.issue("stranger"));
    o.remote.ca_file = ca.ca_file();
    CHECK(contains(refusal(o), "is not signed by the CA"));
  }
  SECTION("a CA file that is not PEM") {
    auto o = tls_test_options(files);
    o.remote.ca_file = ca.dir() + "/garbage.pem";
    std::ofstream{o.remote.ca_file} << "not a certificate\n";
    CHECK(contains(refusal(o), "holds no PEM certificate"));
  }
  SECTION("a certificate file that is not PEM") {
    auto o = tls_test_options(files);
    o.remote.certificate = ca.dir() + "/garbage.pem";
    std::ofstream{o.remote.certificate} << "-----BEGIN CERTIFICATE-----\n";
    CHECK(contains(refusal(o), "is not a PEM certificate"));
  }
}

TEST_CASE("remote options that cannot work are refused up front", "[remote]") {
  SECTION("under virtual time") {
    auto o = remote_test_options(remote_mode::insecure_loopback);
    o.virtual_time = true;
    CHECK(contains(refusal(o), "virtual time"));
  }
  SECTION("without heartbeats") {
    auto o = remote_test_options(remote_mode::insecure_loopback);
    o.remote.heartbeat_interval = 0ms;
    CHECK(contains(refusal(o), "--actio-heartbeat-interval"));
  }
  SECTION("a connection timeout below the heartbeat interval") {
    auto o = remote_test_options(remote_mode::insecure_loopback);
    o.remote.connection_timeout = 50ms;
    CHECK(contains(refusal(o), "--actio-connection-timeout"));
  }
  SECTION("TLS files in insecure mode") {
    auto o = remote_test_options(remote_mode::insecure_loopback);
    o.remote.ca_file = "/etc/ssl/certs/ca-certificates.crt";
    CHECK(contains(refusal(o), "use --actio-remote=tls"));
  }
}

TEST_CASE("remote options are read from the command line", "[remote]") {
  std::string args[] = {"prog",
                        "--actio-remote=tls",
                        "--actio-tls-certificate=c.pem",
                        "--actio-tls-key=k.pem",
                        "--actio-tls-ca=ca.pem",
                        "--actio-heartbeat-interval=250",
                        "--actio-connection-timeout=3000",
                        "rest"};
  char* argv[9];
  for (int i = 0; i < 8; ++i)
    argv[i] = args[i].data();
  argv[8] = nullptr;
  int argc = 8;
  actio::runtime_options o;
  o.read_command_line(argc, argv);
  CHECK(argc == 2);
  CHECK(std::string{argv[1]} == "rest");
  CHECK(o.remote.mode == remote_mode::tls);
  CHECK(o.remote.certificate == "c.pem");
  CHECK(o.remote.key == "k.pem");
  CHECK(o.remote.ca_file == "ca.pem");
  CHECK(o.remote.heartbeat_interval == 250ms);
  CHECK(o.remote.connection_timeout == 3000ms);
  std::string bad[] = {"prog", "--actio-remote=maybe"};
  char* bad_argv[3] = {bad[0].data(), bad[1].data(), nullptr};
  int bad_argc = 2;
  CHECK_THROWS_WITH(o.read_command_line(bad_argc, bad_argv),
                    Catch::Contains("'off', 'tls' or 'insecure'"));
}

TEST_CASE("remote actors are off by default", "[remote]") {
  actio::runtime_options o;
  CHECK(o.remote.mode == remote_mode::off);
  o.handle_signals = false;
  actio::runtime rt{o};
  auto a = rt.system().spawn(actio::test::adder);
  CHECK_THROWS_AS(actio::publish(rt, a, "127.0.0.1", 0), actio::remote_error);
  auto f = rt.create_task([]() -> actio::task<caf::actor> {
    co_return co_await actio::remote_actor("127.0.0.1", 1, 1s);
  });
  CHECK_THROWS_WITH(rt.run_until_complete(f),
                    Catch::Contains("remote actors are off"));
  caf::anon_send_exit(a, caf::exit_reason::kill);
}

TEST_CASE("insecure mode refuses addresses that are not loopback", "[remote]") {
  actio::runtime rt{remote_test_options(remote_mode::insecure_loopback)};
  auto a = rt.system().spawn(actio::test::adder);
  CHECK_THROWS_WITH(actio::publish(rt, a, "0.0.0.0", 0),
                    Catch::Contains("only uses loopback addresses"));
  CHECK_THROWS_WITH(actio::publish(rt, a, "", 0),
                    Catch::Contains("all interfaces refused"));
  CHECK_THROWS_WITH(actio::publish(rt, a, "10.1.2.3", 0),
                    Catch::Contains("only uses loopback addresses"));
  auto f = rt.create_task([]() -> actio::task<caf::actor> {
    co_return co_await actio::remote_actor("192.0.2.1", 4242, 1s);
  });
  CHECK_THROWS_WITH(rt.run_until_complete(f),
                    Catch::Contains("only uses loopback addresses"));
  auto port = actio::publish(rt, a, "127.0.0.1", 0);
  CHECK(port != 0);
  actio::unpublish(rt, a, port);
  caf::anon_send_exit(a, caf::exit_reason::kill);
}

TEST_CASE("parse_endpoint reads HOST:PORT and rejects the rest", "[remote]") {
  auto ep = actio::parse_endpoint("127.0.0.1:4242");
  CHECK(ep.host == "127.0.0.1");
  CHECK(ep.port == 4242);
  auto v6 = actio::parse_endpoint("[::1]:80");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 80);
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", ":80", "host:0",
                          "host:65536", "host:8x", "[::1]80", "[::1"})
    CHECK_THROWS_AS(actio::parse_endpoint(bad), std::invalid_argument);
}
