// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/demo/demo_site.hpp"
#include "actio/detail/ascii.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <deque>
#include <stdexcept>
#include <unordered_set>

namespace actio::crawl {

using actio::detail::to_lower;

namespace {

constexpr std::size_t site_sections = 8;
constexpr std::size_t docs_chapters = 4;
constexpr std::size_t open_pages = 3;
constexpr std::size_t big_page_bytes = 2 * 1024 * 1024;

enum class host_id { site, docs, unknown };

enum class kind {
  home,
  page,
  private_page,
  open_page,
  draft,
  nofollow_page,
  big,
  missing,
  error,
  redirect_a,
  redirect_b,
  loop_a,
  loop_b,
  robots,
  sitemap,
  not_found,
};

std::uint64_t mix(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// splitmix64 stream.
struct rng {
  std::uint64_t state;
  std::uint64_t next() noexcept {
    state += 0x9e3779b97f4a7c15ull;
    return mix(state);
  }
  std::size_t below(std::size_t n) noexcept {
    return static_cast<std::size_t>(next() % n);
  }
  bool chance(unsigned percent) noexcept { return below(100) < percent; }
};

std::string_view host_name(host_id h) {
  return h == host_id::site ? demo_site::site_host : demo_site::docs_host;
}

std::string authority(std::string_view host, std::uint16_t port) {
  std::string out(host);
  if (port != 80) {
    out += ':';
    out += std::to_string(port);
  }
  return out;
}

std::string abs_url(host_id h, std::uint16_t port, std::string_view pathq) {
  std::string out = "http://";
  out += authority(host_name(h), port);
  out += pathq;
  return out;
}

std::string to_upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'a' && c <= 'z')
      c = static_cast<char>(c - 'a' + 'A');
  return out;
}

/// A decimal number without sign or leading zeros.
std::optional<std::size_t> parse_index(std::string_view s) {
  if (s.empty() || s.size() > 12 || (s.size() > 1 && s[0] == '0'))
    return std::nullopt;
  std::size_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size())
    return std::nullopt;
  return v;
}

std::string site_page_path(std::size_t i) {
  return "/s/" + std::to_string(i % site_sections) + "/" + std::to_string(i);
}

std::string docs_page_path(std::size_t j) {
  return "/guide/" + std::to_string(j % docs_chapters) + "/" +
         std::to_string(j) + ".html";
}

/// Removes `utm_*` parameters, keeping the others in order.
std::string canonical_query(std::string_view q) {
  std::string out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto part = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    if (part.empty() || part.substr(0, 4) == "utm_")
      continue;
    if (!out.empty())
      out += '&';
    out += part;
  }
  return out;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string_view::npos)
      next = path.size();
    out.push_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

/// A relative reference from the document at `from` to the path `to`.
std::string relative_ref(std::string_view from, std::string_view to) {
  auto f = split_path(from);
  auto t = split_path(to);
  f.pop_back(); // the document's own name
  std::size_t common = 0;
  while (common < f.size() && common + 1 < t.size() && f[common] == t[common])
    ++common;
  std::string out;
  for (std::size_t i = common; i < f.size(); ++i)
    out += "../";
  for (std::size_t i = common; i < t.size(); ++i) {
    if (i > common)
      out += '/';
    out += t[i];
  }
  return out;
}

struct resource {
  kind k = kind::not_found;
  std::size_t index = 0;
};

/// One `<a>` of a page.
struct page_link {
  std::string href;   // as written (before HTML escaping)
  std::string target; // canonical absolute URL; empty if not crawlable
  std::string text;
  bool nofollow = false;
};

/// Everything about a response except its rendered HTML.
struct model {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string title_html;
  std::string title_text;
  std::vector<page_link> links;
  bool html = true;
  bool malformed = false;
  std::size_t target_bytes = 1500;
  std::string raw_body; // non-HTML bodies (robots, sitemap)
  std::uint64_t filler_seed = 0;
};

