// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/url.hpp"

#include <catch2/catch.hpp>

#include <random>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <future>
#include <string>
#include <thread>
#include <vector>

using namespace actio::crawl;

namespace {

/// CPU time of this thread: steadier than wall time on a loaded machine.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) +
         static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string
canon(std::string_view in,
      const canonicalize_options& o = default_canonicalize_options()) {
  auto r = canonicalize(in, o);
  INFO("input: " << in);
  REQUIRE(r.has_value());
  return r.value();
}

std::string canon_error(std::string_view in) {
  auto r = canonicalize(in);
  INFO("input: " << in);
  REQUIRE_FALSE(r.has_value());
  return r.error().message;
}

std::string res(std::string_view base, std::string_view href) {
  auto r = resolve(base, href);
  INFO("base: " << base << " href: " << href);
  if (!r)
    FAIL("error: " << r.error().message);
  return r.value();
}

} // namespace

TEST_CASE("canonicalize lower-cases scheme and host and drops default ports",
          "[url]") {
  CHECK(canon("HTTP://Example.COM:80/a") == "http://example.com/a");
  CHECK(canon("https://Example.com:443/") == "https://example.com/");
  CHECK(canon("http://example.com:8080/A/B") == "http://example.com:8080/A/B");
  CHECK(canon("https://example.com:80/") == "https://example.com:80/");
  CHECK(canon("http://example.com:0099/") == "http://example.com:99/");
}

TEST_CASE("canonicalize makes an empty path '/' and drops the fragment",
          "[url]") {
  CHECK(canon("http://example.com") == "http://example.com/");
  CHECK(canon("http://example.com#top") == "http://example.com/");
  CHECK(canon("http://example.com/a?b=1#frag") == "http://example.com/a?b=1");
  CHECK(canon("http://example.com?x=1") == "http://example.com/?x=1");
}

TEST_CASE("canonicalize resolves dot segments", "[url]") {
  CHECK(canon("http://h.com/a/./b/../c") == "http://h.com/a/c");
  CHECK(canon("http://h.com/a/../../../x") == "http://h.com/x");
  CHECK(canon("http://h.com/a/%2E%2E/b") == "http://h.com/b");
  CHECK(canon("http://h.com/a/b/..") == "http://h.com/a/");
}

TEST_CASE("canonicalize normalises percent-encoding without decoding reserved "
          "characters",
          "[url]") {
  CHECK(canon("http://h.com/%7euser/%41b") == "http://h.com/~user/Ab");
  CHECK(canon("http://h.com/a%2fb?x=%3d%26") == "http://h.com/a%2Fb?x=%3D%26");
  CHECK(canon("http://h.com/a%zz") == "http://h.com/a%25zz");
  CHECK(canon("http://h.com/100%") == "http://h.com/100%25");
  CHECK(canon("http://h.com/a b?q=x y") == "http://h.com/a%20b?q=x%20y");
  CHECK(canon("http://h.com/caf\xc3\xa9") == "http://h.com/caf%C3%A9");
  CHECK(canon("http://h.com/a\\b") == "http://h.com/a/b");
  CHECK(canon("http://h.com/{x}|<y>") == "http://h.com/%7Bx%7D%7C%3Cy%3E");
}

TEST_CASE("canonicalize strips tracking parameters and empty parameters",
          "[url]") {
  CHECK(canon("http://h.com/?utm_source=x&a=1&UTM_Medium=y&gclid=3&b=2&"
              "fbclid=z") == "http://h.com/?a=1&b=2");
  CHECK(canon("http://h.com/?utm_source=x") == "http://h.com/");
  CHECK(canon("http://h.com/?") == "http://h.com/");
  CHECK(canon("http://h.com/?a=1&&b=2&") == "http://h.com/?a=1&b=2");
  CHECK(canon("http://h.com/?utm=1") == "http://h.com/?utm=1");
  CHECK(canon("http://h.com/?gclidx=1") == "http://h.com/?gclidx=1");
}

