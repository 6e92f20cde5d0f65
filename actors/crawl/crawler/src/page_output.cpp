// SPDX-License-Identifier: Apache-2.0
#include "page_output.hpp"

#include "actio/crawl/core/url.hpp"

#include <string>
#include <string_view>
#include <utility>

namespace actio::crawl::detail {

namespace {

/// `host[:port]` of a canonical URL.
std::string authority_of(std::string_view url) {
  auto origin = origin_of(url);
  auto sep = origin.find("://");
  return std::string(sep == std::string_view::npos ? origin
                                                   : origin.substr(sep + 3));
}

} // namespace

page_output::page_output(std::unique_ptr<jsonl_sink> sink,
                         std::unique_ptr<state_store> store, bool keep_records)
    : sink_(std::move(sink)), store_(std::move(store)),
      keep_records_(keep_records) {}

void page_output::add(finished_page page) {
  ready_.push_back(std::move(page));
}

bool page_output::has_unflushed() const {
  return !ready_.empty() || (store_ && store_->pending_ops() > 0);
}

bool page_output::flush(crawl_stats& stats) {
  if (ready_.empty()) {
    if (store_)
      store_->flush();
    return false;
  }
  // docs/crawl-state.md: links discovered (committed) before the output
  // line, the line flushed before the URL is marked done.
  if (store_)
    store_->flush();
  if (sink_) {
    for (const auto& p : ready_)
      sink_->write(p.record);
    sink_->flush();
  }
  if (store_) {
    for (const auto& p : ready_)
      store_->record_done(done_entry{p.record.url, p.record.status, p.verdict});
    store_->flush();
  }
  for (auto& p : ready_) {
    ++stats.pages;
    stats.bytes += p.record.bytes;
    ++stats.by_status[p.record.status.value_or(0)];
    ++stats.by_host[authority_of(p.record.url)];
    if (p.record.error) {
      ++stats.errors;
      ++stats.errors_by_kind[p.error_kind.empty() ? "other" : p.error_kind];
    }
    if (keep_records_)
      stats.records.push_back(std::move(p.record));
  }
  ready_.clear();
  return true;
}

void page_output::close() {
  if (store_) {
    store_->flush();
    store_.reset();
  }
  if (sink_) {
    sink_->flush();
    sink_.reset();
  }
}

void page_output::abandon() {
  store_.reset();
  sink_.reset();
}

} // namespace actio::crawl::detail