struct site_shape {
  std::uint64_t seed;
  std::size_t site_pages;
  std::size_t docs_pages;
  std::size_t n_private;
  std::size_t n_nofollow;
  std::size_t n_error;
  std::size_t n_drafts;
  std::size_t n_missing;
};

site_shape make_shape(const demo_site_options& o) {
  site_shape s{};
  s.seed = o.seed;
  s.site_pages = o.page_count * 3 / 4;
  s.docs_pages = o.page_count - s.site_pages;
  s.n_private = std::max<std::size_t>(2, o.page_count / 100);
  s.n_nofollow = std::max<std::size_t>(2, o.page_count / 100);
  s.n_error = std::max<std::size_t>(1, o.page_count / 500);
  s.n_drafts = std::max<std::size_t>(2, o.page_count / 200);
  s.n_missing = std::max<std::size_t>(2, o.page_count / 100);
  return s;
}

host_id parse_host(std::string_view host_header, std::uint16_t& port) {
  port = 80;
  auto colon = host_header.rfind(':');
  std::string_view name = host_header;
  if (colon != std::string_view::npos) {
    name = host_header.substr(0, colon);
    unsigned p = 0;
    auto digits = host_header.substr(colon + 1);
    auto [ptr, ec] =
        std::from_chars(digits.data(), digits.data() + digits.size(), p);
    if (ec != std::errc{} || ptr != digits.data() + digits.size() || p == 0 ||
        p > 65535)
      return host_id::unknown;
    port = static_cast<std::uint16_t>(p);
  }
  auto lower = to_lower(name);
  if (lower == demo_site::site_host)
    return host_id::site;
  if (lower == demo_site::docs_host)
    return host_id::docs;
  return host_id::unknown;
}

resource classify(const site_shape& s, host_id h, std::string_view path) {
  using std::string_view;
  if (h == host_id::unknown)
    return {kind::not_found, 0};
  if (path == "/")
    return {kind::home, 0};
  if (path == "/robots.txt")
    return {kind::robots, 0};
  if (path == "/sitemap.xml")
    return {kind::sitemap, 0};
  auto numbered = [&](string_view prefix) -> std::optional<std::size_t> {
    if (path.substr(0, prefix.size()) != prefix)
      return std::nullopt;
    return parse_index(path.substr(prefix.size()));
  };
  if (auto k = numbered("/missing/"))
    return {kind::missing, *k};
  if (h == host_id::docs) {
    if (path.substr(0, 7) == "/guide/" && path.size() > 12 &&
        path.substr(path.size() - 5) == ".html") {
      auto rest = path.substr(7, path.size() - 12);
      auto slash = rest.find('/');
      if (slash != string_view::npos) {
        auto ch = parse_index(rest.substr(0, slash));
        auto j = parse_index(rest.substr(slash + 1));
        if (ch && j && *j < s.docs_pages && *ch == *j % docs_chapters)
          return {kind::page, *j};
      }
    }
    if (auto k = numbered("/drafts/"); k && *k < s.n_drafts)
      return {kind::draft, *k};
    return {kind::not_found, 0};
  }
  if (path == "/big")
    return {kind::big, 0};
  if (path == "/redirect/a")
    return {kind::redirect_a, 0};
  if (path == "/redirect/b")
    return {kind::redirect_b, 0};
  if (path == "/loop/a")
    return {kind::loop_a, 0};
  if (path == "/loop/b")
    return {kind::loop_b, 0};
  if (path.substr(0, 3) == "/s/") {
    auto rest = path.substr(3);
    auto slash = rest.find('/');
    if (slash != string_view::npos) {
      auto sec = parse_index(rest.substr(0, slash));
      auto i = parse_index(rest.substr(slash + 1));
      if (sec && i && *i < s.site_pages && *sec == *i % site_sections)
        return {kind::page, *i};
    }
    return {kind::not_found, 0};
  }
  if (auto k = numbered("/private/open/"); k && *k < open_pages)
    return {kind::open_page, *k};
  if (auto k = numbered("/private/"); k && *k < s.n_private)
    return {kind::private_page, *k};
  if (auto k = numbered("/nofollow/"); k && *k < s.n_nofollow)
    return {kind::nofollow_page, *k};
  if (auto k = numbered("/error/"); k && *k < s.n_error)
    return {kind::error, *k};
  return {kind::not_found, 0};
}