TEST_CASE("the list of stripped parameters is configurable", "[url]") {
  canonicalize_options o;
  o.strip_params = {"session*", "ref"};
  CHECK(canon("http://h.com/?sessionid=1&ref=2&utm_source=3&refx=4", o) ==
        "http://h.com/?utm_source=3&refx=4");
  o.strip_params.clear();
  CHECK(canon("http://h.com/?utm_source=3", o) == "http://h.com/?utm_source=3");
}

TEST_CASE("query sorting is off by default and stable when on", "[url]") {
  CHECK(canon("http://h.com/?b=1&a=2") == "http://h.com/?b=1&a=2");
  canonicalize_options o;
  o.sort_query = true;
  CHECK(canon("http://h.com/?b=1&a=2&b=0&a=1", o) ==
        "http://h.com/?a=2&a=1&b=1&b=0");
}

TEST_CASE("canonicalize trims whitespace and drops user-info", "[url]") {
  CHECK(canon("  \thttp://h.com/x \n") == "http://h.com/x");
  CHECK(canon("http://h.com/a\n/b") == "http://h.com/a/b");
  CHECK(canon("http://user:pw@h.com/x") == "http://h.com/x");
}

TEST_CASE("canonicalize keeps IP literals and lower-cases IPv6", "[url]") {
  CHECK(canon("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080/x");
  CHECK(canon("https://[::1]:443") == "https://[::1]/");
  CHECK(canon("http://[FE80::1]/") == "http://[fe80::1]/");
}

TEST_CASE("numeric IPv4 spellings become dotted quads, so the private-host "
          "check sees them",
          "[url]") {
  for (const char* in : {"http://0x7f.1/", "http://2130706433/",
                         "http://127.1/", "http://0177.0.0.1/"}) {
    auto c = canon(in);
    INFO(in);
    CHECK(c == "http://127.0.0.1/");
    CHECK(is_private_or_loopback_host(host_of(c)));
  }
  CHECK(canon("http://ex%41mple.com/") == "http://example.com/");
}

TEST_CASE("canonicalize rejects other schemes and malformed input with a "
          "message",
          "[url]") {
  CHECK(canon_error("mailto:a@b.c").find("unsupported scheme 'mailto'") !=
        std::string::npos);
  CHECK(canon_error("ftp://h.com/").find("unsupported scheme") !=
        std::string::npos);
  CHECK(canon_error("javascript:alert(1)").find("unsupported scheme") !=
        std::string::npos);
  CHECK(canon_error("/relative/path").find("no scheme") != std::string::npos);
  CHECK(canon_error("").find("no scheme") != std::string::npos);
  CHECK(canon_error("http:/h.com").find("//") != std::string::npos);
  CHECK(canon_error("http://").find("empty host") != std::string::npos);
  CHECK(canon_error("http://:80/").find("empty host") != std::string::npos);
  CHECK(canon_error("http://h.com:99999/").find("invalid URL") !=
        std::string::npos);
  CHECK(canon_error("http://b\xc3\xbc"
                    "cher.de/")
            .find("IDN") != std::string::npos);
  CHECK_FALSE(canonicalize("http://exa mple.com/").has_value());
  CHECK_FALSE(canonicalize(std::string(10000, 'x')).has_value());
}

TEST_CASE("canonicalize rejects URLs longer than max_length", "[url]") {
  canonicalize_options o;
  o.max_length = 64;
  CHECK(canonicalize("http://h.com/" + std::string(40, 'a'), o).has_value());
  auto r = canonicalize("http://h.com/" + std::string(60, 'a'), o);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.find("longer than 64") != std::string::npos);
}

TEST_CASE("canonicalize is idempotent", "[url]") {
  for (const char* in :
       {"HTTP://Example.COM:80/a/./b/../c%7e?utm_source=1&x=%3d#f",
        "http://h.com/a b/caf\xc3\xa9?q=1 2", "https://[::1]:8443/%2F"}) {
    auto once = canon(in);
    CHECK(canon(once) == once);
  }
}

