// SPDX-License-Identifier: Apache-2.0
#include "found_links.hpp"

#include "actio/crawl/core/seen_set.hpp"
#include "actio/crawl/core/url.hpp"
#include "actio/detail/ascii.hpp"

#include <algorithm>
#include <climits>
#include <optional>
#include <utility>
#include <vector>

namespace actio::crawl::detail {

namespace {

using actio::detail::iequals;

/// The first kept link of each URL hash on a page: open addressing in a
/// buffer each thread reuses from page to page, so that finding the
/// duplicates allocates nothing per link (an unordered_map did, per link).
class link_index {
public:
  /// Empties the index for a page of up to `links` links.
  void reset(std::size_t links) {
    std::size_t cap = 16;
    while (cap < links * 2)
      cap *= 2;
    slots_.assign(cap, slot{});
    mask_ = cap - 1;
  }

  /// The index kept for `hash`, and false; or records `index` for it and
  /// returns it with true.
  std::pair<std::size_t, bool> emplace(std::uint64_t hash, std::size_t index) {
    for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
      auto& s = slots_[i];
      if (s.index_plus_one == 0) {
        s = slot{hash, index + 1};
        return {index, true};
      }
      if (s.hash == hash)
        return {s.index_plus_one - 1, false};
    }
  }

  /// Gives the memory of a huge page's index back.
  void release_if_large() {
    if (slots_.size() > 4096)
      std::vector<slot>{}.swap(slots_);
  }

private:
  struct slot {
    std::uint64_t hash = 0;
    std::size_t index_plus_one = 0;
  };
  std::vector<slot> slots_;
  std::size_t mask_ = 0;
};

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

  // One resolver for the page, and a second only for a <base href>: the
  // page's canonical URL is not canonicalised again.
  url_resolver page{page_url, opts.canonical};
  std::optional<url_resolver> declared;
  if (st.has_base) {
    if (auto b = page.resolve(st.base_href))
      declared.emplace(b.value(), opts.canonical);
  }
  const url_resolver& base = declared ? *declared : page;
  std::string base_storage = base.valid() ? base.base().value() : std::string{};
  if (st.nofollow) {
    out.base = std::move(base_storage);
    return out;
  }
  if (!base.valid()) {
    out.dropped += st.hrefs.size();
    return out;
  }
  out.links.reserve(st.hrefs.size());
  thread_local link_index index;
  index.reset(st.hrefs.size());
  for (auto [off, len] : st.hrefs) {
    auto r = base.resolve(std::string_view{st.arena}.substr(off, len));
    if (!r) {
      ++out.dropped;
      continue;
    }
    auto h = url_hash(r.value());
    auto [first, fresh] = index.emplace(h, out.links.size());
    if (!fresh && (out.links[first] == r.value() ||
                   std::find(out.links.begin(), out.links.end(), r.value()) !=
                       out.links.end()))
      continue;
    out.links.push_back(std::move(r).value());
  }
  index.release_if_large();
  out.base = std::move(base_storage);
  return out;
}

} // namespace actio::crawl::detail
