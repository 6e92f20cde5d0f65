// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/demo/demo_site.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>

using actio::crawl::demo_crawl_rules;
using actio::crawl::demo_site;
using actio::crawl::demo_site_options;
using actio::crawl::expected_page;

namespace {

// An independent, deliberately simple crawler used to check that what
// demo_site renders agrees with what expected_crawl_set claims.

std::string lower(std::string s) {
  for (auto& c : s)
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  return s;
}

struct uri {
  std::string scheme, authority, path, query;
  bool has_scheme = false, has_authority = false, has_query = false;
};

uri parse_uri(std::string s) {
  uri u;
  if (auto hash = s.find('#'); hash != std::string::npos)
    s.resize(hash);
  auto colon = s.find(':');
  auto delim = s.find_first_of("/?");
  if (colon != std::string::npos && colon > 0 &&
      (delim == std::string::npos || colon < delim) &&
      std::isalpha(static_cast<unsigned char>(s[0]))) {
    u.scheme = lower(s.substr(0, colon));
    u.has_scheme = true;
    s = s.substr(colon + 1);
  }
  if (s.rfind("//", 0) == 0) {
    auto end = s.find_first_of("/?", 2);
    u.authority = s.substr(2, end == std::string::npos ? end : end - 2);
    u.has_authority = true;
    s = end == std::string::npos ? "" : s.substr(end);
  }
  auto q = s.find('?');
  u.path = s.substr(0, q);
  if (q != std::string::npos) {
    u.query = s.substr(q + 1);
    u.has_query = true;
  }
  return u;
}

std::string remove_dot_segments(std::string in) {
  std::string out;
  while (!in.empty()) {
    if (in.rfind("../", 0) == 0)
      in.erase(0, 3);
    else if (in.rfind("./", 0) == 0)
      in.erase(0, 2);
    else if (in.rfind("/./", 0) == 0)
      in.replace(0, 3, "/");
    else if (in == "/.")
      in = "/";
    else if (in.rfind("/../", 0) == 0 || in == "/..") {
      in = in == "/.." ? "/" : in.substr(3);
      auto slash = out.rfind('/');
      out.resize(slash == std::string::npos ? 0 : slash);
    } else if (in == "." || in == "..")
      in.clear();
    else {
      auto next = in.find('/', in[0] == '/' ? 1 : 0);
      out += in.substr(0, next);
      in = next == std::string::npos ? "" : in.substr(next);
    }
  }
  return out;
}

/// RFC 3986 section 5.2 reference resolution, then the demo's canonical
/// form; empty for non-http results.
std::string resolve(const std::string& base_s, const std::string& ref_s) {
  auto base = parse_uri(base_s);
  auto ref = parse_uri(ref_s);
  uri t;
  if (ref.has_scheme) {
    t = ref;
    t.path = remove_dot_segments(t.path);
  } else {
    t.scheme = base.scheme;
    if (ref.has_authority) {
      t.authority = ref.authority;
      t.path = remove_dot_segments(ref.path);
      t.query = ref.query;
    } else {
      t.authority = base.authority;
      if (ref.path.empty()) {
        t.path = base.path;
        t.query = ref.has_query ? ref.query : base.query;
      } else {
        if (ref.path[0] == '/') {
          t.path = remove_dot_segments(ref.path);
        } else {
          auto slash = base.path.rfind('/');
          t.path =
              remove_dot_segments(base.path.substr(0, slash + 1) + ref.path);
        }
        t.query = ref.query;
      }
    }
  }
  if (t.scheme != "http")
    return "";
  auto auth = lower(t.authority);
  if (auth.size() > 3 && auth.substr(auth.size() - 3) == ":80")
    auth.resize(auth.size() - 3);
  std::string q;
  std::size_t pos = 0;
  while (pos <= t.query.size() && !t.query.empty()) {
    auto amp = t.query.find('&', pos);
    auto part = t.query.substr(pos, amp == std::string::npos ? amp : amp - pos);
    if (!part.empty() && part.rfind("utm_", 0) != 0)
      q += (q.empty() ? "" : "&") + part;
    if (amp == std::string::npos)
      break;
    pos = amp + 1;
  }
  return "http://" + auth + (t.path.empty() ? "/" : t.path) +
         (q.empty() ? "" : "?" + q);
}

std::string decode(std::string s) {
  for (auto [from, to] :
       std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"&quot;", "\""}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}}) {
    for (auto p = s.find(from); p != std::string::npos; p = s.find(from, p)) {
      s.replace(p, from.size(), to);
      p += to.size();
    }
  }
  return s;
}

