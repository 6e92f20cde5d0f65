// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/core/links.hpp"

#include <memory>
#include <string_view>

namespace actio::crawl {

/// A streaming HTML link scanner: one pass over a page with the HTML
/// standard's tokenizer (WHATWG HTML, section 13.2.5), looking only at the
/// tags that carry links, with no tree and no allocation per element.
///
/// It finds `<` with memchr and runs the states that decide what a tag is:
/// tag open and name, attribute names and values in all three quotings,
/// comments (`<!-->` and `<!--->` included), the raw text of `script` (with
/// its escape states), `style`, `xmp`, `iframe`, `noembed`, `noframes` and
/// `plaintext`, the escapable raw text of `title` and `textarea`, CDATA
/// sections inside `svg`/`math`, doctypes and bogus comments; character
/// references in attribute values and the title follow the standard's
/// rules (the full named table, numeric references with its replacements).
/// The tree builder is approximated only where it changes the tokenizer's
/// state: foreign content is tracked by counting `svg`/`math` elements.
///
/// The encoding comes from a byte order mark, else the `charset` of the
/// Content-Type, else a `<meta charset>` or `<meta http-equiv=content-type>`
/// that starts in the first 1024 bytes (the page is then scanned again),
/// else UTF-8; other encodings are converted with iconv and invalid bytes
/// become U+FFFD. Buffers are kept from page to page (those above 1 MiB are
/// released), so one scanner must not be used by two threads at once.
class link_scanner {
public:
  link_scanner();
  ~link_scanner();
  link_scanner(const link_scanner&) = delete;
  link_scanner& operator=(const link_scanner&) = delete;

  /// Extracts the links of `html` as `extract_links` documents it, with
  /// this scanner (whatever `opts.parser` says; `opts.max_depth` is not
  /// used).
  page_links scan(std::string_view html, std::string_view page_url,
                  std::string_view content_type = {},
                  const link_options& opts = default_link_options());

private:
  struct buffers;
  std::unique_ptr<buffers> buf_;
};

/// `extract_links` with a `link_scanner` of the calling thread, whatever
/// `opts.parser` says. Thread-safe.
page_links scan_links(std::string_view html, std::string_view page_url,
                      std::string_view content_type = {},
                      const link_options& opts = default_link_options());

} // namespace actio::crawl
