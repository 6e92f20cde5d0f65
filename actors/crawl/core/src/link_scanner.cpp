// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/link_scanner.hpp"

#include "actio/detail/ascii.hpp"
#include "found_links.hpp"
#include "named_references.hpp"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

namespace actio::crawl {

namespace {

using actio::detail::iequals;
using detail::found_links;
using detail::html_space;

constexpr bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

constexpr bool is_alnum(char c) noexcept {
  return is_alpha(c) || is_digit(c);
}

constexpr char lower(char c) noexcept {
  return actio::detail::ascii_lower(c);
}

/// The first byte at or after `p` that is `a` or `b`, or `end`.
const char* find_either(const char* p, const char* end, char a,
                        char b) noexcept {
  for (; p < end; ++p)
    if (*p == a || *p == b)
      return p;
  return end;
}

/// Bits of `char_classes`: which characters end which token.
enum : std::uint8_t {
  ends_tag_name = 1,       // whitespace, '/', '>'
  ends_attribute_name = 2, // whitespace, '/', '>', '='
  ends_unquoted_value = 4, // whitespace, '>'
};

constexpr std::array<std::uint8_t, 256> char_classes = [] {
  std::array<std::uint8_t, 256> t{};
  for (char c : {' ', '\t', '\n', '\r', '\f'})
    t[static_cast<unsigned char>(c)] =
        ends_tag_name | ends_attribute_name | ends_unquoted_value;
  t['/'] = ends_tag_name | ends_attribute_name;
  t['>'] = ends_tag_name | ends_attribute_name | ends_unquoted_value;
  t['='] = ends_attribute_name;
  return t;
}();

constexpr bool ends(char c, std::uint8_t what) noexcept {
  return (char_classes[static_cast<unsigned char>(c)] & what) != 0;
}

// ----------------------------------------------------------------- UTF-8

constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

/// The length of the valid UTF-8 sequence at `s[i]`, or 0 when the bytes
/// there are ill-formed; `*bad` is then the length of the maximal subpart
/// that one U+FFFD replaces (the Encoding standard's UTF-8 decoder).
std::size_t utf8_sequence(std::string_view s, std::size_t i,
                          std::size_t* bad) noexcept {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    need = 1;
  } else if (b >= 0xE0 && b <= 0xEF) {
    need = 2;
    if (b == 0xE0)
      lo = 0xA0;
    if (b == 0xED)
      hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    need = 3;
    if (b == 0xF0)
      lo = 0x90;
    if (b == 0xF4)
      hi = 0x8F;
  } else {
    *bad = 1;
    return 0;
  }
  std::size_t k = 1;
  for (; k <= need; ++k) {
    if (i + k >= s.size()) {
      *bad = k;
      return 0;
    }
    auto c = static_cast<unsigned char>(s[i + k]);
    if (c < lo || c > hi) {
      *bad = k;
      return 0;
    }
    lo = 0x80;
    hi = 0xBF;
  }
  return k;
}

/// Replaces each ill-formed UTF-8 subsequence of `s` by U+FFFD.
void make_utf8(std::string& s, std::string& scratch) {
  std::size_t i = 0;
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80)
    ++i;
  bool clean = true;
  for (std::size_t j = i, bad = 0; j < s.size();) {
    if (static_cast<unsigned char>(s[j]) < 0x80) {
      ++j;
    } else if (auto n = utf8_sequence(s, j, &bad)) {
      j += n;
    } else {
      clean = false;
      break;
    }
  }
  if (clean)
    return;
  scratch.assign(s, 0, i);
  std::size_t bad = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      scratch.push_back(s[i++]);
    } else if (auto n = utf8_sequence(s, i, &bad)) {
      scratch.append(s, i, n);
      i += n;
    } else {
      scratch.append(replacement);
      i += bad;
    }
  }
  s.swap(scratch);
}

/// `s` cut to at most `max` bytes without splitting a UTF-8 sequence.
void cut_utf8(std::string& s, std::size_t max) {
  if (s.size() <= max)
    return;
  auto n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  s.resize(n);
}

// --------------------------------------------------- character references

/// The code points 0x80-0x9F of numeric references stand for (windows-1252),
/// 0 where the standard keeps the number.
constexpr std::array<char16_t, 32> c1_replacements = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

const detail::named_reference* find_named(std::string_view name) noexcept {
  const auto* first = detail::named_references;
  const auto* last = first + detail::named_reference_count;
  const auto* it =
      std::lower_bound(first, last, name,
                       [](const detail::named_reference& r,
                          std::string_view n) { return r.name < n; });
  return it != last && it->name == name ? it : nullptr;
}