struct anchor {
  std::string href;
  bool nofollow = false;
};

std::vector<anchor> extract_anchors(std::string html) {
  for (auto p = html.find("<!--"); p != std::string::npos;
       p = html.find("<!--", p)) {
    auto e = html.find("-->", p);
    html.erase(p, e == std::string::npos ? e : e + 3 - p);
  }
  std::vector<anchor> out;
  for (auto p = html.find("<a "); p != std::string::npos;
       p = html.find("<a ", p + 1)) {
    auto end = html.find('>', p);
    auto tag = html.substr(p + 3, end - p - 3);
    anchor a;
    bool has_href = false;
    std::size_t i = 0;
    while (i < tag.size()) {
      while (i < tag.size() && tag[i] == ' ')
        ++i;
      auto eq = tag.find('=', i);
      if (eq == std::string::npos)
        break;
      auto name = lower(tag.substr(i, eq - i));
      std::string value;
      i = eq + 1;
      if (tag[i] == '"' || tag[i] == '\'') {
        auto close = tag.find(tag[i], i + 1);
        value = tag.substr(i + 1, close - i - 1);
        i = close + 1;
      } else {
        auto sp = tag.find(' ', i);
        value = tag.substr(i, sp == std::string::npos ? sp : sp - i);
        i = sp == std::string::npos ? tag.size() : sp;
      }
      value = decode(value);
      if (name == "href") {
        a.href = value;
        has_href = true;
      } else if (name == "rel") {
        a.nofollow =
            (" " + value + " ").find(" nofollow ") != std::string::npos;
      }
    }
    if (has_href)
      out.push_back(a);
  }
  return out;
}

std::string title_of(const std::string& html) {
  auto b = html.find("<title>");
  auto e = html.find("</title>");
  if (b == std::string::npos || e == std::string::npos)
    return "";
  return decode(html.substr(b + 7, e - b - 7));
}

/// Allowed by the `*` group of a robots.txt (longest match, Allow wins
/// ties).
bool robots_allows(const std::string& robots, const std::string& path) {
  bool in_star = false;
  std::size_t best = 0;
  bool allowed = true;
  std::size_t pos = 0;
  while (pos < robots.size()) {
    auto nl = robots.find('\n', pos);
    auto line = robots.substr(pos, nl - pos);
    pos = nl == std::string::npos ? robots.size() : nl + 1;
    if (line.rfind("User-agent:", 0) == 0)
      in_star = line == "User-agent: *";
    else if (in_star && (line.rfind("Allow: ", 0) == 0 ||
                         line.rfind("Disallow: ", 0) == 0)) {
      bool allow = line[0] == 'A';
      auto rule = line.substr(line.find(' ') + 1);
      if (path.rfind(rule, 0) == 0 &&
          (rule.size() > best || (rule.size() == best && allow))) {
        best = rule.size();
        allowed = allow;
      }
    }
  }
  return allowed;
}

std::pair<std::string, std::string> split_url(const std::string& url) {
  auto slash = url.find('/', 7);
  return {url.substr(7, slash - 7), url.substr(slash)};
}

