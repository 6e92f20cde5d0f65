// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/cluster/cluster_protocol.hpp"

#include "actio/crawl/core/url.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <stdexcept>

namespace actio::crawl {

namespace {

using json = nlohmann::json;

json parse(const std::string& text, const char* what) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded())
    throw std::invalid_argument(std::string("malformed ") + what);
  return j;
}

template <class Fn>
auto checked(const char* what, Fn&& fn) {
  try {
    return fn();
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("malformed ") + what + ": " +
                                e.what());
  }
}

} // namespace

std::string encode_batch(const std::vector<frontier_entry>& urls) {
  json j = json::array();
  for (const auto& e : urls)
    j.push_back(json::array({e.url, e.depth}));
  return j.dump();
}

std::vector<frontier_entry> decode_batch(const std::string& text) {
  auto j = parse(text, "URL batch");
  return checked("URL batch", [&] {
    if (!j.is_array())
      throw std::invalid_argument("malformed URL batch: not an array");
    std::vector<frontier_entry> out;
    for (const auto& item : j) {
      if (!item.is_array() || item.size() != 2 || !item[1].is_number_unsigned())
        throw std::invalid_argument(
            "malformed URL batch: an entry is not [url, depth]");
      frontier_entry e;
      e.url = item.at(0).get<std::string>();
      e.depth = item.at(1).get<std::uint32_t>();
      e.reason = "routed";
      out.push_back(std::move(e));
    }
    return out;
  });
}

std::string encode_settings(const crawl_settings& s) {
  json j;
  j["allowed_domains"] = s.allowed_domains;
  j["allow_private"] = s.allow_private;
  j["obey_robots"] = s.obey_robots;
  if (s.max_depth)
    j["max_depth"] = *s.max_depth;
  j["user_agent"] = s.user_agent;
  return j.dump();
}

crawl_settings decode_settings(const std::string& text) {
  auto j = parse(text, "crawl settings");
  return checked("crawl settings", [&] {
    crawl_settings s;
    s.allowed_domains = j.at("allowed_domains").get<std::vector<std::string>>();
    s.allow_private = j.at("allow_private").get<bool>();
    s.obey_robots = j.at("obey_robots").get<bool>();
    if (j.contains("max_depth"))
      s.max_depth = j.at("max_depth").get<std::uint32_t>();
    s.user_agent = j.at("user_agent").get<std::string>();
    return s;
  });
}

std::string encode_status(const node_status& s) {
  json j;
  j["idle"] = s.idle;
  j["sent"] = s.sent;
  j["received"] = s.received;
  j["pages"] = s.pages;
  j["errors"] = s.errors;
  return j.dump();
}

node_status decode_status(const std::string& text) {
  auto j = parse(text, "node status");
  return checked("node status", [&] {
    node_status s;
    s.idle = j.at("idle").get<bool>();
    s.sent = j.at("sent").get<std::map<std::string, std::uint64_t>>();
    s.received = j.at("received").get<std::map<std::string, std::uint64_t>>();
    s.pages = j.at("pages").get<std::uint64_t>();
    s.errors = j.at("errors").get<std::uint64_t>();
    return s;
  });
}

std::string encode_stats(const crawl_stats& s) {
  json j;
  j["pages"] = s.pages;
  j["bytes"] = s.bytes;
  j["errors"] = s.errors;
  json by_status = json::object();
  for (const auto& [status, n] : s.by_status)
    by_status[std::to_string(status)] = n;
  j["by_status"] = by_status;
  j["errors_by_kind"] = s.errors_by_kind;
  j["by_host"] = s.by_host;
  j["retries"] = s.retries;
  j["robots_disallowed"] = s.robots_disallowed;
  j["robots_fetched"] = s.robots_fetched;
  j["resumed"] = s.resumed;
  j["admitted"] = s.admitted;
  j["elapsed_s"] = s.elapsed_s;
  j["interrupted"] = s.interrupted;
  return j.dump();
}

crawl_stats decode_stats(const std::string& text) {
  auto j = parse(text, "crawl statistics");
  return checked("crawl statistics", [&] {
    crawl_stats s;
    s.pages = j.at("pages").get<std::uint64_t>();
    s.bytes = j.at("bytes").get<std::uint64_t>();
    s.errors = j.at("errors").get<std::uint64_t>();
    for (const auto& [status, n] : j.at("by_status").items())
      s.by_status[std::stoi(status)] = n.get<std::uint64_t>();
    s.errors_by_kind =
        j.at("errors_by_kind").get<std::map<std::string, std::uint64_t>>();
    s.by_host = j.at("by_host").get<std::map<std::string, std::uint64_t>>();
    s.retries = j.at("retries").get<std::uint64_t>();
    s.robots_disallowed = j.at("robots_disallowed").get<std::uint64_t>();
    s.robots_fetched = j.at("robots_fetched").get<std::uint64_t>();
    s.resumed = j.at("resumed").get<std::uint64_t>();
    s.admitted = j.at("admitted").get<std::uint64_t>();
    s.elapsed_s = j.at("elapsed_s").get<double>();
    s.interrupted = j.at("interrupted").get<bool>();
    return s;
  });
}

void merge_stats(crawl_stats& into, const crawl_stats& from) {
  into.pages += from.pages;
  into.bytes += from.bytes;
  into.errors += from.errors;
  for (const auto& [k, n] : from.by_status)
    into.by_status[k] += n;
  for (const auto& [k, n] : from.errors_by_kind)
    into.errors_by_kind[k] += n;
  for (const auto& [k, n] : from.by_host)
    into.by_host[k] += n;
  into.retries += from.retries;
  into.robots_disallowed += from.robots_disallowed;
  into.robots_fetched += from.robots_fetched;
  into.resumed += from.resumed;
  into.admitted += from.admitted;
  into.elapsed_s = std::max(into.elapsed_s, from.elapsed_s);
  into.interrupted = into.interrupted || from.interrupted;
}

std::string partition_key(std::string_view url) {
  auto origin = origin_of(url);
  auto sep = origin.find("://");
  return std::string(sep == std::string_view::npos ? origin
                                                   : origin.substr(sep + 3));
}

} // namespace actio::crawl
