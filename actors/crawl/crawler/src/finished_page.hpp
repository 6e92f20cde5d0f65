// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/store/jsonl_sink.hpp"

#include <string>
#include <vector>

namespace actio::crawl::detail {

/// A page whose fetch is over (successfully or not), on its way to the
/// output: held by the depth gate while it has links to admit, then
/// written by `page_output`.
struct finished_page {
  fetch_record record;
  /// Links found on the page, not yet admitted.
  std::vector<std::string> links;
  /// Why the fetch failed ("http_404", "timeout", ...); empty on success.
  std::string error_kind;
  /// The state store's verdict for the URL ("ok", "http_error", ...).
  std::string verdict;
};

} // namespace actio::crawl::detail
