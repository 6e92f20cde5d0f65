// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/robots.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace actio::crawl;
using namespace std::chrono_literals;

namespace {

// RFC 9309, section 5.1.
constexpr const char* rfc_simple = "User-Agent: *\n"
                                   "Disallow: *.gif$\n"
                                   "Disallow: /example/\n"
                                   "Allow: /publications/\n"
                                   "\n"
                                   "User-Agent: foobot\n"
                                   "Disallow:/\n"
                                   "Allow:/example/page.html\n"
                                   "Allow:/example/allowed.gif\n"
                                   "\n"
                                   "User-Agent: barbot\n"
                                   "User-Agent: bazbot\n"
                                   "Disallow: /example/page.html\n"
                                   "\n"
                                   "User-Agent: quxbot\n"
                                   "\n"
                                   "EOF\n";

robots_policy policy(std::string_view body, std::string_view agent) {
  return robots_txt::parse(body).policy_for(agent);
}

bool allowed(std::string_view rules, std::string_view path) {
  return policy("user-agent: *\n" + std::string{rules}, "bot").allowed(path);
}

} // namespace

TEST_CASE("the RFC 9309 simple example gives each agent its group",
          "[robots]") {
  auto txt = robots_txt::parse(rfc_simple);
  CHECK(txt.groups().size() == 4);

  auto foobot = txt.policy_for("FooBot");
  CHECK(foobot.allowed("/example/page.html"));
  CHECK(foobot.allowed("/example/allowed.gif"));
  CHECK_FALSE(foobot.allowed("/example/other.html"));
  CHECK_FALSE(foobot.allowed("/"));

  for (const char* agent : {"barbot", "bazbot"}) {
    auto p = txt.policy_for(agent);
    CHECK_FALSE(p.allowed("/example/page.html"));
    CHECK(p.allowed("/example/other.gif"));
    CHECK(p.allowed("/publications/x"));
  }

  auto qux = txt.policy_for("quxbot");
  CHECK(qux.rules().empty());
  CHECK(qux.allowed("/example/page.gif"));

  auto other = txt.policy_for("otherbot");
  CHECK_FALSE(other.allowed("/images/a.gif"));
  CHECK(other.allowed("/images/a.gif?x"));
  CHECK_FALSE(other.allowed("/example/x"));
  CHECK(other.allowed("/publications/x"));
  CHECK(other.allowed("/"));
}

TEST_CASE("the RFC 9309 longest-match example: the longer pattern wins",
          "[robots]") {
  auto p = policy("User-Agent: foobot\n"
                  "Allow: /example/page/\n"
                  "Disallow: /example/page/disallowed.gif\n",
                  "foobot");
  CHECK(p.allowed("/example/page/"));
  CHECK(p.allowed("/example/page/other.gif"));
  CHECK_FALSE(p.allowed("/example/page/disallowed.gif"));
}

TEST_CASE("Google's precedence examples: longest pattern, Allow wins ties",
          "[robots]") {
  CHECK(allowed("allow: /p\ndisallow: /\n", "/page"));
  CHECK(allowed("allow: /folder\ndisallow: /folder\n", "/folder/page"));
  CHECK_FALSE(allowed("allow: /page\ndisallow: /*.htm\n", "/page.htm"));
  CHECK(allowed("allow: /page\ndisallow: /*.ph\n", "/page.php5"));
  CHECK(allowed("allow: /$\ndisallow: /\n", "/"));
  CHECK_FALSE(allowed("allow: /$\ndisallow: /\n", "/page.htm"));
}

