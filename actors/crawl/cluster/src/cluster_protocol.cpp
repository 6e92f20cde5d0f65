// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/cluster/cluster_protocol.hpp"

#include "actio/crawl/core/url.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
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

/// `j[key]` as a counter: a non-negative integer not above `max`, as the
/// encoders write it (nlohmann's `get` would wrap a negative number, cut a
/// large one and truncate a fraction without a word).
std::uint64_t count(const json& j, const char* key, const char* what,
                    std::uint64_t max = UINT64_MAX) {
  const auto& v = j.at(key);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() > max)
    throw std::invalid_argument(std::string("malformed ") + what + ": '" + key +
                                "' is not a count");
  return v.get<std::uint64_t>();
}

/// `j[key]` as an object of counters by name.
std::map<std::string, std::uint64_t> counts(const json& j, const char* key,
                                            const char* what) {
  const auto& m = j.at(key);
  if (!m.is_object())
    throw std::invalid_argument(std::string("malformed ") + what + ": '" + key +
                                "' is not an object");
  std::map<std::string, std::uint64_t> out;
  for (const auto& [name, v] : m.items())
    out[name] = count(m, name.c_str(), what);
  return out;
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
      if (item[1].get<std::uint64_t>() > UINT32_MAX)
        throw std::invalid_argument("malformed URL batch: depth too large");
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
  j["per_host"] = s.per_host;
  j["delay_ms"] = s.delay_ms;
  j["max_crawl_delay_ms"] = s.max_crawl_delay_ms;
  j["max_attempts"] = s.max_attempts;
  j["backoff_ms"] = s.backoff_ms;
  j["depth_wait_ms"] = s.depth_wait_ms;
  j["timeout_ms"] = s.timeout_ms;
  j["connect_timeout_ms"] = s.connect_timeout_ms;
  j["max_page_bytes"] = s.max_page_bytes;
  j["max_redirects"] = s.max_redirects;
  j["html_parser"] = s.html_parser;
  if (s.max_pages)
    j["max_pages"] = *s.max_pages;
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
      s.max_depth = static_cast<std::uint32_t>(
          count(j, "max_depth", "crawl settings", UINT32_MAX));
    s.user_agent = j.at("user_agent").get<std::string>();
    const char* what = "crawl settings";
    s.per_host = static_cast<std::uint32_t>(count(j, "per_host", what, 1024));
    s.delay_ms = count(j, "delay_ms", what);
    s.max_crawl_delay_ms = count(j, "max_crawl_delay_ms", what);
    s.max_attempts =
        static_cast<std::uint32_t>(count(j, "max_attempts", what, 101));
    s.backoff_ms = count(j, "backoff_ms", what);
    s.depth_wait_ms = count(j, "depth_wait_ms", what);
    s.timeout_ms = count(j, "timeout_ms", what);
    s.connect_timeout_ms = count(j, "connect_timeout_ms", what);
    s.max_page_bytes = count(j, "max_page_bytes", what);
    s.max_redirects =
        static_cast<std::uint32_t>(count(j, "max_redirects", what, 1000));
    s.html_parser = j.at("html_parser").get<std::string>();
    if (j.contains("max_pages"))
      s.max_pages = count(j, "max_pages", what);
    if (s.per_host == 0 || s.max_attempts == 0 || s.timeout_ms == 0 ||
        s.connect_timeout_ms == 0 || s.max_page_bytes == 0)
      throw std::invalid_argument(
          "malformed crawl settings: a limit that must be positive is 0");
    // The names `parse_html_parser` knows (links.cpp is not linked here:
    // the fuzz target compiles this file alone).
    if (s.html_parser != "scanner" && s.html_parser != "libxml2")
      throw std::invalid_argument("malformed crawl settings: unknown parser '" +
                                  s.html_parser + "'");
    // Milliseconds beyond a year are no setting a peer could mean, and
    // would overflow std::chrono::milliseconds' arithmetic.
    constexpr std::uint64_t year_ms = 366ull * 24 * 3600 * 1000;
    for (auto ms : {s.delay_ms, s.max_crawl_delay_ms, s.backoff_ms,
                    s.depth_wait_ms, s.timeout_ms, s.connect_timeout_ms})
      if (ms > year_ms)
        throw std::invalid_argument(
            "malformed crawl settings: a duration above a year");
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
  j["admitted"] = s.admitted;
  j["waiting"] = s.waiting;
  return j.dump();
}

node_status decode_status(const std::string& text) {
  auto j = parse(text, "node status");
  return checked("node status", [&] {
    node_status s;
    s.idle = j.at("idle").get<bool>();
    s.sent = counts(j, "sent", "node status");
    s.admitted = count(j, "admitted", "node status");
    s.waiting = count(j, "waiting", "node status");
    s.received = counts(j, "received", "node status");
    s.pages = count(j, "pages", "node status");
    s.errors = count(j, "errors", "node status");
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
  constexpr const char* what = "crawl statistics";
  return checked(what, [&] {
    crawl_stats s;
    s.pages = count(j, "pages", what);
    s.bytes = count(j, "bytes", what);
    s.errors = count(j, "errors", what);
    for (const auto& [key, n] : counts(j, "by_status", what)) {
      // Status codes as encode_stats writes them: decimal, nothing else.
      int status = 0;
      auto [end, ec] =
          std::from_chars(key.data(), key.data() + key.size(), status);
      if (ec != std::errc{} || end != key.data() + key.size() ||
          std::to_string(status) != key)
        throw std::invalid_argument("malformed crawl statistics: status '" +
                                    key + "'");
      s.by_status[status] = n;
    }
    s.errors_by_kind = counts(j, "errors_by_kind", what);
    s.by_host = counts(j, "by_host", what);
    s.retries = count(j, "retries", what);
    s.robots_disallowed = count(j, "robots_disallowed", what);
    s.robots_fetched = count(j, "robots_fetched", what);
    s.resumed = count(j, "resumed", what);
    s.admitted = count(j, "admitted", what);
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