TEST_CASE("escapes in the host are decoded before the IPv4 spellings are "
          "read, and escapes of anything but letters, digits and -._~ are "
          "refused",
          "[url]") {
  // Found by tests/fuzz/url_fuzz.cpp: curl decoded "%39" to "http://9/",
  // whose canonical form is "http://0.0.0.9/", and "q%F0" to a raw 0xF0
  // that canonicalising again refused as an IDN host.
  auto once = canon("http://%39/");
  CHECK(once == "http://0.0.0.9/");
  CHECK(canon(once) == once);
  CHECK(canon("http://%31%32%37.1/x") == "http://127.0.0.1/x");
  CHECK(is_private_or_loopback_host(host_of(canon("http://%31%32%37.1/"))));
  for (const char* bad :
       {"http://q%F0.0.1//%2e%2E/../x?gclid=", "http://a%2Fb/", "http://a%40b/",
        "http://a%00b/", "http://a%2/", "http://a%zzb/"})
    CHECK(canon_error(bad).find("invalid escape in the host") !=
          std::string::npos);
  CHECK_FALSE(resolve("http://h.example/", "//a%2Fb/").has_value());
}

TEST_CASE("a link starting with a slash and a backslash is protocol-relative "
          "and loses its user-info like any other",
          "[url]") {
  // Found by tests/fuzz/url_fuzz.cpp: "/\\u:p@h" kept "u:p@" because the
  // backslash became a slash only after the authority was looked for.
  const char* base = "http://example.com/a/b?q";
  CHECK(res(base, "/\\er:pw@Exa\t") == "http://exa/");
  CHECK(res(base, "\\\\user@other.example/p") == "http://other.example/p");
  CHECK(res(base, "http:\\\\u@h.example/") == "http://h.example/");
  CHECK(res(base, "/\\h.example") == canon(res(base, "/\\h.example")));
}

TEST_CASE("resolve handles the RFC 3986 reference examples", "[url]") {
  const char* base = "http://a/b/c/d;p?q";
  CHECK(res(base, "g") == "http://a/b/c/g");
  CHECK(res(base, "./g") == "http://a/b/c/g");
  CHECK(res(base, "g/") == "http://a/b/c/g/");
  CHECK(res(base, "/g") == "http://a/g");
  CHECK(res(base, "//g") == "http://g/");
  CHECK(res(base, "?y") == "http://a/b/c/d;p?y");
  CHECK(res(base, "g?y") == "http://a/b/c/g?y");
  CHECK(res(base, "#s") == "http://a/b/c/d;p?q");
  CHECK(res(base, "g#s") == "http://a/b/c/g");
  CHECK(res(base, ";x") == "http://a/b/c/;x");
  CHECK(res(base, "") == "http://a/b/c/d;p?q");
  CHECK(res(base, ".") == "http://a/b/c/");
  CHECK(res(base, "..") == "http://a/b/");
  CHECK(res(base, "../g") == "http://a/b/g");
  CHECK(res(base, "../..") == "http://a/");
  CHECK(res(base, "../../../g") == "http://a/g");
  CHECK(res(base, "/./g") == "http://a/g");
  CHECK(res(base, "g.") == "http://a/b/c/g.");
  CHECK(res(base, "g/../h") == "http://a/b/c/h");
  CHECK(res(base, "http:g") == "http://a/b/c/g");
}

TEST_CASE("resolve handles absolute, protocol-relative and messy hrefs",
          "[url]") {
  const char* base = "https://Site.com/dir/page.html?x=1#frag";
  CHECK(res(base, "http://Other.org:80/p") == "http://other.org/p");
  CHECK(res(base, "//cdn.site.com/a.js") == "https://cdn.site.com/a.js");
  CHECK(res(base, "  /a b/ü \n") == "https://site.com/a%20b/%C3%BC");
  CHECK(res(base, "other page.html") ==
        "https://site.com/dir/other%20page.html");
  CHECK(res(base, "?page=2&utm_campaign=z") ==
        "https://site.com/dir/page.html?page=2");
  CHECK(res(base, "#section") == "https://site.com/dir/page.html?x=1");
  CHECK(res(base, "\t") == "https://site.com/dir/page.html?x=1");
  CHECK(res(base, "HTTPS://SITE.COM/Up") == "https://site.com/Up");
  CHECK(res(base, "a/\nb") == "https://site.com/dir/a/b");
}