TEST_CASE("Google's path matching examples for prefixes, * and $", "[robots]") {
  auto matches = [](std::string_view pattern, std::string_view path) {
    return robots_pattern_matches(pattern, path);
  };
  for (const char* p : {"/fish", "/fish*"}) {
    for (const char* yes :
         {"/fish", "/fish.html", "/fish/salmon.html", "/fishheads",
          "/fishheads/yummy.html", "/fish.php?id=anything"})
      CHECK(matches(p, yes));
    for (const char* no :
         {"/Fish.asp", "/catfish", "/?id=fish", "/desert/fish"})
      CHECK_FALSE(matches(p, no));
  }
  for (const char* yes : {"/fish/", "/fish/?id=anything", "/fish/salmon.htm"})
    CHECK(matches("/fish/", yes));
  for (const char* no :
       {"/fish", "/fish.html", "/animals/fish/", "/Fish/Salmon.asp"})
    CHECK_FALSE(matches("/fish/", no));
  for (const char* yes : {"/index.php", "/filename.php", "/folder/filename.php",
                          "/folder/filename.php?parameters",
                          "/folder/any.php.file.html", "/filename.php/"})
    CHECK(matches("/*.php", yes));
  for (const char* no : {"/", "/windows.PHP"})
    CHECK_FALSE(matches("/*.php", no));
  for (const char* yes : {"/filename.php", "/folder/filename.php"})
    CHECK(matches("/*.php$", yes));
  for (const char* no : {"/filename.php?parameters", "/filename.php/",
                         "/filename.php5", "/windows.PHP"})
    CHECK_FALSE(matches("/*.php$", no));
  CHECK(matches("/fish*.php", "/fish.php"));
  CHECK(matches("/fish*.php", "/fishheads/catfish.php?parameters"));
  CHECK_FALSE(matches("/fish*.php", "/Fish.PHP"));
  CHECK(matches("/", "/anything"));
  CHECK(matches("/*", "/"));
  CHECK(matches("/$", "/"));
  CHECK_FALSE(matches("/$", "/a"));
  CHECK(matches("/a*b*c$", "/axxbyyc"));
  CHECK_FALSE(matches("/a*b*c$", "/axxbyycd"));
  CHECK(matches("/a*c$", "/abcbc"));
  CHECK(matches("/a$b", "/a$b/c"));
}

TEST_CASE("percent-encoding is normalised on both sides (RFC 9309 2.2.2)",
          "[robots]") {
  CHECK_FALSE(
      allowed("disallow: /foo/bar/\xE3\x83\x84\n", "/foo/bar/%E3%83%84"));
  CHECK_FALSE(
      allowed("disallow: /foo/bar/%E3%83%84\n", "/foo/bar/\xE3\x83\x84"));
  CHECK_FALSE(allowed("disallow: /foo/bar/%e3%83%84\n", "/foo/bar/%E3%83%84"));
  CHECK_FALSE(allowed("disallow: /foo/bar/baz\n", "/foo/bar/%62%61%7A"));
  CHECK_FALSE(allowed("disallow: /foo/bar/%62%61%7A\n", "/foo/bar/baz"));
  CHECK(allowed("disallow: /a%2Fb\n", "/a/b"));
  CHECK_FALSE(allowed("disallow: /foo/bar?baz=quz\n", "/foo/bar?baz=quz"));
}

TEST_CASE("user-agent matching is case-insensitive on the product token and "
          "falls back to *",
          "[robots]") {
  const char* body = "User-agent: ActioBot/1.0 (+http://x)\nDisallow: /a\n"
                     "User-agent: *\nDisallow: /b\n";
  auto mine = policy(body, "actiobot");
  CHECK_FALSE(mine.allowed("/a"));
  CHECK(mine.allowed("/b"));
  auto other = policy(body, "actiobot-news");
  CHECK(other.allowed("/a"));
  CHECK_FALSE(other.allowed("/b"));
  CHECK(policy("User-agent: other\nDisallow: /\n", "actiobot").allowed("/x"));
}

TEST_CASE("groups of the same agent are merged and crawl-delay is per group",
          "[robots]") {
  auto txt =
      robots_txt::parse("User-agent: a\nDisallow: /x\nCrawl-delay: 2\n"
                        "User-agent: *\nCrawl-delay: 9\nDisallow: /z\n"
                        "User-agent: A\nDisallow: /y\nCrawl-delay: 0.5\n");
  auto a = txt.policy_for("a");
  CHECK_FALSE(a.allowed("/x"));
  CHECK_FALSE(a.allowed("/y"));
  CHECK(a.allowed("/z"));
  REQUIRE(a.crawl_delay());
  CHECK(*a.crawl_delay() == 2000ms);
  auto star = txt.policy_for("b");
  REQUIRE(star.crawl_delay());
  CHECK(*star.crawl_delay() == 9000ms);
  CHECK_FALSE(robots_txt::parse("User-agent: *\nCrawl-delay: soon\n")
                  .policy_for("b")
                  .crawl_delay());
  CHECK_FALSE(robots_txt::parse("User-agent: *\nCrawl-delay: -3\n")
                  .policy_for("b")
                  .crawl_delay());
}

TEST_CASE("several user-agent lines share a group, and rules before any "
          "user-agent are ignored",
          "[robots]") {
  auto txt = robots_txt::parse("Disallow: /orphan\n"
                               "User-agent: a\nUser-agent: b\nDisallow: /s\n");
  REQUIRE(txt.groups().size() == 1);
  CHECK(txt.groups()[0].agents == std::vector<std::string>{"a", "b"});
  CHECK_FALSE(txt.policy_for("b").allowed("/s"));
  CHECK(txt.policy_for("c").allowed("/orphan"));
}

