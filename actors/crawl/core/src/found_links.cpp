// SPDX-License-Identifier: Apache-2.0
#include "found_links.hpp"

#include "actio/crawl/core/seen_set.hpp"
#include "actio/crawl/core/url.hpp"
#include "actio/detail/ascii.hpp"

#include <algorithm>
#include <climits>
#include <unordered_map>

namespace actio::crawl::detail {

namespace {

using actio::detail::iequals;

/// Calls `fn` for each token of `s` split at whitespace and commas.
template <class Fn>
void for_each_token(std::string_view s, Fn&& fn) {
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (html_space(s[i]) || s[i] == ','))
      ++i;
    auto start = i;
    while (i < s.size() && !html_space(s[i]) && s[i] != ',')
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

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (html_space(c)) {
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

} // namespace

void found_links::clear() {
  arena.clear();
  hrefs.clear();
  base_href.clear();
  has_base = false;
  title.clear();
  noindex = false;
  nofollow = false;
  truncated = false;
  dropped = 0;
}

void found_links::add_href(std::string_view h, const link_options& opts) {
  if (hrefs.size() >= opts.max_links || arena.size() + h.size() > UINT32_MAX) {
    ++dropped;
    return;
  }
  hrefs.emplace_back(static_cast<std::uint32_t>(arena.size()),
                     static_cast<std::uint32_t>(h.size()));
  arena.append(h);
}

void found_links::add_anchor(std::string_view href, std::string_view rel,
                             bool is_link, const link_options& opts) {
  if (is_link) {
    const auto& rels = opts.link_rels;
    bool wanted = rels.empty() ||
                  std::any_of(rels.begin(), rels.end(),
                              [&](const auto& r) { return has_token(rel, r); });
    if (!wanted)
      return;
  }
  if (has_token(rel, "nofollow"))
    ++dropped;
  else
    add_href(href, opts);
}

void found_links::add_meta(std::string_view name, std::string_view content) {
  if (!iequals(name, "robots"))
    return;
  for_each_token(content, [&](std::string_view t) {
    if (iequals(t, "nofollow") || iequals(t, "none"))
      nofollow = true;
    if (iequals(t, "noindex") || iequals(t, "none"))
      noindex = true;
  });
}

void found_links::add_base(std::string_view href) {
  if (has_base)
    return;
  has_base = true;
  base_href.assign(href);
}

void found_links::add_title(std::string_view text) {
  auto room = max_title_bytes - std::min(max_title_bytes, title.size());
  title.append(text.substr(0, room));
}

page_links finish_links(found_links& st, std::string_view page_url,
                        const link_options& opts) {
  page_links out;
  out.title = collapse_whitespace(st.title);
  out.noindex = st.noindex;
  out.nofollow = st.nofollow;
  out.truncated = st.truncated;
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

} // namespace actio::crawl::detail
