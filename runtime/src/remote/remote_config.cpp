// SPDX-License-Identifier: Apache-2.0
#include "remote/remote_config.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/timespan.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <vector>

namespace actio::detail {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::invalid_argument("remote actors: " + what);
}

std::string openssl_errors() {
  std::string msg;
  while (auto err = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof buf);
    if (!msg.empty())
      msg += "; ";
    msg += buf;
  }
  return msg.empty() ? "no detail from OpenSSL" : msg;
}

void require_readable(const std::string& file, const char* option) {
  if (file.empty())
    fail(std::string{"tls mode needs "} + option +
         " (certificate, key and CA file are all required; use "
         "--actio-remote=insecure for loopback-only plain TCP)");
  std::ifstream in(file, std::ios::binary);
  if (!in)
    fail(std::string{option} + " '" + file + "' cannot be read");
}

int passphrase_callback(char* buf, int size, int, void* user) {
  const auto* pass = static_cast<const std::string*>(user);
  auto n = std::min<std::size_t>(pass->size(), static_cast<std::size_t>(size));
  std::memcpy(buf, pass->data(), n);
  return static_cast<int>(n);
}

/// Loads the three files the way CAF's session will and checks that they
/// belong together.
void check_tls_files(const remote_options& r) {
  require_readable(r.certificate, "--actio-tls-certificate");
  require_readable(r.key, "--actio-tls-key");
  require_readable(r.ca_file, "--actio-tls-ca");
  ERR_clear_error();
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(
      SSL_CTX_new(TLS_method()), &SSL_CTX_free);
  if (!ctx)
    fail("cannot create an OpenSSL context: " + openssl_errors());
  std::string passphrase = r.passphrase;
  SSL_CTX_set_default_passwd_cb(ctx.get(), passphrase_callback);
  SSL_CTX_set_default_passwd_cb_userdata(ctx.get(), &passphrase);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), r.certificate.c_str()) != 1)
    fail("certificate '" + r.certificate +
         "' is not a PEM certificate: " + openssl_errors());
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(nullptr,
                                                          &EVP_PKEY_free);
  if (std::unique_ptr<FILE, decltype(&std::fclose)> f(
          std::fopen(r.key.c_str(), "r"), &std::fclose);
      f)
    key.reset(PEM_read_PrivateKey(f.get(), nullptr, passphrase_callback,
                                  &passphrase));
  if (!key)
    fail("key '" + r.key +
         "' is not a PEM private key (or its passphrase is wrong): " +
         openssl_errors());
  ERR_clear_error();
  if (SSL_CTX_use_PrivateKey(ctx.get(), key.get()) != 1 ||
      SSL_CTX_check_private_key(ctx.get()) != 1)
    fail("key '" + r.key + "' does not belong to certificate '" +
         r.certificate + "'");
  if (SSL_CTX_load_verify_locations(ctx.get(), r.ca_file.c_str(), nullptr) != 1)
    fail("CA file '" + r.ca_file +
         "' holds no PEM certificate: " + openssl_errors());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> verify(
      X509_STORE_CTX_new(), &X509_STORE_CTX_free);
  X509* own = SSL_CTX_get0_certificate(ctx.get());
  STACK_OF(X509)* chain = nullptr;
  SSL_CTX_get0_chain_certs(ctx.get(), &chain);
  if (!verify ||
      X509_STORE_CTX_init(verify.get(), SSL_CTX_get_cert_store(ctx.get()), own,
                          chain) != 1)
    fail("cannot verify the certificate: " + openssl_errors());
  if (X509_verify_cert(verify.get()) != 1)
    fail("certificate '" + r.certificate + "' is not signed by the CA in '" +
         r.ca_file + "': " +
         X509_verify_cert_error_string(X509_STORE_CTX_get_error(verify.get())) +
         " (peers would reject this node)");
}

} // namespace

bool is_loopback_host(const std::string& host) {
  if (host == "localhost")
    return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1)
    return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1)
    return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

void validate_remote_options(const runtime_options& options) {
  const auto& r = options.remote;
  if (r.mode == remote_mode::off)
    return;
  if (options.virtual_time)
    fail("not available under virtual time (CAF's middleman runs on real "
         "sockets and its own clock)");
  if (r.heartbeat_interval <= duration::zero())
    fail("--actio-heartbeat-interval must be positive (without heartbeats "
         "a silent peer is never noticed)");
  if (r.connection_timeout <= r.heartbeat_interval)
    fail("--actio-connection-timeout must be larger than "
         "--actio-heartbeat-interval");
  if (r.mode == remote_mode::tls)
    check_tls_files(r);
  else if (!r.certificate.empty() || !r.key.empty() || !r.ca_file.empty())
    fail("TLS files were given but --actio-remote=insecure uses plain TCP; "
         "use --actio-remote=tls");
}

void configure_remote(caf::actor_system_config& config,
                      const remote_options& r) {
  if (r.mode == remote_mode::off)
    return;
  config.load<caf::io::middleman>();
  config.set("middleman.heartbeat-interval",
             std::chrono::duration_cast<caf::timespan>(r.heartbeat_interval));
  config.set("middleman.connection-timeout",
             std::chrono::duration_cast<caf::timespan>(r.connection_timeout));
  if (r.mode == remote_mode::tls) {
    config.load<caf::openssl::manager>();
    config.openssl_certificate = r.certificate;
    config.openssl_key = r.key;
    config.openssl_cafile = r.ca_file;
    config.openssl_passphrase = r.passphrase;
  }
}

} // namespace actio::detail