/// Builds links from one page.
struct link_maker {
  const site_shape& s;
  host_id here;
  std::uint16_t port;
  std::string here_path;
  std::string here_url; // canonical, with canonical query
  rng r;
  std::vector<page_link> out;

  void add(std::string href, std::string target, std::string text,
           bool nofollow = false) {
    out.push_back(
        {std::move(href), std::move(target), std::move(text), nofollow});
  }

  /// A link to `path` on host `h` in a pseudo-random form.
  void to(host_id h, const std::string& path, std::string text,
          bool nofollow = false) {
    std::string target = abs_url(h, port, path);
    std::string href;
    std::string auth = authority(host_name(h), port);
    if (h != here) {
      switch (r.below(6)) {
      case 0:
        href = "http://" + auth + path;
        break;
      case 1:
        href = "http://" + to_upper(auth) + path;
        break;
      case 2:
        href = "//" + auth + path;
        break;
      case 3:
        href = "http://" + auth + path + "?utm_source=crosslink";
        break;
      case 4:
        href =
            "HTTP://" + auth + path + "#from-" + std::to_string(r.below(100));
        break;
      default:
        href = port == 80 ? "http://" + std::string(host_name(h)) + ":80" + path
                          : "http://" + auth + path + "#x";
      }
      add(std::move(href), std::move(target), std::move(text), nofollow);
      return;
    }
    switch (r.below(10)) {
    case 0:
      href = path;
      break;
    case 1:
      href = relative_ref(here_path, path);
      break;
    case 2:
      href = "http://" + auth + path;
      break;
    case 3:
      href = "http://" + to_upper(auth) + path;
      break;
    case 4:
      href = "//" + auth + path;
      break;
    case 5: {
      auto pos = path.find('/', 1);
      href = r.chance(50) ? "/." + path
                          : path.substr(0, pos) + "/zz/.." + path.substr(pos);
      break;
    }
    case 6:
      href = path + "#part-" + std::to_string(r.below(9));
      break;
    case 7:
      href = path + "?utm_source=demo&utm_medium=link";
      break;
    case 8:
      href = relative_ref(here_path, path) + "?utm_campaign=c" +
             std::to_string(r.below(50)) + "#frag";
      break;
    default:
      href = port == 80 ? "http://" + std::string(host_name(h)) + ":80" + path
                        : "http://" + auth + path + "?utm_term=x";
    }
    add(std::move(href), std::move(target), std::move(text), nofollow);
  }

  void to_site_page(std::size_t i) {
    to(host_id::site, site_page_path(i), "Site page " + std::to_string(i));
  }
  void to_docs_page(std::size_t j) {
    to(host_id::docs, docs_page_path(j), "Guide " + std::to_string(j));
  }
  void offsite(std::size_t n) {
    add("http://" + std::string(demo_site::offsite_host) + "/p" +
            std::to_string(n),
        "", "Elsewhere");
  }
  void self_fragment() { add("#top", here_url, "Back to top"); }
};

