// SPDX-License-Identifier: Apache-2.0
// robots.txt parsing and matching: any bytes parse without a crash; the
// pattern matcher agrees with a plain dynamic-programming reference; the
// patterns a policy keeps are normalised (writing them out and parsing
// again gives the same rules); /robots.txt is always allowed.
#include "actio/crawl/core/robots.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using namespace actio::crawl;

namespace {

/// RFC 9309 matching, written as the obvious O(n*m) table: `*` matches any
/// run, a final `$` anchors, otherwise the pattern is a prefix.
bool reference_matches(std::string_view p, std::string_view s) {
  bool anchored = !p.empty() && p.back() == '$';
  if (anchored)
    p.remove_suffix(1);
  // ok[j]: p[0..i) matches s[0..j) exactly.
  std::vector<char> ok(s.size() + 1, 0), next(s.size() + 1, 0);
  ok[0] = 1;
  for (char c : p) {
    std::fill(next.begin(), next.end(), 0);
    for (std::size_t j = 0; j <= s.size(); ++j) {
      if (c == '*')
        next[j] = ok[j] || (j > 0 && next[j - 1]);
      else
        next[j] = j > 0 && ok[j - 1] && s[j - 1] == c;
    }
    ok.swap(next);
  }
  if (anchored)
    return ok[s.size()];
  for (char b : ok)
    if (b)
      return true;
  return false;
}

[[noreturn]] void fail(const char* what, std::string_view a,
                       std::string_view b) {
  std::fprintf(stderr, "robots_fuzz: %s\n  a=[%.*s]\n  b=[%.*s]\n", what,
               static_cast<int>(a.size()), a.data(), static_cast<int>(b.size()),
               b.data());
  std::abort();
}

std::string write_out(const std::vector<robots_rule>& rules) {
  std::string out = "User-agent: *\n";
  for (const auto& r : rules)
    out += (r.allow ? "Allow: " : "Disallow: ") + r.pattern + "\n";
  return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  FuzzedDataProvider in(data, size);
  auto pattern = in.ConsumeRandomLengthString(64);
  auto path = in.ConsumeRandomLengthString(128);
  auto agent = in.ConsumeRandomLengthString(16);
  auto body = in.ConsumeRemainingBytesAsString();

  if (robots_pattern_matches(pattern, path) != reference_matches(pattern, path))
    fail("matcher disagrees with the reference (pattern, path)", pattern, path);

  auto txt = robots_txt::parse(body);
  for (std::string_view token : {std::string_view{agent}, std::string_view{},
                                 std::string_view{"actio-crawler"}}) {
    auto policy = txt.policy_for(token);
    if (!policy.allowed("/robots.txt"))
      fail("/robots.txt disallowed", body, token);
    (void)policy.allowed(path);
    (void)policy.allowed("/" + path);
    for (const auto& r : policy.rules()) {
      if (r.pattern.empty() || (r.pattern[0] != '/' && r.pattern[0] != '*'))
        fail("a kept pattern does not start with / or *", r.pattern, body);
      (void)robots_pattern_matches(r.pattern, path);
    }
    auto again = robots_txt::parse(write_out(policy.rules())).policy_for("*");
    if (again.rules().size() != policy.rules().size())
      fail("rules written out parse to a different count",
           write_out(policy.rules()), write_out(again.rules()));
    for (std::size_t i = 0; i < again.rules().size(); ++i)
      if (again.rules()[i].pattern != policy.rules()[i].pattern ||
          again.rules()[i].allow != policy.rules()[i].allow)
        fail("a normalised pattern changes when parsed again",
             policy.rules()[i].pattern, again.rules()[i].pattern);
  }
  return 0;
}
