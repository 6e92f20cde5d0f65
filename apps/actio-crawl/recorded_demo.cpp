// SPDX-License-Identifier: Apache-2.0
#include "recorded_demo.hpp"

#include <actio/crawl/demo/demo_site.hpp>

#include <set>
#include <string>

namespace crawl = actio::crawl;

std::optional<crawl::demo_origin> recorded_demo(const crawl::stored_crawl& s,
                                                std::size_t pages) {
  if (s.site_recorded)
    return s.demo;
  const std::set<std::string> demo_domains{
      std::string(crawl::demo_site::site_host),
      std::string(crawl::demo_site::docs_host)};
  if (s.seeds.size() != 1 ||
      std::set<std::string>(s.allowed_domains.begin(),
                            s.allowed_domains.end()) != demo_domains)
    return std::nullopt;
  auto prefix = "http://" + std::string(crawl::demo_site::site_host) + ":";
  const auto& seed = s.seeds.front();
  if (!seed.starts_with(prefix))
    return std::nullopt;
  auto digits = seed.substr(prefix.size());
  if (digits.empty() || digits.back() != '/')
    return std::nullopt;
  digits.pop_back();
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(digits, &used);
    if (used != digits.size() || port == 0 || port > 65535)
      return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (seed != crawl::demo_site::home_url(crawl::demo_site::site_host,
                                         static_cast<std::uint16_t>(port)))
    return std::nullopt;
  crawl::demo_origin d;
  d.port = static_cast<std::uint16_t>(port);
  d.pages = pages;
  return d;
}