/// Longest name without `;` in the standard's table (`frac12`, ...).
constexpr std::size_t longest_legacy_name = 6;
/// Longest name in the standard's table.
constexpr std::size_t longest_name = 32;

/// Consumes the character reference at `s[i]` (an `&`), appends what it
/// stands for to `out` and returns the index after it. `in_attribute`
/// selects the standard's rule for attribute values: a name without `;`
/// followed by `=` or an alphanumeric is not a reference there.
std::size_t char_ref(std::string_view s, std::size_t i, bool in_attribute,
                     std::string& out) {
  auto j = i + 1;
  if (j < s.size() && s[j] == '#') {
    auto k = j + 1;
    bool hex = k < s.size() && (s[k] == 'x' || s[k] == 'X');
    if (hex)
      ++k;
    auto digits = k;
    std::uint32_t v = 0;
    for (; k < s.size(); ++k) {
      unsigned d;
      char c = s[k];
      if (is_digit(c))
        d = static_cast<unsigned>(c - '0');
      else if (hex && lower(c) >= 'a' && lower(c) <= 'f')
        d = static_cast<unsigned>(lower(c) - 'a' + 10);
      else
        break;
      v = std::min<std::uint32_t>(v * (hex ? 16 : 10) + d, 0x110000);
    }
    if (k == digits) { // absence of digits: not a reference
      out.append(s.substr(i, k - i));
      return k;
    }
    if (k < s.size() && s[k] == ';')
      ++k;
    char32_t cp = v;
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
      cp = 0xFFFD;
    else if (v >= 0x80 && v <= 0x9F && c1_replacements[v - 0x80] != 0)
      cp = c1_replacements[v - 0x80];
    append_utf8(out, cp);
    return k;
  }
  auto run = j;
  while (run < s.size() && run - j < longest_name && is_alnum(s[run]))
    ++run;
  if (run == j) {
    out.push_back('&');
    return j;
  }
  auto emit = [&](const detail::named_reference& r) {
    append_utf8(out, r.first);
    if (r.second != 0)
      append_utf8(out, r.second);
  };
  if (run < s.size() && s[run] == ';') {
    if (const auto* r = find_named(s.substr(j, run - j + 1))) {
      emit(*r);
      return run + 1;
    }
  }
  for (auto k = std::min(run - j, longest_legacy_name); k >= 2; --k) {
    const auto* r = find_named(s.substr(j, k));
    if (!r)
      continue;
    auto next = j + k;
    if (in_attribute && next < s.size() &&
        (is_alnum(s[next]) || s[next] == '=')) {
      out.append(s.substr(i, next - i));
      return next;
    }
    emit(*r);
    return next;
  }
  out.push_back('&');
  return j;
}

/// Appends `s` to `out` with character references decoded and NULs
/// replaced, stopping once `out` holds `limit` bytes or more.
void decode(std::string_view s, bool in_attribute, std::string& out,
            std::size_t limit = std::string::npos) {
  std::size_t i = 0;
  while (i < s.size() && out.size() < limit) {
    auto run = i;
    while (run < s.size() && s[run] != '&' && s[run] != '\0')
      ++run;
    auto room = limit - out.size();
    out.append(s.substr(i, std::min(run - i, room)));
    if (run == s.size() || run - i >= room)
      return;
    if (s[run] == '\0') {
      out.append(replacement);
      i = run + 1;
    } else {
      i = char_ref(s, run, in_attribute, out);
    }
  }
}

// -------------------------------------------------------------- encodings

/// The iconv name of an encoding label, empty for UTF-8 and for labels
/// too long to be one. Labels browsers read as windows-1252 map to it.
std::string_view iconv_name(std::string_view label) noexcept {
  label = actio::detail::trim(label);
  while (!label.empty() && label.back() == '\f')
    label.remove_suffix(1);
  if (label.empty() || label.size() > 40 || iequals(label, "utf-8") ||
      iequals(label, "utf8") || iequals(label, "unicode-1-1-utf-8"))
    return {};
  for (std::string_view l :
       {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "us-ascii",
        "ascii", "cp1252", "windows-1252", "x-cp1252", "cp819", "ibm819",
        "iso-ir-100", "csisolatin1", "x-user-defined"})
    if (iequals(label, l))
      return "WINDOWS-1252";
  return label;
}

