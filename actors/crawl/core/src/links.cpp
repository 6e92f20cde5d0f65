// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/links.hpp"
#include "actio/detail/ascii.hpp"

#include "actio/crawl/core/seen_set.hpp"
#include "percent.hpp"

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace actio::crawl {

namespace {

using actio::detail::iequals;

void init_libxml_once() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

std::string_view sv(const xmlChar* s) noexcept {
  return s ? std::string_view{reinterpret_cast<const char*>(s)}
           : std::string_view{};
}

bool is_ws(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/// Calls `fn` for each token of `s` split at whitespace and commas.
template <class Fn>
void for_each_token(std::string_view s, Fn&& fn) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (is_ws(s[i]) || s[i] == ','))
      ++i;
    auto start = i;
    while (i < s.size() && !is_ws(s[i]) && s[i] != ',')
      ++i;
    if (i > start)
      fn(s.substr(start, i - start));
  }
}

bool has_token(std::string_view s, std::string_view token) {
  bool found = false;
  for_each_token(
      s, [&](std::string_view t) { found = found || iequals(t, token); });
  return found;
}

/// The parse state the SAX callbacks fill in.
struct sax_state {
  const link_options* opts;
  htmlParserCtxtPtr ctxt = nullptr;
  std::string arena;                                          // raw hrefs
  std::vector<std::pair<std::uint32_t, std::uint32_t>> hrefs; // offset, size
  std::string base_href;
  bool has_base = false;
  std::string title;
  int title_state = 0; // 0 before, 1 inside, 2 done
  bool noindex = false;
  bool nofollow = false;
  bool truncated = false;
  std::size_t depth = 0;
  std::size_t dropped = 0;

  void add_href(std::string_view h) {
    if (hrefs.size() >= opts->max_links ||
        arena.size() + h.size() > UINT32_MAX) {
      ++dropped;
      return;
    }
    hrefs.emplace_back(static_cast<std::uint32_t>(arena.size()),
                       static_cast<std::uint32_t>(h.size()));
    arena.append(h);
  }
};

struct attrs {
  std::string_view href, rel, name, content;
  bool has_href = false;
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
    }
  }
  return a;
}

void on_start(void* ctx, const xmlChar* raw_name, const xmlChar** atts) {
  auto& st = *static_cast<sax_state*>(ctx);
  if (++st.depth > st.opts->max_depth) {
    st.truncated = true;
    xmlStopParser(st.ctxt);
    return;
  }
  auto name = sv(raw_name);
  if (name == "a" || name == "area") {
    auto a = read_attrs(atts);
    if (!a.has_href)
      return;
    if (has_token(a.rel, "nofollow"))
      ++st.dropped;
    else
      st.add_href(a.href);
  } else if (name == "link") {
    auto a = read_attrs(atts);
    if (!a.has_href)
      return;
    const auto& rels = st.opts->link_rels;
    bool wanted = rels.empty() ||
                  std::any_of(rels.begin(), rels.end(), [&](const auto& r) {
                    return has_token(a.rel, r);
                  });
    if (!wanted)
      return;
    if (has_token(a.rel, "nofollow"))
      ++st.dropped;
    else
      st.add_href(a.href);
  } else if (name == "base") {
    auto a = read_attrs(atts);
    if (a.has_href && !st.has_base) {
      st.has_base = true;
      st.base_href.assign(a.href);
    }
  } else if (name == "meta") {
    auto a = read_attrs(atts);
    if (!iequals(a.name, "robots"))
      return;
    for_each_token(a.content, [&](std::string_view t) {
      if (iequals(t, "nofollow") || iequals(t, "none"))
        st.nofollow = true;
      if (iequals(t, "noindex") || iequals(t, "none"))
        st.noindex = true;
    });
  } else if (name == "title" && st.title_state == 0) {
    st.title_state = 1;
  }
}

void on_end(void* ctx, const xmlChar* name) {
  auto& st = *static_cast<sax_state*>(ctx);
  if (st.depth > 0)
    --st.depth;
  if (st.title_state == 1 && sv(name) == "title")
    st.title_state = 2;
}

constexpr std::size_t max_title_bytes = 4096;

void on_characters(void* ctx, const xmlChar* ch, int len) {
  auto& st = *static_cast<sax_state*>(ctx);
  if (st.title_state != 1 || len <= 0)
    return;
  auto room = max_title_bytes - std::min(max_title_bytes, st.title.size());
  st.title.append(reinterpret_cast<const char*>(ch),
                  std::min(room, static_cast<std::size_t>(len)));
}

void on_structured_error(void*, xmlErrorPtr) {}

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (is_ws(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space)
      out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

/// A charset named in a `<meta>` within the first 1024 bytes, or empty.
std::string_view sniff_meta_charset(std::string_view html) {
  auto head = html.substr(0, 1024);
  for (std::size_t pos = 0; pos + 7 <= head.size(); ++pos) {
    if (actio::detail::ascii_lower(head[pos]) != 'c' ||
        !iequals(head.substr(pos, 7), "charset"))
      continue;
    auto i = pos + 7;
    while (i < head.size() && is_ws(head[i]))
      ++i;
    if (i >= head.size() || head[i] != '=')
      continue;
    ++i;
    while (i < head.size() &&
           (is_ws(head[i]) || head[i] == '"' || head[i] == '\''))
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
    while (!param.empty() && is_ws(param.front()))
      param.remove_prefix(1);
    if (param.size() < 8 || !iequals(param.substr(0, 8), "charset="))
      continue;
    param.remove_prefix(8);
    while (!param.empty() &&
           (is_ws(param.back()) || param.back() == '"' || param.back() == '\''))
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
  init_libxml_once();
  page_links out;
  sax_state st;
  st.opts = &opts;
  auto limit = std::min<std::size_t>(opts.max_input_bytes, INT_MAX);
  if (html.size() > limit) {
    html = html.substr(0, limit);
    out.truncated = true;
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

  out.title = collapse_whitespace(st.title);
  out.noindex = st.noindex;
  out.nofollow = st.nofollow;
  out.truncated = out.truncated || st.truncated;
  out.dropped = st.dropped;

  url_resolver page{page_url, opts.canonical};
  std::string base_storage;
  if (st.has_base) {
    if (auto b = page.resolve(st.base_href))
      base_storage = std::move(b).value();
  }
  if (base_storage.empty() && page.valid())
    base_storage = page.base().value();
  if (st.nofollow) {
    out.base = std::move(base_storage);
    return out;
  }
  url_resolver base{base_storage, opts.canonical};
  if (!base.valid()) {
    out.dropped += st.hrefs.size();
    return out;
  }
  out.links.reserve(st.hrefs.size());
  std::unordered_map<std::uint64_t, std::size_t> index;
  index.reserve(st.hrefs.size());
  for (auto [off, len] : st.hrefs) {
    auto r = base.resolve(std::string_view{st.arena}.substr(off, len));
    if (!r) {
      ++out.dropped;
      continue;
    }
    auto h = url_hash(r.value());
    auto [it, fresh] = index.emplace(h, out.links.size());
    if (!fresh && (out.links[it->second] == r.value() ||
                   std::find(out.links.begin(), out.links.end(), r.value()) !=
                       out.links.end()))
      continue;
    out.links.push_back(std::move(r).value());
  }
  out.base = std::move(base_storage);
  return out;
}

} // namespace actio::crawl