TEST_CASE("resolve rejects non-http schemes and a bad base", "[url]") {
  const char* base = "http://h.com/";
  for (const char* href :
       {"mailto:x@y.z", "javascript:void(0)", "tel:+123", "data:text/html,hi",
        "ftp://h.com/f", " JavaScript:alert(1)"}) {
    auto r = resolve(base, href);
    INFO(href);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().message.find("unsupported scheme") != std::string::npos);
  }
  CHECK_FALSE(resolve("https://h.com/", "http:g").has_value());
  CHECK_FALSE(resolve("not a url", "/x").has_value());
  CHECK_FALSE(resolve(base, "//").has_value());
  url_resolver bad{"mailto:x@y"};
  CHECK_FALSE(bad.valid());
  CHECK_FALSE(bad.resolve("/x").has_value());
}

TEST_CASE("one resolver resolves many links against the same base", "[url]") {
  url_resolver r{"http://h.com/a/b"};
  REQUIRE(r.valid());
  CHECK(r.base().value() == "http://h.com/a/b");
  CHECK(r.resolve("c").value() == "http://h.com/a/c");
  CHECK(r.resolve("/d").value() == "http://h.com/d");
  CHECK(r.resolve("e").value() == "http://h.com/a/e");
}

TEST_CASE("host, origin and path helpers split a canonical URL", "[url]") {
  CHECK(host_of("http://h.com:8080/x?y") == "h.com");
  CHECK(host_of("http://[::1]:8080/x") == "[::1]");
  CHECK(host_of("https://h.com") == "h.com");
  CHECK(host_of("nonsense") == "");
  CHECK(origin_of("http://h.com:8080/x?y") == "http://h.com:8080");
  CHECK(origin_of("nonsense") == "");
  CHECK(path_of("http://h.com:8080/x?y") == "/x?y");
  CHECK(path_of("http://h.com") == "/");
  CHECK(path_of("http://h.com?q") == "/");
}

TEST_CASE("split_url splits a URL once into views of its parts", "[url]") {
  auto p = split_url("https://u:p@Example.com:8443/a/b/c.html?x=1&y#frag");
  CHECK(p.scheme == "https");
  CHECK(p.userinfo == "u:p");
  CHECK(p.host == "Example.com");
  CHECK(p.port == "8443");
  CHECK(p.origin == "https://u:p@Example.com:8443");
  CHECK(p.path == "/a/b/c.html");
  CHECK(p.directory() == "/a/b/");
  CHECK(p.query == "x=1&y");
  CHECK(p.fragment == "frag");
  auto v6 = split_url("http://[::1]:8080?q");
  CHECK(v6.host == "[::1]");
  CHECK(v6.port == "8080");
  CHECK(v6.path.empty());
  CHECK(v6.directory().empty());
  CHECK(v6.query == "q");
  auto none = split_url("/relative/path");
  CHECK(none.scheme.empty());
  CHECK(none.host.empty());
  CHECK(none.path.empty());
  for (const char* u : {"http://h.com:8080/x?y", "https://[::1]/", "http://h",
                        "http://h.com/a/b/"}) {
    INFO(u);
    auto parts = split_url(u);
    CHECK(parts.host == host_of(u));
    CHECK(parts.origin == origin_of(u));
  }
}

TEST_CASE("domain_allowed matches the domain and its sub-domains only",
          "[url]") {
  std::vector<std::string> allowed{"example.com", "*.other.org"};
  CHECK(domain_allowed("example.com", allowed));
  CHECK(domain_allowed("a.example.com", allowed));
  CHECK(domain_allowed("A.B.EXAMPLE.COM.", allowed));
  CHECK(domain_allowed("other.org", allowed));
  CHECK(domain_allowed("x.other.org", allowed));
  CHECK_FALSE(domain_allowed("badexample.com", allowed));
  CHECK_FALSE(domain_allowed("example.com.evil.net", allowed));
  CHECK_FALSE(domain_allowed("com", allowed));
  CHECK_FALSE(domain_allowed("", allowed));
  CHECK(domain_allowed("anything.net", {}));
}