model make_model(const site_shape& s, host_id h, std::uint16_t port,
                 std::string_view path, std::string_view query) {
  model m;
  auto res = classify(s, h, path);
  std::string here_url = abs_url(h, port, path);
  if (auto q = canonical_query(query); !q.empty())
    here_url += "?" + q;
  std::uint64_t page_seed =
      mix(s.seed ^
          mix(static_cast<std::uint64_t>(res.k) * 1000003u +
              (h == host_id::docs ? 7u : 3u)) ^
          mix(res.index + 0x51ed27u));
  m.filler_seed = mix(page_seed + 17);
  link_maker lm{s, h, port, std::string(path), here_url, rng{page_seed}, {}};
  auto& r = lm.r;
  auto html_type = [&] {
    m.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  };
  auto set_title = [&](std::string text, std::string html) {
    m.title_text = std::move(text);
    m.title_html = std::move(html);
  };
  auto plain_title = [&](const std::string& t) { set_title(t, t); };
  switch (res.k) {
  case kind::not_found:
  case kind::missing:
    m.status = 404;
    html_type();
    plain_title("Not found");
    return m;
  case kind::error:
    m.status = 500;
    html_type();
    plain_title("Server error");
    return m;
  case kind::redirect_a:
    m.status = 301;
    m.headers.emplace_back("Location", "/redirect/b");
    html_type();
    plain_title("Moved permanently");
    return m;
  case kind::redirect_b:
    m.status = 302;
    m.headers.emplace_back("Location", abs_url(h, port, site_page_path(0)));
    html_type();
    plain_title("Found");
    return m;
  case kind::loop_a:
  case kind::loop_b:
    m.status = 302;
    m.headers.emplace_back("Location",
                           res.k == kind::loop_a ? "/loop/b" : "/loop/a");
    html_type();
    plain_title("Found");
    return m;
  case kind::robots: {
    m.html = false;
    m.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    std::string sitemap = abs_url(h, port, "/sitemap.xml");
    if (h == host_id::site)
      m.raw_body = "# robots.txt of the demo site\n"
                   "User-agent: badbot\n"
                   "Disallow: /\n"
                   "\n"
                   "User-agent: *\n"
                   "Allow: /private/open/\n"
                   "Disallow: /private/\n"
                   "\n"
                   "Sitemap: " +
                   sitemap + "\n";
    else
      m.raw_body = "User-agent: *\n"
                   "Disallow: /drafts/\n"
                   "\n"
                   "Sitemap: " +
                   sitemap + "\n";
    return m;
  }
  case kind::sitemap: {
    m.html = false;
    m.headers.emplace_back("Content-Type", "application/xml");
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<urlset xmlns=\"http://www.sitemaps.org/schemas/"
                       "sitemap/0.9\">\n";
    auto loc = [&](const std::string& p) {
      body += "  <url><loc>" + abs_url(h, port, p) + "</loc></url>\n";
    };
    loc("/");
    if (h == host_id::site)
      for (std::size_t i = 0; i < site_sections; ++i)
        loc(site_page_path(i));
    else
      for (std::size_t j = 0; j < docs_chapters; ++j)
        loc(docs_page_path(j));
    body += "</urlset>\n";
    m.raw_body = std::move(body);
    return m;
  }
  default:
    break;
  }
  html_type();
  switch (res.k) {
  case kind::home:
    if (h == host_id::site) {
      plain_title("Demo site home");
      lm.self_fragment();
      for (std::size_t i = 0; i < site_sections; ++i)
        lm.add(site_page_path(i).substr(1), abs_url(h, port, site_page_path(i)),
               "Section " + std::to_string(i));
      lm.add(abs_url(host_id::docs, port, "/"),
             abs_url(host_id::docs, port, "/"), "Documentation");
      lm.add("/big", abs_url(h, port, "/big"), "A big page");
      lm.add("/redirect/a", abs_url(h, port, "/redirect/a"), "Moved page");
      lm.add("loop/a", abs_url(h, port, "/loop/a"), "Loop");
      lm.add("/private/0", abs_url(h, port, "/private/0"), "Private");
      for (std::size_t k = 0; k < open_pages; ++k)
        lm.add("/private/open/" + std::to_string(k),
               abs_url(h, port, "/private/open/" + std::to_string(k)), "Open");
      lm.add("/s/1/1?view=print", abs_url(h, port, "/s/1/1?view=print"),
             "Print view");
      lm.add("/s/2/2?view=print&utm_source=home#p",
             abs_url(h, port, "/s/2/2?view=print"), "Print view 2");
      lm.add("/s/3/3?utm_source=home&view=print&utm_medium=x",
             abs_url(h, port, "/s/3/3?view=print"), "Print view 3");
      lm.add("/missing/0", abs_url(h, port, "/missing/0"), "Missing");
      lm.add("/error/0", abs_url(h, port, "/error/0"), "Broken");
      lm.add("/nofollow/0", abs_url(h, port, "/nofollow/0"), "Sponsored", true);
      lm.offsite(0);
      lm.add("mailto:webmaster@site.localhost", "", "Mail us");
      lm.add("javascript:void(0)", "", "Script");
      lm.add("https://" + std::string(demo_site::offsite_host) + "/secure", "",
             "Secure elsewhere");
    } else {
      plain_title("Docs home");
      lm.self_fragment();
      for (std::size_t j = 0; j < docs_chapters; ++j)
        lm.add(docs_page_path(j).substr(1), abs_url(h, port, docs_page_path(j)),
               "Chapter " + std::to_string(j));
      lm.add("http://" + to_upper(authority(demo_site::site_host, port)) + "/",
             abs_url(host_id::site, port, "/"), "Main site");
      lm.add("/drafts/0", abs_url(h, port, "/drafts/0"), "Drafts");
      lm.add("/missing/1", abs_url(h, port, "/missing/1"), "Missing");
    }
    break;
  case kind::page: {
    std::size_t i = res.index;
    bool site = h == host_id::site;
    std::size_t n = site ? s.site_pages : s.docs_pages;
    if (site) {
      plain_title("Site page " + std::to_string(i) + " in section " +
                  std::to_string(i % site_sections));
    } else {
      set_title("Guide " + std::to_string(i) + " & notes",
                "Guide " + std::to_string(i) + " &amp; notes");
    }
    m.malformed = site ? i % 23 == 7 : i % 19 == 4;
    m.target_bytes = 8000 + r.below(4000);
    lm.self_fragment();
    std::string next_path =
        i + 1 < n ? (site ? site_page_path(i + 1) : docs_page_path(i + 1))
                  : std::string("/");
    lm.add(i + 1 < n ? relative_ref(path, next_path) : "/",
           abs_url(h, port, next_path), "Next");
    if (i > 0) {
      if (site)
        lm.to_site_page(i - 1);
      else
        lm.to_docs_page(i - 1);
    }
    std::size_t n_random = 12 + r.below(5);
    for (std::size_t k = 0; k < n_random; ++k) {
      bool to_site = r.chance(site ? 75 : 40);
      if (to_site)
        lm.to_site_page(r.below(s.site_pages));
      else
        lm.to_docs_page(r.below(s.docs_pages));
    }
    if (site && r.chance(20)) {
      auto k = r.below(s.n_private);
      lm.to(h, "/private/" + std::to_string(k), "Private");
    }
    if (!site && r.chance(15)) {
      auto k = r.below(s.n_drafts);
      lm.to(h, "/drafts/" + std::to_string(k), "Draft");
    }
    if (r.chance(10))
      lm.to(h, "/missing/" + std::to_string(r.below(s.n_missing)), "Old link");
    if (site && r.chance(3))
      lm.to(h, "/error/" + std::to_string(r.below(s.n_error)), "Flaky");
    if (r.chance(12)) {
      auto k = r.below(s.n_nofollow);
      lm.to(host_id::site, "/nofollow/" + std::to_string(k), "Ad", true);
    }
    if (r.chance(10))
      lm.offsite(i);
    if (r.chance(5))
      lm.add("mailto:author" + std::to_string(i) + "@docs.localhost", "",
             "Author");
    break;
  }
  case kind::private_page:
  case kind::open_page:
  case kind::draft:
  case kind::nofollow_page: {
    const char* name = res.k == kind::private_page ? "Private "
                       : res.k == kind::open_page  ? "Open "
                       : res.k == kind::draft      ? "Draft "
                                                   : "Nofollow target ";
    plain_title(name + std::to_string(res.index));
    lm.add("/", abs_url(h, port, "/"), "Home");
    for (int k = 0; k < 5; ++k)
      lm.to_site_page(r.below(s.site_pages));
    m.target_bytes = 4000;
    break;
  }
  case kind::big:
    plain_title("Big page");
    lm.add("/", abs_url(h, port, "/"), "Home");
    lm.to_site_page(1);
    lm.to_docs_page(0);
    m.target_bytes = big_page_bytes;
    break;
  default:
    break;
  }
  m.links = std::move(lm.out);
  return m;
}