TEST_CASE("comments, blank values, CRLF, BOM and junk lines are tolerated",
          "[robots]") {
  auto p = policy("\xEF\xBB\xBFUser-agent: * # everyone\r\n"
                  "Disallow: /private # secret\r\n"
                  "Disallow:\r\n"
                  "this line is junk\r\n"
                  "Foo: bar\r\n"
                  "  Allow :  /private/ok  \r"
                  "Disallow: nosl\n",
                  "bot");
  CHECK_FALSE(p.allowed("/private/x"));
  CHECK(p.allowed("/private/ok/1"));
  CHECK(p.allowed("/public"));
  CHECK_FALSE(p.allowed("/nosl"));
  CHECK(p.rules().size() == 3);
}

TEST_CASE("a line without its colon is read as the rule it obviously means, "
          "as Google's parser does",
          "[robots]") {
  auto txt = robots_txt::parse("user-agent *\n"
                               "disallow /\n"
                               "Allow\t/public\n"
                               "Disallow /a:b\n"
                               "crawl-delay 2\n"
                               "disallow /two words\n"
                               "disallow\n"
                               "sitemap https://h.example/s.xml\n");
  auto p = txt.policy_for("bot");
  CHECK_FALSE(p.allowed("/"));
  CHECK_FALSE(p.allowed("/private"));
  CHECK(p.allowed("/public/x"));
  REQUIRE(p.rules().size() == 3);
  CHECK(p.rules()[2].pattern == "/a:b");
  CHECK(p.crawl_delay() == std::chrono::milliseconds{2000});
  CHECK(txt.sitemaps() == std::vector<std::string>{"https://h.example/s.xml"});
}

TEST_CASE("sitemap lines are collected outside groups", "[robots]") {
  auto txt = robots_txt::parse("Sitemap: https://h.com/s1.xml\n"
                               "User-agent: *\nDisallow: /x\n"
                               "sitemap: https://h.com/s2.xml\nDisallow: /y\n");
  CHECK(txt.sitemaps() == std::vector<std::string>{"https://h.com/s1.xml",
                                                   "https://h.com/s2.xml"});
  auto p = txt.policy_for("bot");
  CHECK_FALSE(p.allowed("/x"));
  CHECK_FALSE(p.allowed("/y"));
}

TEST_CASE("/robots.txt is always allowed", "[robots]") {
  CHECK(policy("User-agent: *\nDisallow: /\n", "bot").allowed("/robots.txt"));
  CHECK(robots_policy::disallow_all().allowed("/robots.txt"));
  CHECK_FALSE(robots_policy::disallow_all().allowed("/"));
}

TEST_CASE("only the first 500 KiB are parsed and a cut line is dropped",
          "[robots]") {
  std::string body = "User-agent: *\nDisallow: /early\n";
  while (body.size() < robots_txt::max_bytes - 20)
    body += "# padding padding padding padding padding\n";
  body.resize(robots_txt::max_bytes - 12, '#');
  body += "\nDisallow: /cut-line-that-spans-the-limit\nDisallow: /late\n";
  auto p = policy(body, "bot");
  CHECK_FALSE(p.allowed("/early"));
  CHECK(p.allowed("/late"));
  CHECK(p.allowed("/cut"));
  CHECK(p.allowed("/"));
}

TEST_CASE("binary garbage parses to no rules", "[robots]") {
  std::string junk;
  for (int i = 0; i < 100000; ++i)
    junk.push_back(static_cast<char>((i * 7919) % 256));
  auto p = policy(junk, "bot");
  CHECK(p.allowed("/anything"));
  CHECK(policy("", "bot").allowed("/"));
}

TEST_CASE("status codes map to RFC 9309's policy", "[robots]") {
  const char* body = "User-agent: *\nDisallow: /x\n";
  auto ok = robots_policy::from_fetch(200, body, "bot");
  CHECK_FALSE(ok.allowed("/x"));
  CHECK(ok.allowed("/y"));
  CHECK_FALSE(ok.temporary());
  for (int status : {404, 403, 401, 410, 301}) {
    auto p = robots_policy::from_fetch(status, body, "bot");
    INFO(status);
    CHECK(p.allowed("/x"));
    CHECK_FALSE(p.temporary());
  }
  for (int status : {500, 503, 429, 0, -1}) {
    auto p = robots_policy::from_fetch(status, body, "bot");
    INFO(status);
    CHECK_FALSE(p.allowed("/y"));
    CHECK(p.allowed("/robots.txt"));
    CHECK(p.temporary());
  }
}