TEST_CASE("is_private_or_loopback_host recognises private and loopback "
          "literals",
          "[url]") {
  for (const char* h : {"127.0.0.1",
                        "127.255.1.2",
                        "10.0.0.1",
                        "172.16.0.1",
                        "172.31.255.255",
                        "192.168.1.1",
                        "169.254.169.254",
                        "0.0.0.0",
                        "::1",
                        "[::1]",
                        "::",
                        "fc00::1",
                        "fd12:3456::1",
                        "fe80::1",
                        "[fe80::1%25eth0]",
                        "febf::1",
                        "::ffff:127.0.0.1",
                        "[::ffff:10.1.2.3]",
                        "localhost",
                        "LocalHost.",
                        "foo.localhost"}) {
    INFO(h);
    CHECK(is_private_or_loopback_host(h));
  }
  for (const char* h :
       {"8.8.8.8", "172.32.0.1", "172.15.255.255", "192.169.0.1", "169.253.0.1",
        "11.0.0.1", "2001:db8::1", "fec0::1", "::ffff:8.8.8.8", "example.com",
        "localhost.example.com", "notlocalhost", "", "[]", "1.2.3.4.5"}) {
    INFO(h);
    CHECK_FALSE(is_private_or_loopback_host(h));
  }
}

TEST_CASE("canonicalize works from several threads at once", "[url]") {
  std::vector<std::future<int>> jobs;
  for (int t = 0; t < 4; ++t)
    jobs.push_back(std::async(std::launch::async, [t] {
      int ok = 0;
      for (int i = 0; i < 2000; ++i) {
        auto u =
            "http://H" + std::to_string(t) + ".com/a/../p" + std::to_string(i);
        auto r = canonicalize(u);
        if (r && r.value() == "http://h" + std::to_string(t) + ".com/p" +
                                  std::to_string(i))
          ++ok;
      }
      return ok;
    }));
  for (auto& j : jobs) {
    REQUIRE(j.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
    CHECK(j.get() == 2000);
  }
}

TEST_CASE("canonicalisation speed (informational)", "[.bench][url]") {
  std::vector<std::string> hrefs;
  for (int i = 0; i < 20; ++i)
    hrefs.push_back(i % 3 == 0 ? "/section/page-" + std::to_string(i) + ".html"
                    : i % 3 == 1 ? "../other/" + std::to_string(i) +
                                       "?utm_source=x&id=" + std::to_string(i)
                                 : "https://Example.com/abs/" +
                                       std::to_string(i) + "#f");
  url_resolver r{"https://example.com/dir/index.html"};
  constexpr int rounds = 20000;
  std::size_t total = 0;
  auto t0 = cpu_seconds();
  for (int k = 0; k < rounds; ++k)
    for (const auto& h : hrefs)
      total += r.resolve(h).value().size();
  auto t1 = cpu_seconds();
  for (int k = 0; k < rounds; ++k)
    for (const auto& h : hrefs)
      total += canonicalize("HTTP://Example.com:80/a/./b" + h).value().size();
  auto t2 = cpu_seconds();
  auto n = static_cast<double>(rounds * hrefs.size());
  auto s1 = t1 - t0;
  auto s2 = t2 - t1;
  std::printf("resolve: %.2f us/link, %.0f links/s; canonicalize: %.2f us/url, "
              "%.0f urls/s\n",
              s1 / n * 1e6, n / s1, s2 / n * 1e6, n / s2);
  CHECK(total > 0);
}

TEST_CASE("plain path links resolve exactly as through curl", "[url]") {
  std::mt19937 rng{11};
  const std::string alphabet = "ab/./Z09-_";
  for (const char* base :
       {"http://h.example/", "http://h.example/dir/page.html",
        "https://h.example:8443/a/b/?q=1/2", "http://h.example/a/b/c/",
        "http://h.example//x"}) {
    url_resolver r{base};
    url_resolver oracle{base, default_canonicalize_options(),
                        url_parser::libcurl};
    REQUIRE(r.valid());
    for (int i = 0; i < 3000; ++i) {
      std::string href;
      auto len = 1 + rng() % 12;
      for (std::size_t k = 0; k < len; ++k)
        href.push_back(alphabet[rng() % alphabet.size()]);
      auto fast = r.resolve(href);
      auto slow = oracle.resolve(href);
      INFO(base << " + " << href);
      REQUIRE(fast.has_value() == slow.has_value());
      if (fast)
        CHECK(fast.value() == slow.value());
    }
  }
}