constexpr std::array<std::string_view, 12> filler = {
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "Actors exchange messages and never share mutable state directly.",
    "A crawler keeps a frontier of URLs it still has to visit.",
    "Politeness means few concurrent requests per host and a delay.",
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do.",
    "Every page of this site is generated from a seed and a number.",
    "Deterministic tests compare the output against an expected set.",
    "Links come in many shapes: relative, absolute, and with noise.",
    "Write-ahead logging lets a database survive a sudden kill.",
    "JSON Lines files hold one complete object on every line.",
    "Canonical URLs have lower-case hosts and no default ports.",
    "Robots exclusion rules are matched by the longest prefix.",
};

void escape_into(std::string& out, std::string_view s) {
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
}

bool unquotable(std::string_view href) {
  if (href.empty())
    return false;
  return std::all_of(href.begin(), href.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '-' ||
           c == '_' || c == ':';
  });
}

std::string render(const model& m) {
  rng r{m.filler_seed};
  std::string out;
  out.reserve(m.target_bytes + 2048);
  auto sentence = [&] {
    out += filler[r.below(filler.size())];
    out += ' ';
  };
  out += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<title>";
  out += m.title_html;
  out += "</title></head>\n<body>\n<h1 id=\"top\">";
  out += m.title_html;
  out += "</h1>\n";
  if (m.status == 200)
    out += "<!-- <a href=\"/commented/out\">not a link</a> -->\n"
           "<p>Example markup: <code>&lt;a href=\"/not/a/link\"&gt;</code></p>"
           "\n";
  std::size_t n = 0;
  for (const auto& l : m.links) {
    out += "<p>";
    sentence();
    out += "<a ";
    if (l.nofollow)
      out += n % 2 == 0 ? "rel=\"nofollow\" " : "rel=\"noopener nofollow\" ";
    if (m.malformed && unquotable(l.href)) {
      out += "href=";
      out += l.href;
    } else if (n % 3 == 2 && l.href.find('\'') == std::string::npos) {
      out += "href='";
      escape_into(out, l.href);
      out += '\'';
    } else {
      out += "href=\"";
      escape_into(out, l.href);
      out += '"';
    }
    out += '>';
    escape_into(out, l.text);
    out += "</a> ";
    sentence();
    if (m.malformed) {
      if (n % 4 == 1)
        out += "<div><span class=\"note\">unclosed ";
      if (n % 5 == 3)
        out += "<b><i>misnested</b></i> ";
      out += '\n';
    } else {
      out += "</p>\n";
    }
    ++n;
  }
  while (out.size() < m.target_bytes) {
    out += "<p>";
    for (int k = 0; k < 6; ++k)
      sentence();
    out += m.malformed ? "\n" : "</p>\n";
  }
  if (!m.malformed)
    out += "</body></html>\n";
  return out;
}

