// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/robots.hpp"
#include "actio/detail/ascii.hpp"

#include "percent.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

namespace actio::crawl {

using actio::detail::iequals;
using actio::detail::trim;

namespace {

/// The product token at the start of a User-agent value, lower-case.
std::string product_token(std::string_view value) {
  if (!value.empty() && value.front() == '*')
    return "*";
  std::string token;
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
              c == '_';
    if (!ok)
      break;
    token.push_back(actio::detail::ascii_lower(c));
  }
  return token;
}

std::string normalise_pattern(std::string_view value) {
  std::string out;
  out.reserve(value.size() + 1);
  if (value.front() != '/' && value.front() != '*')
    out.push_back('/'); // lenient: "Disallow: private" reads as "/private"
  detail::append_normalised(out, value, false);
  return out;
}

std::optional<std::chrono::milliseconds> parse_delay(std::string_view value) {
  double seconds = 0;
  auto [end, ec] =
      std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc{} || end == value.data() || !std::isfinite(seconds) ||
      seconds < 0)
    return std::nullopt;
  seconds = std::min(seconds, 86400.0);
  return std::chrono::milliseconds{std::llround(seconds * 1000)};
}

enum class key { user_agent, allow, disallow, crawl_delay, sitemap, other };

key classify(std::string_view k) noexcept {
  using actio::detail::iequals;
  if (iequals(k, "user-agent") || iequals(k, "useragent") ||
      iequals(k, "user agent"))
    return key::user_agent;
  if (iequals(k, "allow"))
    return key::allow;
  if (iequals(k, "disallow"))
    return key::disallow;
  if (iequals(k, "crawl-delay"))
    return key::crawl_delay;
  if (iequals(k, "sitemap") || iequals(k, "site-map"))
    return key::sitemap;
  return key::other;
}

/// The key and value of a line: `key: value`, or, when that gives no known
/// key, `key value` with a single-token value (a forgotten colon, as in
/// "Disallow /", is an obvious intent that Google's parser honours too).
std::pair<key, std::string_view> split_line(std::string_view line) noexcept {
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    auto k = classify(trim(line.substr(0, colon)));
    if (k != key::other)
      return {k, trim(line.substr(colon + 1))};
  }
  auto t = trim(line);
  auto gap = t.find_first_of(" \t");
  if (gap == std::string_view::npos)
    return {key::other, {}};
  auto value = trim(t.substr(gap));
  if (value.find_first_of(" \t") != std::string_view::npos)
    return {key::other, {}};
  return {classify(t.substr(0, gap)), value};
}

void merge_delay(std::optional<std::chrono::milliseconds>& into,
                 std::optional<std::chrono::milliseconds> d) {
  if (d && (!into || *d > *into))
    into = d;
}

} // namespace

bool robots_pattern_matches(std::string_view p, std::string_view s) noexcept {
  bool anchored = !p.empty() && p.back() == '$';
  if (anchored)
    p.remove_suffix(1);
  auto star = p.find('*');
  auto seg = p.substr(0, star);
  if (s.substr(0, seg.size()) != seg)
    return false;
  if (star == std::string_view::npos)
    return !anchored || s.size() == seg.size();
  std::size_t pos = seg.size();
  p.remove_prefix(star + 1);
  while (true) {
    star = p.find('*');
    seg = p.substr(0, star);
    if (star == std::string_view::npos) {
      if (anchored)
        return s.size() - pos >= seg.size() &&
               s.substr(s.size() - seg.size()) == seg;
      return s.find(seg, pos) != std::string_view::npos;
    }
    auto found = s.find(seg, pos);
    if (found == std::string_view::npos)
      return false;
    pos = found + seg.size();
    p.remove_prefix(star + 1);
  }
}

robots_txt robots_txt::parse(std::string_view body) {
  robots_txt out;
  if (body.size() > max_bytes) {
    body = body.substr(0, max_bytes);
    auto last_break = body.find_last_of("\r\n");
    body =
        body.substr(0, last_break == std::string_view::npos ? 0 : last_break);
  }
  if (body.substr(0, 3) == "\xEF\xBB\xBF")
    body.remove_prefix(3);
  group* current = nullptr;
  bool current_has_members = false;
  while (!body.empty()) {
    auto eol = body.find_first_of("\r\n");
    auto line = body.substr(0, eol);
    body.remove_prefix(eol == std::string_view::npos ? body.size() : eol + 1);
    line = line.substr(0, line.find('#'));
    auto [k, value] = split_line(line);
    switch (k) {
    case key::user_agent:
      if (!current || current_has_members) {
        out.groups_.emplace_back();
        current = &out.groups_.back();
        current_has_members = false;
      }
      current->agents.push_back(product_token(value));
      break;
    case key::allow:
    case key::disallow:
      if (!current)
        break;
      current_has_members = true;
      if (!value.empty())
        current->rules.push_back({normalise_pattern(value), k == key::allow});
      break;
    case key::crawl_delay:
      if (!current)
        break;
      current_has_members = true;
      merge_delay(current->crawl_delay, parse_delay(value));
      break;
    case key::sitemap:
      if (!value.empty())
        out.sitemaps_.emplace_back(value);
      break;
    case key::other:
      break;
    }
  }
  return out;
}

robots_policy robots_txt::policy_for(std::string_view product_token) const {
  auto merge = [this](auto&& pred) {
    robots_policy p;
    bool any = false;
    for (const auto& g : groups_) {
      if (std::none_of(g.agents.begin(), g.agents.end(), pred))
        continue;
      any = true;
      p.rules_.insert(p.rules_.end(), g.rules.begin(), g.rules.end());
      merge_delay(p.crawl_delay_, g.crawl_delay);
    }
    return std::make_pair(any, std::move(p));
  };
  if (!product_token.empty()) {
    auto [found, p] = merge([product_token](const std::string& a) {
      return actio::detail::iequals(a, product_token);
    });
    if (found)
      return std::move(p);
  }
  return merge([](const std::string& a) { return a == "*"; }).second;
}

robots_policy robots_policy::allow_all() {
  return robots_policy{};
}

robots_policy robots_policy::disallow_all(bool temporary) {
  robots_policy p;
  p.disallow_everything_ = true;
  p.temporary_ = temporary;
  return p;
}

robots_policy robots_policy::from_fetch(int status, std::string_view body,
                                        std::string_view product_token) {
  if (status >= 200 && status < 300)
    return robots_txt::parse(body).policy_for(product_token);
  if (status >= 300 && status < 500 && status != 429)
    return allow_all();
  return disallow_all(true);
}

bool robots_policy::allowed(std::string_view path) const {
  thread_local std::string norm;
  norm.clear();
  detail::append_normalised(norm, path, false);
  if (norm == "/robots.txt")
    return true;
  if (disallow_everything_)
    return false;
  std::size_t best = 0;
  bool matched = false;
  bool allow = true;
  for (const auto& r : rules_) {
    if (!robots_pattern_matches(r.pattern, norm))
      continue;
    auto len = r.pattern.size();
    if (!matched || len > best || (len == best && r.allow)) {
      best = len;
      allow = r.allow;
      matched = true;
    }
  }
  return allow;
}

} // namespace actio::crawl