/// Converts `in` from the encoding `name` to UTF-8 into `out`, invalid and
/// truncated input becoming U+FFFD. False when iconv does not know `name`.
bool transcode(std::string_view in, std::string_view name, std::string& out) {
  std::array<char, 48> cname{};
  std::memcpy(cname.data(), name.data(),
              std::min(name.size(), std::size_t{40}));
  auto cd = iconv_open("UTF-8", cname.data());
  if (cd == reinterpret_cast<iconv_t>(-1))
    return false;
  out.resize(in.size() * 2 + 64);
  auto* src = const_cast<char*>(in.data());
  auto src_left = in.size();
  std::size_t used = 0;
  while (src_left > 0) {
    auto* dst = out.data() + used;
    auto dst_left = out.size() - used;
    auto r = iconv(cd, &src, &src_left, &dst, &dst_left);
    used = static_cast<std::size_t>(dst - out.data());
    if (r != static_cast<std::size_t>(-1))
      break;
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
      continue;
    }
    if (out.size() - used < replacement.size())
      out.resize(out.size() * 2);
    std::memcpy(out.data() + used, replacement.data(), replacement.size());
    used += replacement.size();
    if (errno != EILSEQ) // EINVAL: an incomplete sequence at the end
      break;
    ++src;
    --src_left;
  }
  iconv_close(cd);
  out.resize(used);
  return true;
}

/// The charset a `<meta http-equiv=content-type>`'s content names (the
/// standard's "extracting a character encoding from a meta element").
std::string_view meta_content_charset(std::string_view s) noexcept {
  std::size_t pos = 0;
  for (;;) {
    std::size_t at = std::string_view::npos;
    for (auto i = pos; i + 7 <= s.size(); ++i)
      if (iequals(s.substr(i, 7), "charset")) {
        at = i;
        break;
      }
    if (at == std::string_view::npos)
      return {};
    auto i = at + 7;
    while (i < s.size() && html_space(s[i]))
      ++i;
    if (i >= s.size() || s[i] != '=') {
      pos = at + 7;
      continue;
    }
    ++i;
    while (i < s.size() && html_space(s[i]))
      ++i;
    if (i >= s.size())
      return {};
    if (s[i] == '"' || s[i] == '\'') {
      auto close = s.find(s[i], i + 1);
      if (close == std::string_view::npos)
        return {};
      return s.substr(i + 1, close - i - 1);
    }
    auto start = i;
    while (i < s.size() && !html_space(s[i]) && s[i] != ';')
      ++i;
    return s.substr(start, i - start);
  }
}

// ------------------------------------------------------------------- tags

/// What the scanner needs to know about a tag's name.
enum class tag_kind : std::uint8_t {
  other,
  a,
  area,
  link,
  base,
  meta,
  frame,
  iframe,
  title,
  textarea,
  script,
  style,
  xmp,
  noembed,
  noframes,
  plaintext,
  svg,
  math,
  font,
  breakout, // ends foreign content (the standard's list, besides font)
};

/// Up to the first 8 bytes of a name as one integer, so that names are
/// looked up without memcmp (names never hold a NUL).
constexpr std::uint64_t pack(std::string_view s) noexcept {
  std::uint64_t k = 0;
  for (std::size_t i = 0; i < s.size() && i < 8; ++i)
    k |= std::uint64_t{static_cast<unsigned char>(s[i])} << (8 * i);
  return k;
}

struct tag_name {
  std::string_view name;
  tag_kind kind;
  std::uint64_t key = 0;
};