std::vector<expected_page> independent_crawl(const demo_site& site,
                                             std::uint16_t port,
                                             std::optional<std::uint32_t> max) {
  std::string sfx = port == 80 ? "" : ":" + std::to_string(port);
  std::set<std::string> hosts{"site.localhost" + sfx, "docs.localhost" + sfx};
  std::map<std::string, std::string> robots;
  for (auto& h : hosts)
    robots[h] = site.respond(h, "GET", "/robots.txt").body;
  std::string seed = "http://site.localhost" + sfx + "/";
  std::set<std::string> seen{seed};
  std::deque<std::pair<std::string, std::uint32_t>> queue{{seed, 0}};
  std::vector<expected_page> out;
  while (!queue.empty()) {
    auto [url, depth] = queue.front();
    queue.pop_front();
    auto [host, target] = split_url(url);
    if (!robots_allows(robots[host], target))
      continue;
    expected_page e{url, std::nullopt, url, depth, ""};
    auto resp = site.respond(host, "GET", target);
    std::string final_url = url;
    int hops = 0;
    while (resp.status == 301 || resp.status == 302) {
      if (++hops > 5) {
        final_url.clear();
        break;
      }
      std::string loc;
      for (auto& [k, v] : resp.headers)
        if (k == "Location")
          loc = v;
      final_url = resolve(final_url, loc);
      std::tie(host, target) = split_url(final_url);
      resp = site.respond(host, "GET", target);
    }
    e.final_url = final_url;
    if (!final_url.empty()) {
      e.status = resp.status;
      e.title = title_of(resp.body);
    }
    if (!final_url.empty() && resp.status == 200 && (!max || depth < *max))
      for (auto& a : extract_anchors(resp.body)) {
        if (a.nofollow)
          continue;
        auto link = resolve(final_url, a.href);
        if (link.empty() || !hosts.count(split_url(link).first))
          continue;
        if (seen.insert(link).second)
          queue.emplace_back(link, depth + 1);
      }
    out.push_back(e);
  }
  std::sort(out.begin(), out.end(),
            [](auto& a, auto& b) { return a.url < b.url; });
  return out;
}

void check_same(const std::vector<expected_page>& got,
                const std::vector<expected_page>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO(want[i].url);
    REQUIRE(got[i].url == want[i].url);
    CHECK(got[i].status == want[i].status);
    CHECK(got[i].final_url == want[i].final_url);
    CHECK(got[i].depth == want[i].depth);
    CHECK(got[i].title == want[i].title);
  }
}

const expected_page* find(const std::vector<expected_page>& v,
                          const std::string& url) {
  for (auto& e : v)
    if (e.url == url)
      return &e;
  return nullptr;
}

} // namespace

TEST_CASE("the resolver used by these tests follows RFC 3986 examples",
          "[demo_site]") {
  const std::string base = "http://a/b/c/d;p?q";
  CHECK(resolve(base, "g") == "http://a/b/c/g");
  CHECK(resolve(base, "./g") == "http://a/b/c/g");
  CHECK(resolve(base, "/g") == "http://a/g");
  CHECK(resolve(base, "//g") == "http://g/");
  CHECK(resolve(base, "?y") == "http://a/b/c/d;p?y");
  CHECK(resolve(base, "#s") == "http://a/b/c/d;p?q");
  CHECK(resolve(base, "../g") == "http://a/b/g");
  CHECK(resolve(base, "../../../g") == "http://a/g");
  CHECK(resolve(base, "/./g") == "http://a/g");
  CHECK(resolve(base, "g?utm_source=x&k=1") == "http://a/b/c/g?k=1");
  CHECK(resolve(base, "HTTP://A:80/x") == "http://a/x");
  CHECK(resolve(base, "mailto:x@y").empty());
}

TEST_CASE("the rendered site, crawled independently, matches "
          "expected_crawl_set exactly",
          "[demo_site]") {
  demo_site site{{7, 400}};
  for (std::uint16_t port : {std::uint16_t{80}, std::uint16_t{43210}}) {
    DYNAMIC_SECTION("port " << port) {
      demo_crawl_rules rules;
      rules.port = port;
      auto want = site.expected_crawl_set(rules);
      check_same(independent_crawl(site, port, std::nullopt), want);
      CHECK(want.size() > 300);
    }
  }
}

