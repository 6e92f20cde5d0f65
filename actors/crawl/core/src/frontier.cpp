// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/frontier.hpp"

#include "actio/crawl/core/url.hpp"

#include <algorithm>

namespace actio::crawl {

frontier::frontier(frontier_options opts)
    : opts_(std::move(opts)), rng_(opts_.seed) {}

frontier::host_state* frontier::find_host(std::string_view host) {
  auto it = host_ids_.find(host);
  return it == host_ids_.end() ? nullptr : &hosts_[it->second];
}

std::uint32_t frontier::host_index(std::string_view host) {
  if (auto it = host_ids_.find(host); it != host_ids_.end())
    return it->second;
  auto id = static_cast<std::uint32_t>(hosts_.size());
  hosts_.emplace_back();
  hosts_.back().name.assign(host);
  host_ids_.emplace(std::string{host}, id);
  return id;
}

void frontier::unplace(std::uint32_t h) {
  auto& s = hosts_[h];
  if (s.where == place_kind::timed)
    timed_.erase({s.ready_at, h});
  else if (s.where == place_kind::ready)
    ready_.erase({s.queue.head_depth(), s.queue.head_seq(), h});
  s.where = place_kind::none;
}

void frontier::place(std::uint32_t h) {
  auto& s = hosts_[h];
  if (s.queue.empty() ||
      s.in_flight >=
          std::max<std::uint32_t>(opts_.politeness.max_in_flight_per_host, 1))
    return;
  timed_.emplace(s.ready_at, h);
  s.where = place_kind::timed;
}

add_status frontier::add(std::string_view url, std::uint32_t depth,
                         std::uint32_t attempts) {
  auto host = host_of(url);
  if (host.empty())
    return add_status::invalid;
  if (depth > opts_.max_depth)
    return add_status::too_deep;
  auto hash = url_hash(url);
  if (seen_.contains(hash))
    return add_status::duplicate;
  if (opts_.host_filter && !opts_.host_filter(host))
    return add_status::filtered;
  if (seen_.size() >= opts_.max_pages)
    return add_status::limit_reached;
  seen_.insert(hash);
  auto h = host_index(host);
  auto& s = hosts_[h];
  bool was_ready = s.where == place_kind::ready;
  bool new_head = s.queue.empty() || depth < s.queue.head_depth();
  if (was_ready && new_head)
    unplace(h);
  s.queue.push(url, depth, attempts, next_seq_++);
  ++queued_;
  if (s.where == place_kind::none)
    place(h);
  return add_status::added;
}

void frontier::release_due_retries(clock::time_point now) {
  while (!retries_.empty() && retries_.front().due <= now) {
    std::pop_heap(retries_.begin(), retries_.end(), due_later{});
    auto r = std::move(retries_.back());
    retries_.pop_back();
    // The URL keeps its sequence number, so it may become its host's new
    // head: take the host out of its place and put it back.
    unplace(r.host);
    hosts_[r.host].queue.push(r.url, r.depth, r.attempts, r.seq);
    place(r.host);
  }
}

std::optional<lease> frontier::next_ready(clock::time_point now) {
  release_due_retries(now);
  while (!timed_.empty() && timed_.begin()->first <= now) {
    auto h = timed_.begin()->second;
    timed_.erase(timed_.begin());
    auto& s = hosts_[h];
    ready_.emplace(s.queue.head_depth(), s.queue.head_seq(), h);
    s.where = place_kind::ready;
  }
  if (ready_.empty())
    return std::nullopt;
  auto h = std::get<2>(*ready_.begin());
  unplace(h);
  auto& s = hosts_[h];
  auto item = s.queue.pop();
  --queued_;
  ++s.in_flight;
  s.last_start = now;
  s.ready_at = now + start_delay(opts_.politeness, s.crawl_delay);
  place(h);
  lease l;
  l.url = std::move(item.url);
  l.host = s.name;
  l.depth = item.depth;
  l.attempt = item.attempts + 1;
  l.id = next_lease_++;
  l.host_index_ = h;
  l.seq_ = item.seq;
  leases_.insert(l.id);
  return l;
}

completion frontier::complete(const lease& l, const fetch_verdict& result,
                              clock::time_point now) {
  completion c;
  if (l.host_index_ >= hosts_.size() || leases_.erase(l.id) == 0) {
    c.what = completion::kind::unknown_lease;
    return c;
  }
  auto h = l.host_index_;
  unplace(h);
  auto& s = hosts_[h];
  --s.in_flight;
  switch (result.what) {
  case fetch_verdict::kind::success:
    ++done_;
    c.what = completion::kind::done;
    break;
  case fetch_verdict::kind::permanent:
    ++failed_;
    c.what = completion::kind::failed;
    c.reason = result.reason;
    break;
  case fetch_verdict::kind::transient:
    if (l.attempt >= opts_.politeness.max_attempts) {
      ++failed_;
      c.what = completion::kind::gave_up;
      c.reason = result.reason + " (gave up after " +
                 std::to_string(l.attempt) + " tries)";
      break;
    }
    ++queued_;
    c.what = completion::kind::retry_scheduled;
    if (result.retry_after) {
      // The server says it is overloaded: the whole host waits.
      s.ready_at =
          std::max(s.ready_at, now + retry_after_delay(*result.retry_after,
                                                       opts_.politeness));
      s.queue.push(l.url, l.depth, l.attempt, l.seq_);
      c.retry_at = s.ready_at;
      break;
    }
    // Only this URL waits; its host keeps serving the others.
    c.retry_at = now + backoff_delay(l.attempt, opts_.politeness, rng_);
    retries_.push_back(
        delayed_retry{c.retry_at, l.url, h, l.depth, l.attempt, l.seq_});
    std::push_heap(retries_.begin(), retries_.end(), due_later{});
    break;
  }
  place(h);
  return c;
}

std::optional<frontier::clock::time_point> frontier::next_wakeup() const {
  if (!ready_.empty())
    return clock::time_point::min();
  std::optional<clock::time_point> at;
  if (!timed_.empty())
    at = timed_.begin()->first;
  if (!retries_.empty() && (!at || retries_.front().due < *at))
    at = retries_.front().due;
  return at;
}

void frontier::set_crawl_delay(std::string_view host,
                               std::optional<std::chrono::milliseconds> delay) {
  auto h = host_index(host);
  unplace(h);
  auto& s = hosts_[h];
  s.crawl_delay = delay;
  if (s.last_start)
    s.ready_at = std::max(s.ready_at,
                          *s.last_start + start_delay(opts_.politeness, delay));
  place(h);
}

void frontier::delay_host(std::string_view host, clock::time_point until) {
  auto h = host_index(host);
  unplace(h);
  auto& s = hosts_[h];
  s.ready_at = std::max(s.ready_at, until);
  place(h);
}

std::size_t frontier::memory_bytes() const noexcept {
  std::size_t bytes =
      seen_.memory_bytes() + hosts_.capacity() * sizeof(host_state) +
      host_ids_.size() * (sizeof(std::string) + 32) +
      (timed_.size() + ready_.size()) * 64 + leases_.size() * 32 +
      retries_.capacity() * sizeof(delayed_retry);
  for (const auto& r : retries_)
    bytes += r.url.capacity();
  for (const auto& s : hosts_)
    bytes += s.queue.memory_bytes() + s.name.capacity();
  return bytes;
}

} // namespace actio::crawl
