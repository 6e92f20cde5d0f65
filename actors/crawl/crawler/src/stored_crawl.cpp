// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/stored_crawl.hpp"

#include "actio/crawl/core/url.hpp"
#include "actio/crawl/crawler/crawl_error.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>

namespace actio::crawl {

namespace {

/// A domain as `domain_allowed` compares it: lower case, without `*.`, a
/// leading or a trailing dot.
std::string domain_key(std::string_view d) {
  if (d.starts_with("*."))
    d.remove_prefix(2);
  else if (d.starts_with("."))
    d.remove_prefix(1);
  if (d.ends_with("."))
    d.remove_suffix(1);
  std::string out(d);
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::set<std::string> domain_keys(const std::vector<std::string>& domains) {
  std::set<std::string> out;
  for (const auto& d : domains)
    out.insert(domain_key(d));
  return out;
}

/// `a` followed by the elements of `b` it lacks.
std::vector<std::string> with_added(std::vector<std::string> a,
                                    const std::vector<std::string>& b) {
  for (const auto& x : b)
    if (std::find(a.begin(), a.end(), x) == a.end())
      a.push_back(x);
  return a;
}

/// "a, b, c" (at most five, then how many in all).
std::string listed(const std::vector<std::string>& items) {
  if (items.empty())
    return "none";
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < 5; ++i)
    out += (i == 0 ? "" : ", ") + items[i];
  if (items.size() > 5)
    out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

std::string depth_text(const std::optional<std::uint32_t>& d) {
  return d ? std::to_string(*d) : std::string("none");
}

std::string demo_text(const demo_origin& d) {
  return "port " + std::to_string(d.port) + ", " + std::to_string(d.pages) +
         " pages, seed " + std::to_string(d.seed);
}

} // namespace

std::string stored_options_json(const crawl_options& o) {
  nlohmann::json j;
  j["max_pages"] = o.max_pages;
  if (o.max_depth)
    j["max_depth"] = *o.max_depth;
  j["allowed_domains"] = o.allowed_domains;
  j["user_agent"] = o.user_agent;
  j["obey_robots"] = o.obey_robots;
  j["allow_private"] = o.allow_private;
  if (o.demo)
    j["demo"] = {{"port", o.demo->port},
                 {"pages", o.demo->pages},
                 {"seed", o.demo->seed}};
  else
    j["demo"] = false;
  return j.dump();
}

stored_crawl parse_stored_crawl(const crawl_metadata& metadata) {
  stored_crawl out;
  out.seeds = metadata.seeds;
  auto j = nlohmann::json::parse(metadata.options, nullptr, false);
  if (!j.is_object())
    return out;
  if (auto it = j.find("allowed_domains"); it != j.end() && it->is_array())
    for (const auto& d : *it)
      if (d.is_string())
        out.allowed_domains.push_back(d.get<std::string>());
  if (auto it = j.find("allow_private"); it != j.end() && it->is_boolean())
    out.allow_private = it->get<bool>();
  if (auto it = j.find("max_depth"); it != j.end() && it->is_number_unsigned())
    out.max_depth = it->get<std::uint32_t>();
  if (auto it = j.find("demo"); it != j.end())
    out.site_recorded = it->is_object() || it->is_boolean();
  if (auto it = j.find("demo"); it != j.end() && it->is_object()) {
    demo_origin d;
    d.port = it->value("port", std::uint16_t{0});
    d.pages = it->value("pages", std::size_t{0});
    d.seed = it->value("seed", std::uint64_t{1});
    out.demo = d;
  }
  return out;
}

std::optional<stored_crawl> read_stored_crawl(const std::string& state_path) {
  std::optional<crawl_metadata> metadata;
  try {
    metadata = state_store::read_metadata(state_path);
  } catch (const state_store_error& e) {
    throw crawl_error(e.what());
  }
  if (!metadata || metadata->seeds.empty())
    return std::nullopt;
  return parse_stored_crawl(*metadata);
}

void continue_stored_crawl(crawl_options& o, const stored_crawl& stored,
                           const std::string& state_path) {
  std::vector<std::string> differences;
  std::vector<std::string> new_seeds;
  if (o.seeds.empty()) {
    o.seeds = stored.seeds;
  } else {
    std::set<std::string> given(o.seeds.begin(), o.seeds.end());
    std::set<std::string> had(stored.seeds.begin(), stored.seeds.end());
    if (given != had) {
      for (const auto& s : o.seeds)
        if (had.count(s) == 0)
          new_seeds.push_back(s);
      if (!o.add_seeds)
        differences.push_back("start URLs: its " + listed(stored.seeds) +
                              ", here " + listed(o.seeds));
      o.seeds = with_added(stored.seeds, o.seeds);
    }
  }
  if (o.allowed_domains.empty()) {
    o.allowed_domains = stored.allowed_domains;
    if (o.add_seeds)
      for (const auto& s : new_seeds)
        if (auto h = std::string(host_of(s));
            !h.empty() &&
            domain_keys(o.allowed_domains).count(domain_key(h)) == 0)
          o.allowed_domains.push_back(h);
  } else if (domain_keys(o.allowed_domains) !=
             domain_keys(stored.allowed_domains)) {
    if (!o.add_seeds)
      differences.push_back("allowed domains: its " +
                            listed(stored.allowed_domains) + ", here " +
                            listed(o.allowed_domains));
    o.allowed_domains = with_added(stored.allowed_domains, o.allowed_domains);
  }
  if (!o.max_depth)
    o.max_depth = stored.max_depth;
  else if (o.max_depth != stored.max_depth)
    differences.push_back("depth limit: its " + depth_text(stored.max_depth) +
                          ", here " + depth_text(o.max_depth));
  // A state of a version that did not record the demo site has none: the
  // start URLs, compared above, say it is the same crawl.
  if (o.demo && stored.demo && *o.demo != *stored.demo)
    differences.push_back("demo site: its " + demo_text(*stored.demo) +
                          ", here " + demo_text(*o.demo));
  if (!o.demo)
    o.demo = stored.demo;
  o.allow_private = o.allow_private || stored.allow_private;
  if (differences.empty())
    return;
  std::string what = "the state file " + state_path + " holds another crawl (";
  for (std::size_t i = 0; i < differences.size(); ++i)
    what += (i == 0 ? "" : "; ") + differences[i];
  throw crawl_scope_error(what + ")");
}

} // namespace actio::crawl