constexpr auto tag_names = [] {
  std::array<tag_name, 61> t = {{
      {"a", tag_kind::a},
      {"area", tag_kind::area},
      {"b", tag_kind::breakout},
      {"base", tag_kind::base},
      {"big", tag_kind::breakout},
      {"blockquote", tag_kind::breakout},
      {"body", tag_kind::breakout},
      {"br", tag_kind::breakout},
      {"center", tag_kind::breakout},
      {"code", tag_kind::breakout},
      {"dd", tag_kind::breakout},
      {"div", tag_kind::breakout},
      {"dl", tag_kind::breakout},
      {"dt", tag_kind::breakout},
      {"em", tag_kind::breakout},
      {"embed", tag_kind::breakout},
      {"font", tag_kind::font},
      {"frame", tag_kind::frame},
      {"h1", tag_kind::breakout},
      {"h2", tag_kind::breakout},
      {"h3", tag_kind::breakout},
      {"h4", tag_kind::breakout},
      {"h5", tag_kind::breakout},
      {"h6", tag_kind::breakout},
      {"head", tag_kind::breakout},
      {"hr", tag_kind::breakout},
      {"i", tag_kind::breakout},
      {"iframe", tag_kind::iframe},
      {"img", tag_kind::breakout},
      {"li", tag_kind::breakout},
      {"link", tag_kind::link},
      {"listing", tag_kind::breakout},
      {"math", tag_kind::math},
      {"menu", tag_kind::breakout},
      {"meta", tag_kind::meta},
      {"nobr", tag_kind::breakout},
      {"noembed", tag_kind::noembed},
      {"noframes", tag_kind::noframes},
      {"ol", tag_kind::breakout},
      {"p", tag_kind::breakout},
      {"plaintext", tag_kind::plaintext},
      {"pre", tag_kind::breakout},
      {"ruby", tag_kind::breakout},
      {"s", tag_kind::breakout},
      {"script", tag_kind::script},
      {"small", tag_kind::breakout},
      {"span", tag_kind::breakout},
      {"strike", tag_kind::breakout},
      {"strong", tag_kind::breakout},
      {"style", tag_kind::style},
      {"sub", tag_kind::breakout},
      {"sup", tag_kind::breakout},
      {"svg", tag_kind::svg},
      {"table", tag_kind::breakout},
      {"textarea", tag_kind::textarea},
      {"title", tag_kind::title},
      {"tt", tag_kind::breakout},
      {"u", tag_kind::breakout},
      {"ul", tag_kind::breakout},
      {"var", tag_kind::breakout},
      {"xmp", tag_kind::xmp},
  }};
  for (auto& e : t)
    e.key = pack(e.name);
  return t;
}();

/// `tag_names` as an open-addressed table without collisions: a name's slot
/// is the top byte of its key times `multiplier`, found at compile time.
struct tag_table {
  struct slot {
    std::uint64_t key = 0;
    tag_kind kind = tag_kind::other;
    bool long_name = false; // more than 8 bytes: compare in full
    std::uint8_t index = 0; // in tag_names
  };
  std::uint64_t multiplier = 0;
  std::array<slot, 256> slots{};

  constexpr std::size_t slot_of(std::uint64_t key) const noexcept {
    return static_cast<std::size_t>((key * multiplier) >> 56);
  }
};

constexpr tag_table tag_lookup = [] {
  tag_table t;
  for (std::uint64_t m = 0x9E3779B97F4A7C15u;; m += 0x2545F4914F6CDD1Eu) {
    t.multiplier = m | 1;
    t.slots = {};
    bool clash = false;
    for (std::size_t i = 0; i < tag_names.size() && !clash; ++i) {
      auto& s = t.slots[t.slot_of(tag_names[i].key)];
      clash = s.key != 0;
      s = {tag_names[i].key, tag_names[i].kind, tag_names[i].name.size() > 8,
           static_cast<std::uint8_t>(i)};
    }
    if (!clash)
      return t;
  }
}();

tag_kind classify_tag(std::string_view lower_name) noexcept {
  if (lower_name.size() > 10)
    return tag_kind::other;
  auto key = pack(lower_name);
  const auto& s = tag_lookup.slots[tag_lookup.slot_of(key)];
  if (s.key != key || (lower_name.size() > 8) != s.long_name ||
      (s.long_name && tag_names[s.index].name != lower_name))
    return tag_kind::other;
  return s.kind;
}

/// The attributes the scanner reads.
enum attr_id : std::uint8_t {
  attr_href,
  attr_rel,
  attr_name,
  attr_content,
  attr_src,
  attr_charset,
  attr_http_equiv,
  attr_color,
  attr_face,
  attr_size,
  attr_count,
  attr_none = attr_count,
};

/// Which attribute `n` (lower case, at most 10 bytes) is, given the tag
/// it is on.
attr_id classify_attr(std::string_view n, tag_kind kind) noexcept {
  auto key = n.size() <= 8 ? pack(n) : 0;
  switch (kind) {
  case tag_kind::a:
  case tag_kind::area:
  case tag_kind::link:
    return key == pack("href")  ? attr_href
           : key == pack("rel") ? attr_rel
                                : attr_none;
  case tag_kind::base:
    return key == pack("href") ? attr_href : attr_none;
  case tag_kind::meta:
    return key == pack("name")      ? attr_name
           : key == pack("content") ? attr_content
           : key == pack("charset") ? attr_charset
           : n == "http-equiv"      ? attr_http_equiv
                                    : attr_none;
  case tag_kind::frame:
  case tag_kind::iframe:
    return key == pack("src") ? attr_src : attr_none;
  case tag_kind::font:
    return key == pack("color")  ? attr_color
           : key == pack("face") ? attr_face
           : key == pack("size") ? attr_size
                                 : attr_none;
  default:
    return attr_none;
  }
}

