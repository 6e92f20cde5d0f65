// SPDX-License-Identifier: Apache-2.0
#include "net/transport.hpp"

#include "actio/net/net_error.hpp"
#include "net/net_object.hpp"

#include <asio/ip/address.hpp>
#include <asio/ssl.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace actio::detail {

namespace {

using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;

/// How long close() waits for its close_notify to be written before it
/// closes the socket anyway (a peer that does not read).
constexpr auto close_notify_timeout = std::chrono::seconds(1);

/// TLS over TCP with asio's OpenSSL layer.
class tls_transport final : public tcp_socket_transport,
                            public std::enable_shared_from_this<tls_transport> {
public:
  tls_transport(asio::io_context& io, std::shared_ptr<ssl::context> ctx)
      : ctx_(std::move(ctx)), stream_(io, *ctx_), timer_(io) {}

  tcp::socket& socket() override { return stream_.next_layer(); }

  ssl::stream<tcp::socket>& tls() { return stream_; }

  void handshake_done() { established_ = true; }

  // Each pending operation holds the transport: asio's SSL operations use
  // the stream's state when they complete, even when cancelled by a close,
  // so the stream must outlive them.
  void async_read_some(asio::mutable_buffer buf, io_handler h) override {
    stream_.async_read_some(
        buf, [self = shared_from_this(), h = std::move(h)](
                 std::error_code ec, std::size_t n) { h(ec, n); });
  }

  void async_write(asio::const_buffer buf, io_handler h) override {
    writing_ = true;
    asio::async_write(stream_, buf,
                      [self = shared_from_this(),
                       h = std::move(h)](std::error_code ec, std::size_t n) {
                        self->writing_ = false;
                        h(ec, n);
                      });
  }

  void shutdown_send() override {
    if (established_ && !closed_)
      send_close_notify(/*keep_reading=*/true, nullptr);
  }

  void close() override {
    if (closed_)
      return;
    if (!established_ || writing_) {
      abort();
      return;
    }
    closed_ = true;
    timer_.expires_after(close_notify_timeout);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec)
        self->close_socket();
    });
    send_close_notify(/*keep_reading=*/false,
                      [self = shared_from_this()] { self->close_socket(); });
  }

  void abort() override {
    closed_ = true;
    close_socket();
  }

private:
  /// Sends close_notify without waiting for the peer's (asio's
  /// async_shutdown would wait for it, reading, and OpenSSL discards
  /// application data read that way): marking the peer's close_notify as
  /// received makes SSL_shutdown send ours and finish, and asio then writes
  /// it out. The engine runs synchronously when async_shutdown starts, so
  /// the mark can be undone right after, and reads go on (TLS half-close).
  void send_close_notify(bool keep_reading, std::function<void()> then) {
    SSL* ssl = stream_.native_handle();
    int before = SSL_get_shutdown(ssl);
    if ((before & SSL_SENT_SHUTDOWN) != 0) {
      if (then)
        then();
      return;
    }
    SSL_set_shutdown(ssl, before | SSL_RECEIVED_SHUTDOWN);
    stream_.async_shutdown(
        [self = shared_from_this(), then = std::move(then)](std::error_code) {
          if (then)
            then();
        });
    if (keep_reading)
      SSL_set_shutdown(ssl, (SSL_get_shutdown(ssl) & ~SSL_RECEIVED_SHUTDOWN) |
                                (before & SSL_RECEIVED_SHUTDOWN));
  }

  void close_socket() {
    std::error_code ignored;
    timer_.cancel();
    socket().close(ignored);
  }

  std::shared_ptr<ssl::context> ctx_;
  ssl::stream<tcp::socket> stream_;
  asio::steady_timer timer_;
  bool established_ = false;
  bool writing_ = false;
  bool closed_ = false;
};

std::string strip_library(std::string msg) {
  for (const char* lib : {" (SSL routines)", " (STORE routines)"})
    if (auto pos = msg.find(lib); pos != std::string::npos)
      msg.erase(pos);
  return msg;
}

/// The net_error of a failed handshake: OpenSSL's reason plus, for a
/// rejected certificate, the verifier's (e.g. "self-signed certificate",
/// "hostname mismatch").
std::exception_ptr handshake_error(tls_transport& t, const std::error_code& ec,
                                   const std::string& where) {
  if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor)
    return to_net_error(ec, "TLS handshake with " + where);
  std::string reason;
  if (ec == asio::error::eof || ec == ssl::error::stream_truncated)
    reason = "the peer closed the connection during the handshake";
  else
    reason = strip_library(ec.message());
  long verify = SSL_get_verify_result(t.tls().native_handle());
  if (verify != X509_V_OK && ec.category() == asio::error::get_ssl_category())
    reason += std::string{": "} + X509_verify_cert_error_string(verify);
  if (ec.category() != asio::error::get_ssl_category() &&
      ec != asio::error::eof && ec != ssl::error::stream_truncated)
    return to_net_error(ec, "TLS handshake with " + where);
  return std::make_exception_ptr(
      net_error(net_errc::tls_failed,
                "TLS handshake with " + where + " failed: " + reason));
}

