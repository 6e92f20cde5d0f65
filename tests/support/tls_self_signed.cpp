// SPDX-License-Identifier: Apache-2.0
#include "support/tls_self_signed.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace actio::test {

namespace {

void check(bool ok, const char* what) {
  if (!ok)
    throw std::runtime_error(std::string("tls_self_signed: ") + what);
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(len));
}

/// Writes `text` to a new file named after `pattern` (mkstemp's XXXXXX,
/// mode 0600) and returns its path.
std::string write_temp(std::string pattern, const std::string& text) {
  int fd = ::mkstemp(pattern.data());
  check(fd >= 0, "mkstemp");
  ::close(fd);
  std::ofstream out(pattern, std::ios::binary | std::ios::trunc);
  out << text;
  check(static_cast<bool>(out), "write temporary file");
  return pattern;
}

} // namespace

tls_self_signed::tls_self_signed() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"),
                                                          &EVP_PKEY_free);
  check(key != nullptr, "EVP_EC_gen");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  check(cert != nullptr, "X509_new");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("actio test server"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  const char* exts[][2] = {
      {"subjectAltName", "IP:127.0.0.1,IP:127.0.0.2,DNS:localhost"},
      {"basicConstraints", "critical,CA:TRUE"},
      {"keyUsage", "critical,digitalSignature,keyCertSign"},
      {"extendedKeyUsage", "serverAuth"},
  };
  for (auto& ext : exts) {
    X509_EXTENSION* e = X509V3_EXT_conf(
        nullptr, &ctx, const_cast<char*>(ext[0]), const_cast<char*>(ext[1]));
    check(e != nullptr, "X509V3_EXT_conf");
    X509_add_ext(cert.get(), e, -1);
    X509_EXTENSION_free(e);
  }
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

  std::unique_ptr<BIO, decltype(&BIO_free)> cbio(BIO_new(BIO_s_mem()),
                                                 &BIO_free);
  check(PEM_write_bio_X509(cbio.get(), cert.get()) == 1, "PEM cert");
  cert_pem = bio_string(cbio.get());
  std::unique_ptr<BIO, decltype(&BIO_free)> kbio(BIO_new(BIO_s_mem()),
                                                 &BIO_free);
  check(PEM_write_bio_PrivateKey(kbio.get(), key.get(), nullptr, nullptr, 0,
                                 nullptr, nullptr) == 1,
        "PEM key");
  key_pem = bio_string(kbio.get());

  cert_file = write_temp("/tmp/actio-test-ca-XXXXXX", cert_pem);
  key_file = write_temp("/tmp/actio-test-key-XXXXXX", key_pem);
}

tls_self_signed::~tls_self_signed() {
  if (!cert_file.empty())
    std::remove(cert_file.c_str());
  if (!key_file.empty())
    std::remove(key_file.c_str());
}

} // namespace actio::test
