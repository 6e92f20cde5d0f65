// SPDX-License-Identifier: Apache-2.0
// URL canonicalisation and resolution: any bytes give a value or an error,
// never an exception or a crash; a canonical URL is its own canonical form
// (canonical(canonical(u)) == canonical(u)), within the length limit;
// resolving a link gives a canonical URL, `url_resolver` agrees with
// `resolve`, and actio's own parser agrees with libcurl's URL API (the
// oracle, `url_parser::libcurl`), errors included.
#include "actio/crawl/core/url.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace actio::crawl;

namespace {

[[noreturn]] void fail(const char* what, std::string_view a,
                       std::string_view b) {
  std::fprintf(stderr, "url_fuzz: %s\n  a=[%.*s]\n  b=[%.*s]\n", what,
               static_cast<int>(a.size()), a.data(), static_cast<int>(b.size()),
               b.data());
  std::abort();
}

/// Checks that `r`, when a URL, is canonical under `opts`.
void check_canonical(const url_result& r, std::string_view from,
                     const canonicalize_options& opts) {
  if (!r.has_value())
    return;
  const auto& u = r.value();
  if (u.size() > opts.max_length)
    fail("canonical URL longer than max_length", from, u);
  auto again = canonicalize(u, opts);
  if (!again.has_value())
    fail("a canonical URL is refused when canonicalised again", from, u);
  if (again.value() != u)
    fail("canonicalisation is not idempotent", u, again.value());
  auto host = host_of(u);
  if (host.empty())
    fail("a canonical URL has no host", from, u);
  auto path = path_of(u);
  if (path.empty() || path.front() != '/')
    fail("path_of a canonical URL does not start with /", u, path);
  if (origin_of(u).empty())
    fail("a canonical URL has no origin", from, u);
  (void)is_private_or_loopback_host(host);
}

std::string describe(const url_result& r) {
  return r.has_value() ? r.value() : "error: " + r.error().message;
}

/// Requires actio's result and libcurl's to be equal.
void check_oracle(const url_result& own, const url_result& oracle,
                  std::string_view input) {
  if (describe(own) != describe(oracle))
    fail("actio's URL parser and libcurl's disagree",
         std::string{input} + "\n  actio:   " + describe(own),
         describe(oracle));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  FuzzedDataProvider in(data, size);
  canonicalize_options opts;
  auto flags = in.ConsumeIntegral<std::uint8_t>();
  opts.sort_query = (flags & 1) != 0;
  if (flags & 2)
    opts.max_length = 64;
  auto base = in.ConsumeRandomLengthString(256);
  auto href = in.ConsumeRemainingBytesAsString();

  auto whole = base + href;
  auto whole_canonical = canonicalize(whole, opts);
  check_canonical(whole_canonical, whole, opts);
  check_oracle(whole_canonical, canonicalize(whole, opts, url_parser::libcurl),
               whole);
  (void)host_of(whole);
  (void)origin_of(whole);
  (void)path_of(whole);
  (void)domain_allowed(href, {base, "example.com", "*.example.org"});

  for (std::string_view b :
       {std::string_view{base}, std::string_view{"http://example.com/a/b?q"}}) {
    auto r = resolve(b, href, opts);
    check_canonical(r, href, opts);
    url_resolver resolver{b, opts};
    auto r2 = resolver.resolve(href);
    if (r.has_value() != r2.has_value() ||
        (r.has_value() && r.value() != r2.value()))
      fail("url_resolver and resolve disagree",
           r.has_value() ? r.value() : r.error().message,
           r2.has_value() ? r2.value() : r2.error().message);
    check_oracle(r, resolve(b, href, opts, url_parser::libcurl),
                 std::string{b} + " + " + href);
  }
  return 0;
}
