// SPDX-License-Identifier: Apache-2.0
#include "support/tls_test_ca.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace actio::test {

namespace {

void check(bool ok, const char* what) {
  if (!ok)
    throw std::runtime_error(std::string("tls_test_ca: ") + what);
}

using key_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using cert_ptr = std::unique_ptr<X509, decltype(&X509_free)>;

key_ptr new_key() {
  key_ptr key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

/// A certificate for `key` named `cn`, signed by `issuer_key` as
/// `issuer` (itself when null), with the given X509v3 extensions.
cert_ptr make_cert(
    EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
    long serial,
    std::initializer_list<std::pair<const char*, const char*>> extensions) {
  cert_ptr cert(X509_new(), &X509_free);
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()),
                             -1, -1, 0);
  X509* signer = issuer != nullptr ? issuer : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(signer));
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, signer, cert.get(), nullptr, nullptr, 0);
  for (auto& [ext_name, value] : extensions) {
    X509_EXTENSION* e = X509V3_EXT_conf(
        nullptr, &ctx, const_cast<char*>(ext_name), const_cast<char*>(value));
    check(e != nullptr, "X509V3_EXT_conf");
    X509_add_ext(cert.get(), e, -1);
    X509_EXTENSION_free(e);
  }
  check(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

void write_cert(const std::string& path, X509* cert) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "w"),
                                                  &std::fclose);
  check(f != nullptr, "open certificate file");
  check(PEM_write_X509(f.get(), cert) == 1, "PEM_write_X509");
}

void write_key(const std::string& path, EVP_PKEY* key) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "w"),
                                                  &std::fclose);
  check(f != nullptr, "open key file");
  check(PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr,
                             nullptr) == 1,
        "PEM_write_PrivateKey");
}

} // namespace

struct tls_test_ca::keys {
  key_ptr key{nullptr, &EVP_PKEY_free};
  cert_ptr cert{nullptr, &X509_free};
};

tls_test_ca::tls_test_ca(const std::string& name) : keys_(new keys) {
  char tmpl[] = "/tmp/actio-test-ca-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    delete keys_;
    throw std::runtime_error("tls_test_ca: mkdtemp failed");
  }
  dir_ = tmpl;
  try {
    keys_->key = new_key();
    keys_->cert =
        make_cert(keys_->key.get(), name, nullptr, keys_->key.get(), serial_++,
                  {{"basicConstraints", "critical,CA:TRUE"},
                   {"keyUsage", "critical,keyCertSign,cRLSign"},
                   {"subjectKeyIdentifier", "hash"}});
    ca_file_ = dir_ + "/ca.pem";
    write_cert(ca_file_, keys_->cert.get());
  } catch (...) {
    std::filesystem::remove_all(dir_);
    delete keys_;
    throw;
  }
}

tls_test_ca::~tls_test_ca() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
  delete keys_;
}

tls_node_files tls_test_ca::issue(const std::string& name) {
  auto key = new_key();
  auto cert =
      make_cert(key.get(), name, keys_->cert.get(), keys_->key.get(), serial_++,
                {{"basicConstraints", "critical,CA:FALSE"},
                 {"keyUsage", "critical,digitalSignature"},
                 {"extendedKeyUsage", "serverAuth,clientAuth"},
                 {"subjectAltName", "IP:127.0.0.1,DNS:localhost"},
                 {"authorityKeyIdentifier", "keyid"}});
  tls_node_files files;
  files.certificate = dir_ + "/" + name + ".pem";
  files.key = dir_ + "/" + name + ".key";
  files.ca_file = ca_file_;
  write_cert(files.certificate, cert.get());
  write_key(files.key, key.get());
  return files;
}

} // namespace actio::test