/// Robots rules of the two hosts for user-agent `*`.
bool robots_allowed(host_id h, std::string_view path) {
  if (h == host_id::site)
    return path.substr(0, 14) == "/private/open/" ||
           path.substr(0, 9) != "/private/";
  return path.substr(0, 8) != "/drafts/";
}

struct parsed_url {
  host_id host = host_id::unknown;
  std::string path;
  std::string query;
};

/// Parses a canonical URL of one of the served hosts on `port`.
std::optional<parsed_url> parse_canonical(std::string_view url,
                                          std::uint16_t port) {
  constexpr std::string_view scheme = "http://";
  if (url.substr(0, scheme.size()) != scheme)
    return std::nullopt;
  url.remove_prefix(scheme.size());
  auto slash = url.find('/');
  if (slash == std::string_view::npos)
    return std::nullopt;
  parsed_url p;
  for (auto h : {host_id::site, host_id::docs})
    if (url.substr(0, slash) == authority(host_name(h), port))
      p.host = h;
  if (p.host == host_id::unknown)
    return std::nullopt;
  auto rest = url.substr(slash);
  auto q = rest.find('?');
  p.path = std::string(rest.substr(0, q));
  if (q != std::string_view::npos)
    p.query = std::string(rest.substr(q + 1));
  return p;
}

} // namespace

