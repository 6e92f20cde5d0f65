// SPDX-License-Identifier: Apache-2.0
// HTTP/2 over TLS against a real server: nginx (nginx-light has http2),
// started by the test on 127.0.0.1. Built only when CMake found nginx.
#include "actio/http/engine.hpp"

#include "http/http_fixture.hpp"
#include "support/tls_self_signed.hpp"

#include <catch2/catch.hpp>

#ifdef ACTIO_TEST_NGINX

#include <asio/connect.hpp>
#include <asio/ip/tcp.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace std::chrono_literals;
using actio::http::engine;
using actio::http::engine_options;
using actio::test::fetch;
using actio::test::get;
using actio::test::io_thread;
using actio::test::tls_self_signed;
namespace fs = std::filesystem;

namespace {

/// nginx serving `index.html` over TLS with http2 on an ephemeral port of
/// 127.0.0.1, in a temporary directory; stopped and removed on destruction.
class nginx_h2 {
public:
  nginx_h2() {
    std::string tmpl = (fs::temp_directory_path() / "actio-h2-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    fs::create_directory(dir_ / "www");
    std::ofstream(dir_ / "www" / "index.html") << "hello over h2\n";
    port_ = free_port();
    auto d = dir_.string();
    std::ofstream(dir_ / "nginx.conf")
        << "master_process off;\ndaemon off;\npid " << d << "/nginx.pid;\n"
        << "error_log " << d << "/error.log warn;\n"
        << "events { worker_connections 64; }\nhttp {\n  access_log off;\n"
        << "  client_body_temp_path " << d << "/cb;\n"
        << "  proxy_temp_path " << d << "/px;\n"
        << "  fastcgi_temp_path " << d << "/fc;\n"
        << "  uwsgi_temp_path " << d << "/uw;\n"
        << "  scgi_temp_path " << d << "/sc;\n"
        << "  server {\n    listen 127.0.0.1:" << port_ << " ssl http2;\n"
        << "    ssl_certificate " << cert_.cert_file << ";\n"
        << "    ssl_certificate_key " << cert_.key_file << ";\n"
        << "    root " << d << "/www;\n  }\n}\n";
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setsid();
      std::string conf = d + "/nginx.conf";
      std::string err = d + "/error.log";
      ::execl(ACTIO_TEST_NGINX, "nginx", "-p", d.c_str(), "-e", err.c_str(),
              "-c", conf.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (!wait_listening())
      throw std::runtime_error("nginx did not start listening");
  }

  ~nginx_h2() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  nginx_h2(const nginx_h2&) = delete;
  nginx_h2& operator=(const nginx_h2&) = delete;

  std::string url() const {
    return "https://127.0.0.1:" + std::to_string(port_) + "/index.html";
  }
  const std::string& ca_file() const { return cert_.cert_file; }

private:
  static unsigned short free_port() {
    asio::io_context io;
    asio::ip::tcp::acceptor a(io, {asio::ip::make_address("127.0.0.1"), 0});
    return a.local_endpoint().port();
  }

  bool wait_listening() {
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false; // nginx exited (see error.log)
      }
      asio::io_context io;
      asio::ip::tcp::socket s(io);
      asio::error_code ec;
      s.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
      if (!ec)
        return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  tls_self_signed cert_;
  fs::path dir_;
  unsigned short port_ = 0;
  pid_t pid_ = -1;
};

} // namespace

TEST_CASE("HTTP/2 is negotiated over TLS with nginx and multiplexes on one "
          "connection",
          "[http][tls][http2]") {
  nginx_h2 server;
  io_thread t;
  actio::http::request req = get(server.url());
  req.options.ca_file = server.ca_file();
  SECTION("by default") {
    engine e(t.io);
    for (int i = 0; i < 3; ++i) {
      auto r = fetch(e, req);
      INFO((r ? std::string("ok") : r.error().message));
      REQUIRE(r.has_value());
      CHECK(r.value().status == 200);
      CHECK(r.value().http_version == "2");
      CHECK(r.value().body == "hello over h2\n");
    }
    CHECK(e.stats().connections == 1);
  }
  SECTION("concurrent requests share one connection from the start") {
    engine e(t.io);
    constexpr std::size_t n = 8;
    actio::test::collector c(n, t.id());
    for (std::size_t i = 0; i < n; ++i)
      e.submit(req, c.slot(i));
    REQUIRE(c.wait(n));
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = c.at(i);
      INFO((r ? std::string("ok") : r.error().message));
      REQUIRE(r.has_value());
      CHECK(r.value().http_version == "2");
    }
    CHECK(e.stats().connections == 1);
  }
  SECTION("HTTP/1.1 when allow_http2 is off") {
    engine_options o;
    o.allow_http2 = false;
    engine e(t.io, o);
    auto r = fetch(e, req);
    INFO((r ? std::string("ok") : r.error().message));
    REQUIRE(r.has_value());
    CHECK(r.value().http_version == "1.1");
  }
}

#endif