/// One start or end tag as the tokenizer emits it; the values of the
/// attributes of `attr_id` live in the scanner's reused strings.
struct tag {
  tag_kind kind = tag_kind::other;
  bool end = false;
  bool self_closing = false;
  std::uint16_t present = 0; // bit per attr_id: the first one wins

  bool has(attr_id a) const noexcept { return (present >> a) & 1u; }
};

} // namespace

// ------------------------------------------------------------- the scanner

struct link_scanner::buffers {
  found_links found;
  std::string transcoded;
  std::string scratch;
  std::array<std::string, attr_count> values;
  std::string meta_charset;
};

namespace {

/// One pass of the tokenizer over a page (in UTF-8 or an ASCII-compatible
/// encoding), reporting the tags that matter into `found`.
class tokenizer {
public:
  tokenizer(std::string_view page, found_links& found,
            std::array<std::string, attr_count>& values, std::string& scratch,
            const link_options& opts, std::string* meta_charset)
      : begin_(page.data()), end_(page.data() + page.size()), found_(found),
        values_(values), scratch_(scratch), opts_(opts),
        meta_charset_(meta_charset) {}

  void run() {
    const char* p = begin_;
    while (p < end_) {
      const auto* lt = static_cast<const char*>(std::memchr(p, '<', to_end(p)));
      if (!lt)
        return;
      p = lt + 1;
      if (p == end_)
        return;
      char c = *p;
      if (is_alpha(c)) { // tag open
        tag t;
        const char* after = read_tag(p, t);
        if (!after)
          return; // EOF in a tag: the tag is dropped
        p = on_start_tag(t, lt, after);
      } else if (c == '/') { // end tag open
        ++p;
        if (p == end_)
          return;
        if (is_alpha(*p)) {
          tag t;
          t.end = true;
          const char* after = read_tag(p, t);
          if (!after)
            return;
          on_end_tag(t);
          p = after;
        } else if (*p == '>') {
          ++p; // `</>` is dropped
        } else {
          p = bogus_comment(p);
        }
      } else if (c == '!') {
        p = markup_declaration(p + 1);
      } else if (c == '?') {
        p = bogus_comment(p);
      }
      // Anything else: the `<` was text.
    }
  }

private:
  std::size_t to_end(const char* p) const noexcept {
    return static_cast<std::size_t>(end_ - p);
  }

  /// The tag name state and the attribute states, from the first letter of
  /// the name to the tag's `>`: returns the position after it, or null at
  /// the end of the input (the tag is then never emitted).
  const char* read_tag(const char* p, tag& t) {
    std::array<char, 12> name{};
    std::size_t n = 0;
    bool plain = true;
    for (; p < end_; ++p) {
      char c = *p;
      if (ends(c, ends_tag_name))
        break;
      if (n < name.size() && c != '\0')
        name[n++] = lower(c);
      else
        plain = false;
    }
    if (p == end_)
      return nullptr;
    t.kind = plain ? classify_tag({name.data(), n}) : tag_kind::other;
    return read_attributes(p, t);
  }

  const char* read_attributes(const char* p, tag& t) {
    bool wanted =
        !t.end && t.kind != tag_kind::other && t.kind != tag_kind::breakout;
    for (;;) {
      // Before attribute name.
      while (p < end_ && html_space(*p))
        ++p;
      if (p == end_)
        return nullptr;
      if (*p == '>')
        return p + 1;
      if (*p == '/') { // self-closing start tag
        ++p;
        if (p == end_)
          return nullptr;
        if (*p == '>') {
          t.self_closing = true;
          return p + 1;
        }
        continue;
      }
      // Attribute name: the first character may be '='.
      const char* name = p++;
      while (p < end_ && !ends(*p, ends_attribute_name))
        ++p;
      if (p == end_)
        return nullptr;
      std::string* value = nullptr;
      if (wanted) {
        auto id = attribute_id({name, static_cast<std::size_t>(p - name)}, t);
        if (id != attr_none && !t.has(id)) {
          t.present = static_cast<std::uint16_t>(t.present | (1u << id));
          value = &values_[id];
          value->clear();
        }
      }
      // After attribute name.
      while (p < end_ && html_space(*p))
        ++p;
      if (p == end_)
        return nullptr;
      if (*p != '=')
        continue; // no value: '/', '>' or the next name
      ++p;
      // Before attribute value.
      while (p < end_ && html_space(*p))
        ++p;
      if (p == end_)
        return nullptr;
      if (*p == '>')
        return p + 1;
      if (*p == '"' || *p == '\'') {
        const char* v = p + 1;
        const auto* close =
            static_cast<const char*>(std::memchr(v, *p, to_end(v)));
        if (!close)
          return nullptr;
        if (value)
          decode({v, static_cast<std::size_t>(close - v)}, true, *value);
        p = close + 1;
        continue; // after attribute value (quoted)
      }
      const char* v = p;
      while (p < end_ && !ends(*p, ends_unquoted_value))
        ++p;
      if (p == end_)
        return nullptr;
      if (value)
        decode({v, static_cast<std::size_t>(p - v)}, true, *value);
    }
  }