demo_site::demo_site(demo_site_options options)
    : options_(options), site_pages_(options.page_count * 3 / 4),
      docs_pages_(options.page_count - options.page_count * 3 / 4) {
  if (options.page_count < 40)
    throw std::invalid_argument("demo_site: page_count must be at least 40");
}

std::string demo_site::home_url(std::string_view host, std::uint16_t port) {
  return "http://" + authority(host, port) + "/";
}

demo_response demo_site::respond(std::string_view host, std::string_view method,
                                 std::string_view target) const {
  demo_response resp;
  if (method != "GET" && method != "HEAD") {
    resp.status = 405;
    resp.headers.emplace_back("Allow", "GET, HEAD");
    resp.headers.emplace_back("Content-Type", "text/plain");
    resp.body = "method not allowed\n";
    return resp;
  }
  std::uint16_t port = 80;
  auto h = parse_host(host, port);
  auto q = target.find('?');
  auto path = target.substr(0, q);
  auto query =
      q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  if (auto hash = query.find('#'); hash != std::string_view::npos)
    query = query.substr(0, hash);
  auto m = make_model(make_shape(options_), h, port, path, query);
  resp.status = m.status;
  resp.headers = std::move(m.headers);
  resp.body = m.html ? render(m) : std::move(m.raw_body);
  return resp;
}

std::vector<expected_page>
demo_site::expected_crawl_set(const demo_crawl_rules& rules) const {
  auto shape = make_shape(options_);
  std::vector<std::string> seeds = rules.seeds;
  if (seeds.empty())
    seeds.push_back(home_url(site_host, rules.port));
  std::unordered_set<std::string> found;
  std::deque<std::pair<std::string, std::uint32_t>> queue;
  for (auto& s : seeds)
    if (found.insert(s).second)
      queue.emplace_back(s, 0);
  std::vector<expected_page> out;
  while (!queue.empty()) {
    auto [url, depth] = queue.front();
    queue.pop_front();
    auto p = parse_canonical(url, rules.port);
    if (!p || !robots_allowed(p->host, p->path))
      continue; // neither fetched nor output
    expected_page e{url, std::nullopt, url, depth, ""};
    auto m = make_model(shape, p->host, rules.port, p->path, p->query);
    std::string final_url = url;
    for (int hops = 0; m.status == 301 || m.status == 302; ++hops) {
      if (hops == 5) {
        final_url.clear();
        break;
      }
      std::string location;
      for (auto& [k, v] : m.headers)
        if (k == "Location")
          location = v;
      if (location.front() == '/')
        location = abs_url(p->host, rules.port, location);
      final_url = location;
      p = parse_canonical(location, rules.port);
      m = make_model(shape, p->host, rules.port, p->path, p->query);
    }
    e.final_url = final_url;
    if (!final_url.empty()) {
      e.status = m.status;
      e.title = m.title_text;
    }
    bool follow = !final_url.empty() && m.status == 200 &&
                  (!rules.max_depth || depth < *rules.max_depth);
    if (follow)
      for (auto& l : m.links) {
        if (l.nofollow || l.target.empty() ||
            !parse_canonical(l.target, rules.port))
          continue;
        if (found.insert(l.target).second)
          queue.emplace_back(l.target, depth + 1);
      }
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.url < b.url; });
  return out;
}

} // namespace actio::crawl