TEST_CASE("expected_crawl_set with a depth limit matches the independent "
          "crawl and is a subset",
          "[demo_site]") {
  demo_site site{{3, 300}};
  demo_crawl_rules rules;
  rules.port = 8080;
  rules.max_depth = 2;
  auto limited = site.expected_crawl_set(rules);
  check_same(independent_crawl(site, 8080, 2), limited);
  rules.max_depth.reset();
  auto full = site.expected_crawl_set(rules);
  CHECK(limited.size() < full.size());
  for (auto& e : limited) {
    CHECK(e.depth <= 2);
    auto f = find(full, e.url);
    REQUIRE(f != nullptr);
    CHECK(f->depth == e.depth);
  }
}

TEST_CASE("the expected set honours robots, nofollow, scope and redirects",
          "[demo_site]") {
  demo_site site{{1, 500}};
  demo_crawl_rules rules;
  rules.port = 9000;
  auto set = site.expected_crawl_set(rules);
  const std::string s = "http://site.localhost:9000";
  for (auto& e : set) {
    INFO(e.url);
    CHECK((e.url.find("/private/") == std::string::npos ||
           e.url.find("/private/open/") != std::string::npos));
    CHECK(e.url.find("/drafts/") == std::string::npos);
    CHECK(e.url.find("/nofollow/") == std::string::npos);
    CHECK(e.url.find("offsite") == std::string::npos);
    CHECK(e.url.find("utm_") == std::string::npos);
    CHECK(e.url.find('#') == std::string::npos);
    CHECK(e.url.find("robots.txt") == std::string::npos);
  }
  auto home = find(set, s + "/");
  REQUIRE(home);
  CHECK(home->depth == 0);
  CHECK(home->title == "Demo site home");
  auto redirected = find(set, s + "/redirect/a");
  REQUIRE(redirected);
  CHECK(redirected->status == 200);
  CHECK(redirected->final_url == s + "/s/0/0");
  CHECK_FALSE(find(set, s + "/redirect/b"));
  auto loop = find(set, s + "/loop/a");
  REQUIRE(loop);
  CHECK_FALSE(loop->status.has_value());
  CHECK(loop->final_url.empty());
  CHECK(find(set, s + "/missing/0")->status == 404);
  CHECK(find(set, s + "/error/0")->status == 500);
  CHECK(find(set, s + "/private/open/0")->status == 200);
  CHECK(find(set, s + "/s/2/2?view=print"));
  CHECK(find(set, "http://docs.localhost:9000/")->title == "Docs home");
  auto docs_page = find(set, "http://docs.localhost:9000/guide/1/1.html");
  REQUIRE(docs_page);
  CHECK(docs_page->title == "Guide 1 & notes");
  // Every content page is reachable (the pages link in a chain).
  std::size_t content = 0;
  for (auto& e : set)
    if (e.url.find("/s/") != std::string::npos ||
        e.url.find("/guide/") != std::string::npos)
      ++content;
  CHECK(content == site.site_pages() + site.docs_pages() + 3); // 3 print views
}

TEST_CASE("the site is a pure function of seed and page count", "[demo_site]") {
  demo_site a{{11, 1000}}, b{{11, 1000}}, c{{12, 1000}};
  auto page = [](const demo_site& s) {
    return s.respond("site.localhost:8080", "GET", "/s/5/13").body;
  };
  CHECK(page(a) == page(b));
  CHECK(page(a) != page(c));
  demo_crawl_rules rules;
  rules.port = 8080;
  CHECK(a.expected_crawl_set(rules).size() ==
        b.expected_crawl_set(rules).size());
}

TEST_CASE("content pages are about 10 KB with about 20 links and a title",
          "[demo_site]") {
  demo_site site{{5, 2000}};
  std::size_t bytes = 0, links = 0, malformed = 0;
  const std::size_t n = 100;
  for (std::size_t i = 0; i < n; ++i) {
    auto r =
        site.respond("site.localhost:8080", "GET",
                     "/s/" + std::to_string(i % 8) + "/" + std::to_string(i));
    REQUIRE(r.status == 200);
    CHECK(title_of(r.body) == "Site page " + std::to_string(i) +
                                  " in section " + std::to_string(i % 8));
    bytes += r.body.size();
    links += extract_anchors(r.body).size();
    if (r.body.find("</body>") == std::string::npos)
      ++malformed;
  }
  CHECK(bytes / n > 8000);
  CHECK(bytes / n < 14000);
  CHECK(links / n >= 15);
  CHECK(links / n <= 25);
  CHECK(malformed >= 3);
}

