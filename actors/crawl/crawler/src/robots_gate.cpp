// SPDX-License-Identifier: Apache-2.0
#include "robots_gate.hpp"

#include "actio/crawl/core/url.hpp"

#include <algorithm>

namespace actio::crawl::detail {

namespace {

/// The robots.txt product token of a User-Agent: its text before the
/// first '/' or space.
std::string product_token(std::string_view ua) {
  auto end = ua.find_first_of("/ ");
  auto token = ua.substr(0, end);
  return std::string(token.empty() ? std::string_view{"actio-crawl"} : token);
}

} // namespace

robots_gate::robots_gate(host& h, std::string_view user_agent,
                         std::uint32_t max_attempts,
                         std::chrono::milliseconds backoff)
    : host_(h), token_(product_token(user_agent)),
      max_attempts_(std::max<std::uint32_t>(1, max_attempts)),
      backoff_(backoff) {}

auto robots_gate::entry(std::string_view origin)
    -> std::pair<decltype(origins_)::iterator, bool> {
  if (auto it = origins_.find(origin); it != origins_.end())
    return {it, false};
  return origins_.try_emplace(std::string(origin));
}

void robots_gate::enter(parked_url url) {
  auto [it, inserted] = entry(origin_of(url.url));
  auto& o = it->second;
  switch (inserted ? status::fetching : o.state) {
  case status::ready:
    if (o.policy->allowed(path_of(url.url)))
      host_.robots_allowed(std::move(url));
    else
      host_.robots_disallowed(std::move(url));
    return;
  case status::failed:
    host_.robots_unavailable(std::move(url), o.last_error);
    return;
  default:
    if (inserted)
      o.host_name = std::string(host_of(url.url));
    o.parked.push_back(std::move(url));
    ++parked_;
    if (inserted)
      start_fetch(it->first);
    return;
  }
}

void robots_gate::check(const std::string& url, answer_fn answer) {
  auto [it, inserted] = entry(origin_of(url));
  auto& o = it->second;
  if (!inserted && (o.state == status::ready || o.state == status::failed)) {
    answer(verdict(o, url));
    return;
  }
  o.checks.emplace_back(url, std::move(answer));
  if (inserted) {
    o.host_name = std::string(host_of(url));
    start_fetch(it->first);
  }
}

bool robots_gate::disallows(const std::string& url) const {
  auto it = origins_.find(origin_of(url));
  return it != origins_.end() && it->second.state == status::ready &&
         !it->second.policy->allowed(path_of(url));
}

robots_answer robots_gate::verdict(const origin_state& o,
                                   const std::string& url) {
  if (o.state != status::ready)
    return robots_answer::unavailable;
  return o.policy->allowed(path_of(url)) ? robots_answer::allowed
                                         : robots_answer::disallowed;
}

void robots_gate::start_fetch(const std::string& origin) {
  origins_[origin].state = status::fetching;
  ++pending_;
  host_.fetch_robots(origin);
}

bool robots_gate::fetched(const std::string& origin, const http::result& r) {
  auto it = origins_.find(origin);
  if (it == origins_.end() || it->second.state != status::fetching)
    return false;
  auto& o = it->second;
  --pending_;
  auto policy =
      r ? robots_policy::from_fetch(r.value().status, r.value().body, token_)
        : robots_policy::from_fetch(0, {}, token_);
  if (!policy.temporary()) {
    o.state = status::ready;
    host_.set_crawl_delay(o.host_name, policy.crawl_delay());
    o.policy = std::move(policy);
    release_parked(o);
    answer_checks(o);
    return true;
  }
  ++o.attempts;
  o.last_error =
      r ? "HTTP " + std::to_string(r.value().status) : r.error().message;
  if (o.attempts < max_attempts_) {
    o.state = status::waiting_retry;
    ++pending_;
    host_.retry_robots_after(
        origin, backoff_ * (1 << std::min<std::uint32_t>(o.attempts - 1, 10)));
    return true;
  }
  o.state = status::failed;
  answer_checks(o);
  fail_parked(o);
  return true;
}

void robots_gate::retry(const std::string& origin) {
  --pending_;
  start_fetch(origin);
}

void robots_gate::answer_checks(origin_state& o) {
  auto checks = std::move(o.checks);
  o.checks.clear();
  for (auto& [url, answer] : checks)
    answer(verdict(o, url));
}

void robots_gate::release_parked(origin_state& o) {
  auto parked = std::move(o.parked);
  o.parked.clear();
  parked_ -= parked.size();
  for (auto& u : parked) {
    if (o.policy->allowed(path_of(u.url)))
      host_.robots_allowed(std::move(u));
    else
      host_.robots_disallowed(std::move(u));
  }
}

void robots_gate::fail_parked(origin_state& o) {
  auto parked = std::move(o.parked);
  o.parked.clear();
  parked_ -= parked.size();
  for (auto& u : parked)
    host_.robots_unavailable(std::move(u), o.last_error);
}

void robots_gate::stop() {
  for (auto& [origin, o] : origins_) {
    for (auto& [url, answer] : o.checks)
      answer(robots_answer::stopping);
    o.checks.clear();
  }
}

} // namespace actio::crawl::detail