  static attr_id attribute_id(std::string_view raw, const tag& t) noexcept {
    std::array<char, 10> name{};
    if (raw.size() > name.size())
      return attr_none;
    for (std::size_t i = 0; i < raw.size(); ++i)
      name[i] = lower(raw[i]);
    return classify_attr({name.data(), raw.size()}, t.kind);
  }

  std::string& value(attr_id a) { return values_[a]; }

  /// Emits a start tag: collects what it carries and switches to the text
  /// state its element calls for. Returns where the data state resumes.
  const char* on_start_tag(const tag& t, const char* lt, const char* after) {
    if (foreign_ > 0) {
      bool breaks_out =
          t.kind == tag_kind::breakout || t.kind == tag_kind::meta ||
          (t.kind == tag_kind::font &&
           (t.has(attr_color) || t.has(attr_face) || t.has(attr_size)));
      if (!breaks_out) {
        if ((t.kind == tag_kind::svg || t.kind == tag_kind::math) &&
            !t.self_closing)
          ++foreign_;
        collect(t, lt);
        return after; // no raw text in foreign content
      }
      foreign_ = 0;
    }
    collect(t, lt);
    switch (t.kind) {
    case tag_kind::svg:
    case tag_kind::math:
      if (!t.self_closing)
        foreign_ = 1;
      return after;
    case tag_kind::title: {
      bool capture = !title_seen_;
      title_seen_ = true;
      return text_until_end_tag(after, "title", capture);
    }
    case tag_kind::textarea:
      return text_until_end_tag(after, "textarea", false);
    case tag_kind::style:
      return text_until_end_tag(after, "style", false);
    case tag_kind::xmp:
      return text_until_end_tag(after, "xmp", false);
    case tag_kind::iframe:
      return text_until_end_tag(after, "iframe", false);
    case tag_kind::noembed:
      return text_until_end_tag(after, "noembed", false);
    case tag_kind::noframes:
      return text_until_end_tag(after, "noframes", false);
    case tag_kind::script:
      return script_data(after);
    case tag_kind::plaintext:
      return end_;
    default:
      return after;
    }
  }

  void on_end_tag(const tag& t) {
    if (foreign_ > 0 && (t.kind == tag_kind::svg || t.kind == tag_kind::math))
      --foreign_;
  }

  /// Hands what a start tag carries to `found_`.
  void collect(const tag& t, const char* lt) {
    switch (t.kind) {
    case tag_kind::a:
    case tag_kind::area:
    case tag_kind::link:
      if (t.has(attr_href)) {
        make_utf8(value(attr_href), scratch_);
        found_.add_anchor(value(attr_href),
                          t.has(attr_rel) ? value(attr_rel) : "",
                          t.kind == tag_kind::link, opts_);
      }
      break;
    case tag_kind::base:
      if (t.has(attr_href) && !found_.has_base) {
        make_utf8(value(attr_href), scratch_);
        found_.add_base(value(attr_href));
      }
      break;
    case tag_kind::meta:
      if (t.has(attr_name))
        found_.add_meta(value(attr_name),
                        t.has(attr_content) ? value(attr_content) : "");
      if (meta_charset_ && meta_charset_->empty() && lt - begin_ < 1024) {
        std::string_view label;
        if (t.has(attr_charset))
          label = value(attr_charset);
        else if (t.has(attr_http_equiv) && t.has(attr_content) &&
                 iequals(actio::detail::trim(value(attr_http_equiv)),
                         "content-type"))
          label = meta_content_charset(value(attr_content));
        if (!label.empty())
          meta_charset_->assign(label);
      }
      break;
    case tag_kind::frame:
    case tag_kind::iframe:
      if (opts_.frame_srcs && t.has(attr_src)) {
        make_utf8(value(attr_src), scratch_);
        found_.add_href(value(attr_src), opts_);
      }
      break;
    default:
      break;
    }
  }

