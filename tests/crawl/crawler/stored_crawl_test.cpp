// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/stored_crawl.hpp"

#include "actio/crawl/crawler/crawl_error.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using actio::crawl::continue_stored_crawl;
using actio::crawl::crawl_metadata;
using actio::crawl::crawl_options;
using actio::crawl::crawl_scope_error;
using actio::crawl::demo_origin;
using actio::crawl::parse_stored_crawl;
using actio::crawl::stored_crawl;
using actio::crawl::stored_options_json;
using strings = std::vector<std::string>;

namespace {

stored_crawl a_crawl() {
  stored_crawl s;
  s.seeds = {"http://a.example/"};
  s.allowed_domains = {"a.example"};
  s.site_recorded = true;
  return s;
}

/// The scope error `continue_stored_crawl` throws for `o`, or "".
std::string refusal(crawl_options o, const stored_crawl& s) {
  try {
    continue_stored_crawl(o, s, "state.db");
  } catch (const crawl_scope_error& e) {
    return e.what();
  }
  return {};
}

} // namespace

TEST_CASE("what the crawler writes in the state is read back, the demo "
          "site included",
          "[stored_crawl]") {
  crawl_options o;
  o.allowed_domains = {"a.example", "b.example"};
  o.allow_private = true;
  o.max_depth = 3;
  o.demo = demo_origin{4242, 400, 7};
  auto s = parse_stored_crawl(
      crawl_metadata{{"http://a.example/"}, stored_options_json(o), "v"});
  CHECK(s.seeds == strings{"http://a.example/"});
  CHECK(s.allowed_domains == o.allowed_domains);
  CHECK(s.allow_private);
  CHECK(s.max_depth == 3u);
  REQUIRE(s.demo.has_value());
  CHECK(*s.demo == demo_origin{4242, 400, 7});
  CHECK(s.site_recorded);

  o.demo.reset();
  o.max_depth.reset();
  auto web = parse_stored_crawl(crawl_metadata{{}, stored_options_json(o), ""});
  CHECK_FALSE(web.demo.has_value());
  CHECK_FALSE(web.max_depth.has_value());
  CHECK(web.site_recorded);
  // An earlier version's options: no word on the site.
  auto old = parse_stored_crawl(crawl_metadata{
      {"http://a.example/"},
      R"({"allowed_domains":["a.example"],"allow_private":false,)"
      R"("max_pages":18446744073709551615,"obey_robots":true,)"
      R"("user_agent":"actio-crawl/0.1"})",
      "actio-crawl 0.1"});
  CHECK_FALSE(old.site_recorded);
  CHECK(old.allowed_domains == strings{"a.example"});
}

TEST_CASE("a crawl given no start URL, domain or depth continues the stored "
          "one with its own",
          "[stored_crawl]") {
  auto s = a_crawl();
  s.max_depth = 2;
  s.allow_private = true;
  crawl_options o;
  continue_stored_crawl(o, s, "state.db");
  CHECK(o.seeds == s.seeds);
  CHECK(o.allowed_domains == s.allowed_domains);
  CHECK(o.max_depth == 2u);
  CHECK(o.allow_private);
}

TEST_CASE("other start URLs, domains or depth limit are refused, naming "
          "each difference",
          "[stored_crawl]") {
  auto s = a_crawl();
  crawl_options o;
  o.seeds = {"http://b.example/"};
  auto what = refusal(o, s);
  CHECK_THAT(what, Catch::Contains("state.db holds another crawl"));
  CHECK_THAT(what,
             Catch::Contains(
                 "start URLs: its http://a.example/, here http://b.example/"));
  o.seeds = {"http://a.example/"};
  o.allowed_domains = {"b.example"};
  o.max_depth = 1;
  what = refusal(o, s);
  CHECK_THAT(what, Catch::Contains("allowed domains: its a.example, here "
                                   "b.example; depth limit: its none, here 1"));
  // A subset of the start URLs is another set too.
  s.seeds.push_back("http://a.example/2");
  o = {};
  o.seeds = {"http://a.example/"};
  CHECK_FALSE(refusal(o, s).empty());
}

TEST_CASE("the same start URLs in another order and domains in another case "
          "or with *. are the same crawl",
          "[stored_crawl]") {
  auto s = a_crawl();
  s.seeds = {"http://a.example/", "http://a.example/x"};
  crawl_options o;
  o.seeds = {"http://a.example/x", "http://a.example/"};
  o.allowed_domains = {"*.A.Example."};
  CHECK(refusal(o, s).empty());
}

TEST_CASE("add_seeds adds start URLs and their hosts, or the domains given, "
          "but a different depth limit is still refused",
          "[stored_crawl]") {
  auto s = a_crawl();
  crawl_options o;
  o.add_seeds = true;
  o.seeds = {"http://b.example/"};
  continue_stored_crawl(o, s, "state.db");
  CHECK(o.seeds == strings{"http://a.example/", "http://b.example/"});
  CHECK(o.allowed_domains == strings{"a.example", "b.example"});

  o = {};
  o.add_seeds = true;
  o.seeds = {"http://b.example/"};
  o.allowed_domains = {"example"};
  continue_stored_crawl(o, s, "state.db");
  CHECK(o.allowed_domains == strings{"a.example", "example"});

  o = {};
  o.add_seeds = true;
  o.seeds = {"http://b.example/"};
  o.max_depth = 4;
  CHECK_THAT(refusal(o, s), Catch::Contains("depth limit"));
}

TEST_CASE("a crawl of the demo site continues only on the same site, and a "
          "state that does not record its site takes the one given",
          "[stored_crawl]") {
  auto s = a_crawl();
  s.demo = demo_origin{4242, 400, 1};
  crawl_options o;
  o.demo = demo_origin{4243, 400, 1};
  CHECK_THAT(refusal(o, s), Catch::Contains("demo site: its port 4242, 400 "
                                            "pages, seed 1, here port 4243"));
  o.demo.reset();
  continue_stored_crawl(o, s, "state.db");
  CHECK(o.demo == s.demo);

  s.demo.reset();
  s.site_recorded = false;
  o = {};
  o.demo = demo_origin{4242, 400, 1};
  continue_stored_crawl(o, s, "state.db");
  CHECK(o.demo == demo_origin{4242, 400, 1});
}
