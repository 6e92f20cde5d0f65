// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/demo/demo_check.hpp"

#include <string>
#include <unordered_map>
#include <utility>

namespace actio::crawl {

bool demo_check_result::ok() const noexcept {
  return unexpected == 0 && duplicates == 0 && mismatched == 0 &&
         wrong_depth == 0 && (subset || found == expected);
}

std::string demo_check_result::to_string() const {
  std::string out = "demo site check: " + std::to_string(found) + "/" +
                    std::to_string(expected) + " expected pages, " +
                    std::to_string(unexpected) + " unexpected, " +
                    std::to_string(duplicates) + " duplicates";
  if (mismatched != 0)
    out += ", " + std::to_string(mismatched) + " with another status";
  if (wrong_depth != 0)
    out += ", " + std::to_string(wrong_depth) + " at a wrong depth";
  if (subset)
    out += " (page limit: subset check)";
  return out;
}

demo_check_result check_demo_crawl(const std::vector<fetch_record>& records,
                                   const std::vector<expected_page>& expected,
                                   bool subset) {
  demo_check_result r;
  r.expected = expected.size();
  r.subset = subset;
  std::unordered_map<std::string, const expected_page*> want;
  for (const auto& e : expected)
    want.emplace(e.url, &e);
  std::unordered_map<std::string, std::size_t> seen;
  for (const auto& rec : records) {
    if (seen[rec.url]++ != 0) {
      ++r.duplicates;
      continue;
    }
    auto it = want.find(rec.url);
    if (it == want.end()) {
      ++r.unexpected;
      continue;
    }
    ++r.found;
    const auto& e = *it->second;
    if (rec.status != e.status || (e.status && rec.final_url != e.final_url))
      ++r.mismatched;
    else if (rec.depth != e.depth)
      ++r.wrong_depth;
  }
  return r;
}

} // namespace actio::crawl
