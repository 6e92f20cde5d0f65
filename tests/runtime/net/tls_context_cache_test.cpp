// SPDX-License-Identifier: Apache-2.0
// The client TLS context is made once per set of options and shared; a CA
// file that changes on disk gets a new one. (Only pointer identity is
// looked at here: tls_test.cpp checks what each context trusts.)
#include "net/transport.hpp"

#include "actio/net/net_error.hpp"

#include "support/tls_self_signed.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

using actio::detail::make_client_tls_context;
using actio::test::tls_self_signed;

TEST_CASE("client TLS contexts are shared per options and made again when "
          "the CA file changes",
          "[net][tls]") {
  tls_self_signed a;
  actio::tls_client_options o;
  o.enabled = true;
  o.ca_file = a.cert_file + ".cached";
  {
    std::ofstream out{o.ca_file, std::ios::trunc};
    out << a.cert_pem;
  }
  auto first = make_client_tls_context(o);
  CHECK(make_client_tls_context(o) == first);
  auto unverified = o;
  unverified.verify = false;
  CHECK(make_client_tls_context(unverified) != first);
  {
    std::ofstream out{o.ca_file, std::ios::trunc};
    out << a.cert_pem << a.cert_pem; // another size
  }
  auto reloaded = make_client_tls_context(o);
  CHECK(reloaded != first);
  CHECK(make_client_tls_context(o) == reloaded);
  std::remove(o.ca_file.c_str());
  CHECK_THROWS_AS(make_client_tls_context(o), actio::net_error);
}
