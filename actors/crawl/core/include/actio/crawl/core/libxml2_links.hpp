// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/core/links.hpp"

#include <string_view>

namespace actio::crawl {

/// `extract_links` with libxml2's HTML parser (SAX, in recover mode, no
/// network access), whatever `opts.parser` says.
///
/// libxml2 2.9 predates the HTML standard's parsing rules; docs/crawler.md
/// lists where its link sets differ from the standard's (and so from
/// `scan_links`). Stops at `opts.max_depth` nested elements. Thread-safe:
/// any number of threads may call it at once.
page_links libxml2_links(std::string_view html, std::string_view page_url,
                         std::string_view content_type = {},
                         const link_options& opts = default_link_options());

} // namespace actio::crawl
