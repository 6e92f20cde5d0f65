// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/crawler/report.hpp"

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <utility>

namespace actio::crawl {

namespace {

std::string human_bytes(std::uint64_t b) {
  char buf[64];
  if (b < 1024)
    std::snprintf(buf, sizeof buf, "%llu B",
                  static_cast<unsigned long long>(b));
  else if (b < (1u << 20))
    std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(b) / 1024.0);
  else if (b < (1ull << 30))
    std::snprintf(buf, sizeof buf, "%.1f MiB",
                  static_cast<double>(b) / (1024.0 * 1024.0));
  else
    std::snprintf(buf, sizeof buf, "%.2f GiB",
                  static_cast<double>(b) / (1024.0 * 1024.0 * 1024.0));
  return buf;
}

std::string duration_text(double s) {
  char buf[64];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60,
                  static_cast<int>(s) % 60);
  else
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600,
                  (static_cast<int>(s) / 60) % 60);
  return buf;
}

void row(std::string& out, const std::string& name, const std::string& value) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "  %-28s %12s\n", name.c_str(), value.c_str());
  out += buf;
}

} // namespace

std::string format_summary(const crawl_stats& s, std::size_t top_hosts) {
  std::string out;
  char buf[256];
  std::snprintf(
      buf, sizeof buf, "actio-crawl: %s: %llu pages in %.2f s (%.1f pages/s)\n",
      s.interrupted ? "interrupted" : "crawl complete",
      static_cast<unsigned long long>(s.pages), s.elapsed_s,
      s.elapsed_s > 0 ? static_cast<double>(s.pages) / s.elapsed_s : 0.0);
  out += buf;
  out += "pages by status\n";
  for (const auto& [status, n] : s.by_status)
    row(out, status == 0 ? "(no response)" : std::to_string(status),
        std::to_string(n));
  out += "totals\n";
  row(out, "pages written", std::to_string(s.pages));
  row(out, "bytes", human_bytes(s.bytes));
  row(out, "errors", std::to_string(s.errors));
  row(out, "retries", std::to_string(s.retries));
  row(out, "robots.txt fetched", std::to_string(s.robots_fetched));
  row(out, "disallowed by robots.txt", std::to_string(s.robots_disallowed));
  if (s.resumed != 0)
    row(out, "pages from earlier runs", std::to_string(s.resumed));
  if (!s.errors_by_kind.empty()) {
    out += "errors by kind\n";
    for (const auto& [kind, n] : s.errors_by_kind)
      row(out, kind, std::to_string(n));
  }
  if (!s.by_host.empty()) {
    std::vector<std::pair<std::string, std::uint64_t>> hosts(s.by_host.begin(),
                                                             s.by_host.end());
    std::stable_sort(
        hosts.begin(), hosts.end(),
        [](const auto& a, const auto& b) { return a.second > b.second; });
    if (hosts.size() > top_hosts)
      hosts.resize(top_hosts);
    out += "top hosts\n";
    for (const auto& [host, n] : hosts)
      row(out, host, std::to_string(n));
  }
  return out;
}

std::string format_progress(const crawl_progress& p,
                            std::optional<std::size_t> max_pages) {
  double rate =
      p.elapsed_s > 0 ? static_cast<double>(p.pages) / p.elapsed_s : 0;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "pages %llu  %.1f/s  queued %llu  in flight %llu  errors %llu  "
                "elapsed %s",
                static_cast<unsigned long long>(p.pages), rate,
                static_cast<unsigned long long>(p.queued),
                static_cast<unsigned long long>(p.in_flight),
                static_cast<unsigned long long>(p.errors),
                duration_text(p.elapsed_s).c_str());
  std::string out = buf;
  if (max_pages && rate > 0) {
    auto total = static_cast<double>(*max_pages);
    auto done = static_cast<double>(p.pages + p.resumed);
    auto left = std::max(0.0, total - done);
    // The crawl may end before the limit: no more than what is known.
    left = std::min(left, static_cast<double>(p.queued + p.in_flight));
    out += "  ETA " + duration_text(left / rate);
  }
  return out;
}

} // namespace actio::crawl