bool is_ip_address(const std::string& name) {
  std::error_code ec;
  asio::ip::make_address(name, ec);
  return !ec;
}

[[noreturn]] void throw_tls(const std::string& what,
                            const std::error_code& ec) {
  throw net_error(net_errc::tls_failed,
                  what + ": " + strip_library(ec.message()));
}

constexpr auto protocol_floor =
    ssl::context::default_workarounds | ssl::context::no_sslv2 |
    ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1;

/// Runs the handshake as `side`; `done` gets null or the handshake error.
void start_handshake(std::shared_ptr<tls_transport> tls,
                     ssl::stream_base::handshake_type side,
                     const std::string& where,
                     std::function<void(std::exception_ptr)> done) {
  auto& stream = tls->tls();
  stream.async_handshake(side, [tls = std::move(tls), where,
                                done = std::move(done)](std::error_code ec) {
    if (ec) {
      done(handshake_error(*tls, ec, where));
      return;
    }
    tls->handshake_done();
    done(nullptr);
  });
}

} // namespace

std::shared_ptr<tcp_socket_transport>
make_tls_transport(asio::io_context& io, std::shared_ptr<ssl::context> ctx) {
  return std::make_shared<tls_transport>(io, std::move(ctx));
}

namespace {

/// A fresh client context for `options` (see make_client_tls_context).
std::shared_ptr<ssl::context>
load_client_tls_context(const tls_client_options& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  std::error_code ec;
  ctx->set_options(protocol_floor, ec);
  if (!options.verify) {
    ctx->set_verify_mode(ssl::verify_none, ec);
    return ctx;
  }
  ctx->set_verify_mode(ssl::verify_peer, ec);
  if (options.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec)
      throw_tls("TLS: cannot load the system trust store", ec);
  } else {
    ctx->load_verify_file(options.ca_file, ec);
    if (ec)
      throw_tls("TLS: cannot load CA file " + options.ca_file, ec);
  }
  return ctx;
}

/// What a cached client context was made from: the verification switch and
/// the CA file with its size and modification time, so that a CA file that
/// changes is loaded again.
using client_context_key =
    std::tuple<bool, std::string, std::int64_t, std::int64_t>;

client_context_key key_of(const tls_client_options& options) {
  struct stat st {};
  if (!options.ca_file.empty() && ::stat(options.ca_file.c_str(), &st) == 0)
    return {options.verify, options.ca_file,
            static_cast<std::int64_t>(st.st_size),
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                st.st_mtim.tv_nsec};
  return {options.verify, options.ca_file, -1, -1};
}

} // namespace

std::shared_ptr<ssl::context>
make_client_tls_context(const tls_client_options& options) {
  // Never destroyed: freeing SSL contexts during exit could run after
  // OpenSSL's own atexit clean-up.
  static auto* mtx = new std::mutex;
  static auto* cache =
      new std::map<client_context_key, std::shared_ptr<ssl::context>>;
  auto key = key_of(options);
  {
    std::lock_guard<std::mutex> guard{*mtx};
    if (auto it = cache->find(key); it != cache->end())
      return it->second;
  }
  auto ctx = load_client_tls_context(options); // throws: nothing cached
  std::lock_guard<std::mutex> guard{*mtx};
  if (cache->size() >= 16)
    cache->clear(); // a handful of CA files in practice; never unbounded
  return cache->try_emplace(std::move(key), std::move(ctx)).first->second;
}

std::shared_ptr<ssl::context>
make_server_tls_context(const tls_server_options& options) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  std::error_code ec;
  ctx->set_options(protocol_floor | ssl::context::single_dh_use, ec);
  ctx->use_certificate_chain_file(options.cert_file, ec);
  if (ec)
    throw_tls("TLS: cannot load certificate file " + options.cert_file, ec);
  ctx->use_private_key_file(options.key_file, ssl::context::pem, ec);
  if (ec)
    throw_tls("TLS: cannot load key file " + options.key_file, ec);
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
    throw net_error(net_errc::tls_failed, "TLS: key file " + options.key_file +
                                              " does not match certificate " +
                                              options.cert_file);
  return ctx;
}

void tls_client_handshake(const std::shared_ptr<transport>& t,
                          const std::string& name, bool verify,
                          const std::string& where,
                          std::function<void(std::exception_ptr)> done) {
  auto tls = std::static_pointer_cast<tls_transport>(t);
  SSL* ssl = tls->tls().native_handle();
  bool ip = is_ip_address(name);
  if (!ip)
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
             const_cast<char*>(name.c_str())); // SNI (the macro casts)
  if (verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (ip)
      X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    else
      X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size());
  }
  start_handshake(std::move(tls), ssl::stream_base::client, where,
                  std::move(done));
}

void tls_server_handshake(const std::shared_ptr<transport>& t,
                          const std::string& where,
                          std::function<void(std::exception_ptr)> done) {
  start_handshake(std::static_pointer_cast<tls_transport>(t),
                  ssl::stream_base::server, where, std::move(done));
}

} // namespace actio::detail