  /// Whether `p` (after `</`) starts an end tag named `name` (lower case),
  /// the "appropriate end tag" test of the RCDATA, RAWTEXT and script
  /// end tag name states.
  bool is_end_tag(const char* p, std::string_view name) const noexcept {
    if (to_end(p) <= name.size())
      return false;
    for (std::size_t i = 0; i < name.size(); ++i)
      if (lower(p[i]) != name[i])
        return false;
    char c = p[name.size()];
    return html_space(c) || c == '/' || c == '>';
  }

  /// The RCDATA and RAWTEXT states up to `</name`, then that end tag;
  /// with `capture`, the text (references decoded) is the title.
  const char* text_until_end_tag(const char* p, std::string_view name,
                                 bool capture) {
    const char* text = p;
    const char* close = end_;
    for (const char* q = p; q < end_;) {
      const auto* lt = static_cast<const char*>(std::memchr(q, '<', to_end(q)));
      if (!lt)
        break;
      if (lt + 1 < end_ && lt[1] == '/' && is_end_tag(lt + 2, name)) {
        close = lt;
        break;
      }
      q = lt + 1;
    }
    if (capture) {
      auto room = detail::max_title_bytes -
                  std::min(detail::max_title_bytes, found_.title.size());
      decode({text, static_cast<std::size_t>(close - text)}, false,
             found_.title, found_.title.size() + room);
    }
    if (close == end_)
      return end_;
    tag t;
    t.end = true;
    const char* after = read_tag(close + 2, t);
    return after ? after : end_;
  }

  /// The script data states, escaped and double-escaped ones included, up
  /// to `</script`, then that end tag.
  const char* script_data(const char* p) {
    enum {
      data,
      escaped,
      escaped_dash,
      escaped_dash_dash,
      double_escaped,
      double_escaped_dash,
      double_escaped_dash_dash,
    } s = data;
    const char* close = end_;
    while (p < end_) {
      if (s == data) {
        const auto* lt =
            static_cast<const char*>(std::memchr(p, '<', to_end(p)));
        if (!lt)
          break;
        p = lt + 1;
        if (p < end_ && *p == '/' && is_end_tag(p + 1, "script")) {
          close = lt;
          break;
        }
        if (to_end(p) >= 3 && p[0] == '!' && p[1] == '-' && p[2] == '-') {
          p += 3;
          s = escaped_dash_dash;
        }
        continue;
      }
      if (s == escaped || s == double_escaped) {
        p = find_either(p, end_, '-', '<');
        if (p == end_)
          break;
      }
      char c = *p++;
      bool dbl = s >= double_escaped;
      if (c == '<') {
        if (!dbl) {
          if (p < end_ && *p == '/' && is_end_tag(p + 1, "script")) {
            close = p - 1;
            break;
          }
          s = escaped;
          if (p < end_ && is_alpha(*p) && names_script(p))
            s = double_escaped;
        } else {
          s = double_escaped;
          if (p < end_ && *p == '/' && names_script(p + 1))
            s = escaped;
        }
      } else if (c == '-') {
        if (s == escaped || s == double_escaped)
          s = dbl ? double_escaped_dash : escaped_dash;
        else
          s = dbl ? double_escaped_dash_dash : escaped_dash_dash;
      } else if (c == '>' &&
                 (s == escaped_dash_dash || s == double_escaped_dash_dash)) {
        s = data;
      } else {
        s = dbl ? double_escaped : escaped;
      }
    }
    if (close == end_)
      return end_;
    tag t;
    t.end = true;
    const char* after = read_tag(close + 2, t);
    return after ? after : end_;
  }

  /// The double escape start and end states: whether the letters at `p`
  /// spell `script` and are followed by whitespace, `/` or `>`.
  bool names_script(const char* p) const noexcept {
    return is_end_tag(p, "script");
  }

  const char* bogus_comment(const char* p) const noexcept {
    const auto* gt = static_cast<const char*>(std::memchr(p, '>', to_end(p)));
    return gt ? gt + 1 : end_;
  }

