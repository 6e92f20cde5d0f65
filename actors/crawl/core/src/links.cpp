// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/links.hpp"

#include "actio/crawl/core/libxml2_links.hpp"
#include "actio/crawl/core/link_scanner.hpp"
#include "actio/detail/ascii.hpp"
#include "found_links.hpp"

namespace actio::crawl {

using actio::detail::iequals;
using detail::html_space;

std::string_view to_string(html_parser p) noexcept {
  return p == html_parser::libxml2 ? "libxml2" : "scanner";
}

std::optional<html_parser> parse_html_parser(std::string_view name) noexcept {
  if (name == "scanner")
    return html_parser::scanner;
  if (name == "libxml2")
    return html_parser::libxml2;
  return std::nullopt;
}

const link_options& default_link_options() {
  static const link_options opts;
  return opts;
}

std::string_view charset_of(std::string_view content_type) noexcept {
  for (std::size_t semi = content_type.find(';');
       semi != std::string_view::npos;
       semi = content_type.find(';', semi + 1)) {
    auto param = content_type.substr(semi + 1);
    param = param.substr(0, param.find(';'));
    while (!param.empty() && html_space(param.front()))
      param.remove_prefix(1);
    if (param.size() < 8 || !iequals(param.substr(0, 8), "charset="))
      continue;
    param.remove_prefix(8);
    while (!param.empty() && (html_space(param.back()) || param.back() == '"' ||
                              param.back() == '\''))
      param.remove_suffix(1);
    while (!param.empty() && (param.front() == '"' || param.front() == '\''))
      param.remove_prefix(1);
    return param;
  }
  return {};
}

page_links extract_links(std::string_view html, std::string_view page_url,
                         std::string_view content_type,
                         const link_options& opts) {
  if (opts.parser == html_parser::libxml2)
    return libxml2_links(html, page_url, content_type, opts);
  return scan_links(html, page_url, content_type, opts);
}

} // namespace actio::crawl
