// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/url_filter.hpp"

#include <catch2/catch.hpp>

using actio::crawl::url_filter;
using verdict = url_filter::verdict;

TEST_CASE("without allowed domains a crawl stays on its seeds' hosts and "
          "their sub-domains",
          "[crawler]") {
  url_filter f{
      {"http://example.org/", "https://docs.example.net/a"}, {}, false};
  CHECK(f.check("http://example.org/x") == verdict::allowed);
  CHECK(f.check("https://www.example.org/") == verdict::allowed);
  CHECK(f.check("http://docs.example.net/") == verdict::allowed);
  CHECK(f.check("http://example.net/") == verdict::off_domain);
  CHECK(f.check("http://badexample.org/") == verdict::off_domain);
  CHECK(f.domains().size() == 2);
}

TEST_CASE("private and loopback hosts are refused unless allowed or a seed "
          "is one",
          "[crawler]") {
  url_filter pub{
      {"http://example.org/"}, {"example.org", "localhost", "10.1.2.3"}, false};
  CHECK_FALSE(pub.allows_private());
  CHECK(pub.check("http://localhost/") == verdict::private_host);
  CHECK(pub.check("http://10.1.2.3/") == verdict::private_host);
  CHECK(pub.check("http://example.org/") == verdict::allowed);

  url_filter flag{{"http://example.org/"}, {"example.org", "localhost"}, true};
  CHECK(flag.check("http://localhost/") == verdict::allowed);

  url_filter local{{"http://site.localhost:8080/"},
                   {"site.localhost", "docs.localhost"},
                   false};
  CHECK(local.allows_private());
  CHECK(local.check("http://docs.localhost:8080/") == verdict::allowed);
  CHECK(local.check("http://offsite.invalid/") == verdict::off_domain);
}

TEST_CASE("only http and https URLs with a host pass the filter", "[crawler]") {
  url_filter f{{"http://example.org/"}, {}, false};
  CHECK(f.check("ftp://example.org/") == verdict::not_http);
  CHECK(f.check("mailto:me@example.org") == verdict::not_http);
  CHECK(f.check("") == verdict::not_http);
  CHECK(f.check("https://example.org/") == verdict::allowed);
}