TEST_CASE("robots.txt disallows private and drafts and names the sitemap",
          "[demo_site]") {
  demo_site site;
  auto r = site.respond("site.localhost:8080", "GET", "/robots.txt");
  CHECK(r.status == 200);
  CHECK(r.headers.at(0).second.rfind("text/plain", 0) == 0);
  CHECK_THAT(r.body, Catch::Contains("Disallow: /private/"));
  CHECK_THAT(r.body, Catch::Contains(
                         "Sitemap: http://site.localhost:8080/sitemap.xml"));
  CHECK_FALSE(robots_allows(r.body, "/private/1"));
  CHECK(robots_allows(r.body, "/private/open/1"));
  auto d = site.respond("docs.localhost:8080", "GET", "/robots.txt");
  CHECK_FALSE(robots_allows(d.body, "/drafts/0"));
  auto sm = site.respond("site.localhost:8080", "GET", "/sitemap.xml");
  CHECK(sm.status == 200);
  CHECK_THAT(sm.body,
             Catch::Contains("<loc>http://site.localhost:8080/s/1/1</loc>"));
}

TEST_CASE("errors, redirects and the big page answer as documented",
          "[demo_site]") {
  demo_site site;
  const std::string h = "site.localhost:8080";
  CHECK(site.respond(h, "GET", "/no/such/page").status == 404);
  CHECK(site.respond(h, "GET", "/s/3/4").status == 404); // wrong section
  CHECK(site.respond(h, "GET", "/s/0/08").status == 404);
  CHECK(site.respond("elsewhere.localhost", "GET", "/").status == 404);
  CHECK(site.respond(h, "GET", "/missing/3").status == 404);
  CHECK(site.respond(h, "GET", "/error/0").status == 500);
  auto post = site.respond(h, "POST", "/");
  CHECK(post.status == 405);
  auto a = site.respond(h, "GET", "/redirect/a");
  CHECK(a.status == 301);
  CHECK(a.headers.at(0) ==
        std::pair<std::string, std::string>{"Location", "/redirect/b"});
  auto b = site.respond(h, "GET", "/redirect/b");
  CHECK(b.status == 302);
  CHECK(b.headers.at(0).second == "http://site.localhost:8080/s/0/0");
  CHECK(site.respond(h, "GET", "/loop/b").headers.at(0).second == "/loop/a");
  auto big = site.respond(h, "GET", "/big");
  CHECK(big.status == 200);
  CHECK(big.body.size() >= 2 * 1024 * 1024);
  CHECK(big.body.size() < 2 * 1024 * 1024 + 4096);
  // Host names are case-insensitive and the query is ignored for content.
  CHECK(site.respond("SITE.LOCALHOST:8080", "GET", "/s/1/1").body ==
        site.respond(h, "GET", "/s/1/1?utm_source=x").body);
  CHECK_THROWS_AS(demo_site({1, 10}), std::invalid_argument);
}

namespace {

void check_large_site(std::size_t pages) {
  demo_site site{{9, pages}};
  demo_crawl_rules rules;
  rules.port = 8080;
  auto t0 = std::chrono::steady_clock::now();
  auto set = site.expected_crawl_set(rules);
  auto dt = std::chrono::steady_clock::now() - t0;
  CHECK(set.size() > pages);
  CHECK(dt < std::chrono::seconds(30));
  std::uint32_t deepest = 0;
  for (auto& e : set)
    deepest = std::max(deepest, e.depth);
  CHECK(deepest < 40); // random links keep the site shallow
}

} // namespace

TEST_CASE("a 10k-page site computes its expected set", "[demo_site]") {
  check_large_site(10'000);
}

// About 10 s in a Debug build: run with [large].
TEST_CASE("a 100k-page site computes its expected set",
          "[demo_site][.][large]") {
  check_large_site(100'000);
}
