// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/libxml2_links.hpp"

#include "actio/detail/ascii.hpp"
#include "found_links.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <mutex>

namespace actio::crawl {

namespace {

using actio::detail::iequals;
using detail::html_space;

void init_libxml_once() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

std::string_view sv(const xmlChar* s) noexcept {
  return s ? std::string_view{reinterpret_cast<const char*>(s)}
           : std::string_view{};
}

/// The parse state the SAX callbacks fill in.
struct sax_state {
  const link_options* opts;
  htmlParserCtxtPtr ctxt = nullptr;
  detail::found_links found;
  int title_state = 0; // 0 before, 1 inside, 2 done
  std::size_t depth = 0;
};

struct attrs {
  std::string_view href, rel, name, content, src;
  bool has_href = false;
  bool has_src = false;
};

attrs read_attrs(const xmlChar** atts) {
  attrs a;
  if (!atts)
    return a;
  for (; atts[0]; atts += 2) {
    auto n = sv(atts[0]);
    auto v = sv(atts[1]);
    if (n == "href") {
      a.href = v;
      a.has_href = true;
    } else if (n == "rel") {
      a.rel = v;
    } else if (n == "name") {
      a.name = v;
    } else if (n == "content") {
      a.content = v;
    } else if (n == "src") {
      a.src = v;
      a.has_src = true;
    }
  }
  return a;
}

void on_start(void* ctx, const xmlChar* raw_name, const xmlChar** atts) {
  auto& st = *static_cast<sax_state*>(ctx);
  if (++st.depth > st.opts->max_depth) {
    st.found.truncated = true;
    xmlStopParser(st.ctxt);
    return;
  }
  auto name = sv(raw_name);
  if (name == "a" || name == "area" || name == "link") {
    auto a = read_attrs(atts);
    if (a.has_href)
      st.found.add_anchor(a.href, a.rel, name == "link", *st.opts);
  } else if (name == "base") {
    auto a = read_attrs(atts);
    if (a.has_href)
      st.found.add_base(a.href);
  } else if (name == "meta") {
    auto a = read_attrs(atts);
    st.found.add_meta(a.name, a.content);
  } else if (name == "title" && st.title_state == 0) {
    st.title_state = 1;
  } else if ((name == "iframe" || name == "frame") && st.opts->frame_srcs) {
    auto a = read_attrs(atts);
    if (a.has_src)
      st.found.add_href(a.src, *st.opts);
  }
}

void on_end(void* ctx, const xmlChar* name) {
  auto& st = *static_cast<sax_state*>(ctx);
  if (st.depth > 0)
    --st.depth;
  if (st.title_state == 1 && sv(name) == "title")
    st.title_state = 2;
}

void on_characters(void* ctx, const xmlChar* ch, int len) {
  auto& st = *static_cast<sax_state*>(ctx);
  if (st.title_state != 1 || len <= 0)
    return;
  st.found.add_title(
      {reinterpret_cast<const char*>(ch), static_cast<std::size_t>(len)});
}

void on_structured_error(void*, xmlErrorPtr) {}

/// A charset named in a `<meta>` within the first 1024 bytes, or empty.
std::string_view sniff_meta_charset(std::string_view html) {
  auto head = html.substr(0, 1024);
  for (std::size_t pos = 0; pos + 7 <= head.size(); ++pos) {
    if (actio::detail::ascii_lower(head[pos]) != 'c' ||
        !iequals(head.substr(pos, 7), "charset"))
      continue;
    auto i = pos + 7;
    while (i < head.size() && html_space(head[i]))
      ++i;
    if (i >= head.size() || head[i] != '=')
      continue;
    ++i;
    while (i < head.size() &&
           (html_space(head[i]) || head[i] == '"' || head[i] == '\''))
      ++i;
    auto start = i;
    while (i < head.size() &&
           (std::isalnum(static_cast<unsigned char>(head[i])) ||
            head[i] == '-' || head[i] == '_' || head[i] == '.' ||
            head[i] == ':'))
      ++i;
    if (i > start)
      return head.substr(start, i - start);
  }
  return {};
}

/// libxml2's encoding handler for `name`; UTF-8 for empty and unknown names
/// (without an explicit handler libxml2 would guess ISO-8859-1).
xmlCharEncodingHandlerPtr encoding_handler(std::string_view name) {
  xmlCharEncodingHandlerPtr handler = nullptr;
  if (!name.empty() && name.size() <= 64 && !iequals(name, "utf-8") &&
      !iequals(name, "utf8")) {
    std::string n{name};
    if (iequals(n, "iso-8859-1") || iequals(n, "latin1") ||
        iequals(n, "us-ascii") || iequals(n, "ascii"))
      n = "windows-1252"; // what browsers decode these labels as
    handler = xmlFindCharEncodingHandler(n.c_str());
  }
  return handler ? handler : xmlFindCharEncodingHandler("UTF-8");
}

} // namespace

page_links libxml2_links(std::string_view html, std::string_view page_url,
                         std::string_view content_type,
                         const link_options& opts) {
  init_libxml_once();
  sax_state st;
  st.opts = &opts;
  auto limit = std::min<std::size_t>(opts.max_input_bytes, INT_MAX);
  if (html.size() > limit) {
    html = html.substr(0, limit);
    st.found.truncated = true;
  }
  auto charset = charset_of(content_type);
  if (charset.empty())
    charset = sniff_meta_charset(html);

  if (!html.empty()) {
    htmlSAXHandler sax;
    std::memset(&sax, 0, sizeof sax);
    sax.startElement = on_start;
    sax.endElement = on_end;
    sax.characters = on_characters;
    sax.serror = on_structured_error;
    sax.initialized = XML_SAX2_MAGIC;
    // The memory parser, not the push parser: the push parser was no faster
    // end to end (libxml2 2.9.14) and drops links after a stray </html>.
    auto* ctxt =
        htmlCreateMemoryParserCtxt(html.data(), static_cast<int>(html.size()));
    if (ctxt) {
      std::memcpy(ctxt->sax, &sax, sizeof sax);
      ctxt->userData = &st;
      st.ctxt = ctxt;
      htmlCtxtUseOptions(ctxt, HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                   HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                                   HTML_PARSE_COMPACT);
      ctxt->sax->serror = on_structured_error;
      if (auto* handler = encoding_handler(charset))
        xmlSwitchToEncoding(ctxt, handler);
      htmlParseDocument(ctxt);
      if (ctxt->myDoc)
        xmlFreeDoc(ctxt->myDoc);
      ctxt->myDoc = nullptr;
      htmlFreeParserCtxt(ctxt);
    }
  }
  return detail::finish_links(st.found, page_url, opts);
}

} // namespace actio::crawl
