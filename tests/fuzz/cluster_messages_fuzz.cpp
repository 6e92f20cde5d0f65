// SPDX-License-Identifier: Apache-2.0
// The cluster's peer messages (cluster_protocol.hpp): any text given to a
// decoder gives a value or `std::invalid_argument`, nothing else; a value
// survives encoding and decoding again; counters and depths are the
// non-negative integers the text holds, never wrapped or truncated.
#include "actio/crawl/cluster/cluster_protocol.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>

using namespace actio::crawl;
using json = nlohmann::json;

namespace {

[[noreturn]] void fail(const char* what, const std::string& text) {
  std::fprintf(stderr, "cluster_messages_fuzz: %s\n  text=[%s]\n", what,
               text.c_str());
  std::abort();
}

/// `j[key]` is the unsigned integer `value`.
void check_count(const json& j, const char* key, std::uint64_t value,
                 const std::string& text) {
  const auto& v = j.at(key);
  if (!v.is_number_unsigned() || v.get<std::uint64_t>() != value)
    fail(key, text);
}

void check_counts(const json& j, const std::map<std::string, std::uint64_t>& m,
                  const std::string& text) {
  if (!j.is_object() || j.size() != m.size())
    fail("a map of counters changed size", text);
  for (const auto& [k, v] : m)
    check_count(j, k.c_str(), v, text);
}

void batch(const std::string& text) {
  auto v = decode_batch(text);
  auto j = json::parse(text);
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (j[i][0].get<std::string>() != v[i].url)
      fail("batch URL changed", text);
    if (!j[i][1].is_number_unsigned() ||
        j[i][1].get<std::uint64_t>() != v[i].depth)
      fail("batch depth changed", text);
  }
  if (encode_batch(decode_batch(encode_batch(v))) != encode_batch(v))
    fail("batch does not survive encoding", text);
}

void settings(const std::string& text) {
  auto s = decode_settings(text);
  auto j = json::parse(text);
  if (s.max_depth)
    check_count(j, "max_depth", *s.max_depth, text);
  if (encode_settings(decode_settings(encode_settings(s))) !=
      encode_settings(s))
    fail("settings do not survive encoding", text);
}

void status(const std::string& text) {
  auto s = decode_status(text);
  auto j = json::parse(text);
  check_count(j, "pages", s.pages, text);
  check_count(j, "errors", s.errors, text);
  check_counts(j.at("sent"), s.sent, text);
  check_counts(j.at("received"), s.received, text);
  if (encode_status(decode_status(encode_status(s))) != encode_status(s))
    fail("status does not survive encoding", text);
}

void stats(const std::string& text) {
  auto s = decode_stats(text);
  auto j = json::parse(text);
  check_count(j, "pages", s.pages, text);
  check_count(j, "bytes", s.bytes, text);
  check_count(j, "errors", s.errors, text);
  check_count(j, "retries", s.retries, text);
  check_count(j, "robots_disallowed", s.robots_disallowed, text);
  check_count(j, "robots_fetched", s.robots_fetched, text);
  check_count(j, "resumed", s.resumed, text);
  check_count(j, "admitted", s.admitted, text);
  check_counts(j.at("errors_by_kind"), s.errors_by_kind, text);
  check_counts(j.at("by_host"), s.by_host, text);
  if (j.at("by_status").size() != s.by_status.size())
    fail("statuses merged or lost", text);
  for (const auto& [status_code, n] : s.by_status)
    check_count(j.at("by_status"), std::to_string(status_code).c_str(), n,
                text);
  if (encode_stats(decode_stats(encode_stats(s))) != encode_stats(s))
    fail("statistics do not survive encoding", text);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  if (size == 0)
    return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 4) {
    case 0:
      batch(text);
      break;
    case 1:
      settings(text);
      break;
    case 2:
      status(text);
      break;
    default:
      stats(text);
      break;
    }
  } catch (const std::invalid_argument&) {
    // The documented refusal of a malformed message.
  }
  return 0;
}