  /// After `<!`: a comment, a doctype, a CDATA section or a bogus comment.
  const char* markup_declaration(const char* p) const noexcept {
    auto rest = to_end(p);
    if (rest >= 2 && p[0] == '-' && p[1] == '-')
      return comment(p + 2);
    if (rest >= 7 && std::memcmp(p, "[CDATA[", 7) == 0 && foreign_ > 0) {
      for (const char* q = p + 7; q + 2 < end_; ++q)
        if (q[0] == ']' && q[1] == ']' && q[2] == '>')
          return q + 3;
      return end_;
    }
    return bogus_comment(p); // DOCTYPE ends at its first '>' as well
  }

  /// The comment states from after `<!--`: `<!-->` and `<!--->` end at
  /// once; otherwise `--`, more dashes, then `>` or `!>` end it.
  const char* comment(const char* p) const noexcept {
    if (p < end_ && *p == '>')
      return p + 1;
    if (to_end(p) >= 2 && p[0] == '-' && p[1] == '>')
      return p + 2;
    while (p < end_) {
      const auto* dash =
          static_cast<const char*>(std::memchr(p, '-', to_end(p)));
      if (!dash || dash + 1 >= end_)
        return end_;
      if (dash[1] != '-') {
        p = dash + 1;
        continue;
      }
      const char* r = dash + 2;
      while (r < end_ && *r == '-')
        ++r;
      if (r < end_ && *r == '>')
        return r + 1;
      if (to_end(r) >= 2 && r[0] == '!' && r[1] == '>')
        return r + 2;
      p = r;
    }
    return end_;
  }

  const char* begin_;
  const char* end_;
  found_links& found_;
  std::array<std::string, attr_count>& values_;
  std::string& scratch_;
  const link_options& opts_;
  std::string* meta_charset_; // null: not sniffing
  std::size_t foreign_ = 0;   // svg/math elements open
  bool title_seen_ = false;
};

} // namespace

link_scanner::link_scanner() : buf_(std::make_unique<buffers>()) {}

link_scanner::~link_scanner() = default;

page_links link_scanner::scan(std::string_view html, std::string_view page_url,
                              std::string_view content_type,
                              const link_options& opts) {
  auto& b = *buf_;
  b.found.clear();
  b.meta_charset.clear();
  bool truncated = false;
  if (html.size() > opts.max_input_bytes) {
    html = html.substr(0, opts.max_input_bytes);
    truncated = true;
  }
  std::string_view page = html;
  std::string_view encoding;
  bool sniff = false;
  if (page.substr(0, 3) == "\xEF\xBB\xBF") {
    page.remove_prefix(3);
  } else if (page.substr(0, 2) == "\xFE\xFF" ||
             page.substr(0, 2) == "\xFF\xFE") {
    encoding = page[0] == '\xFE' ? "UTF-16BE" : "UTF-16LE";
    page.remove_prefix(2);
  } else {
    encoding = iconv_name(charset_of(content_type));
    sniff = charset_of(content_type).empty();
  }
  if (!encoding.empty() && transcode(page, encoding, b.transcoded))
    page = b.transcoded;

  tokenizer first{page,      b.found, b.values,
                  b.scratch, opts,    sniff ? &b.meta_charset : nullptr};
  first.run();
  if (!b.meta_charset.empty()) {
    auto label = std::string_view{b.meta_charset};
    auto name = iconv_name(label);
    if (iequals(actio::detail::trim(label).substr(0, 6), "utf-16"))
      name = {}; // a meta cannot name UTF-16: the page is ASCII-compatible
    if (!name.empty() && transcode(page, name, b.transcoded)) {
      b.found.clear();
      tokenizer again{b.transcoded, b.found, b.values,
                      b.scratch,    opts,    nullptr};
      again.run();
    }
  }
  make_utf8(b.found.title, b.scratch);
  cut_utf8(b.found.title, detail::max_title_bytes);
  b.found.truncated = b.found.truncated || truncated;
  auto out = detail::finish_links(b.found, page_url, opts);

  constexpr std::size_t keep = 1u << 20;
  auto release = [](std::string& s) {
    if (s.capacity() > keep)
      std::string{}.swap(s);
  };
  release(b.transcoded);
  release(b.scratch);
  release(b.found.arena);
  release(b.found.title);
  for (auto& v : b.values)
    release(v);
  if (b.found.hrefs.capacity() > keep / 8)
    decltype(b.found.hrefs){}.swap(b.found.hrefs);
  return out;
}

page_links scan_links(std::string_view html, std::string_view page_url,
                      std::string_view content_type, const link_options& opts) {
  thread_local link_scanner scanner;
  return scanner.scan(html, page_url, content_type, opts);
}

} // namespace actio::crawl
