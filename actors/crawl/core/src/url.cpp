// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/core/url.hpp"
#include "actio/detail/ascii.hpp"

#include "actio/http/private_address.hpp"

#include "percent.hpp"

#include <curl/curl.h>

#include <algorithm>

namespace actio::crawl {

namespace {

using actio::detail::ascii_lower;

/// One curl URL handle per thread, reused for every URL.
struct curlu_holder {
  CURLU* handle = curl_url();
  ~curlu_holder() { curl_url_cleanup(handle); }
};

CURLU* thread_handle() {
  thread_local curlu_holder holder;
  return holder.handle;
}

thread_local std::uint64_t curl_parses = 0;

/// A string curl allocated, freed with curl_free.
struct curl_string {
  char* ptr = nullptr;
  ~curl_string() { curl_free(ptr); }
};

bool is_space_or_control(char c) noexcept {
  return static_cast<unsigned char>(c) <= 0x20;
}

/// Trims C0 controls and spaces at both ends; removes tabs and newlines
/// inside (as browsers do). Returns a view into `in` or into `scratch`.
std::string_view clean(std::string_view in, std::string& scratch) {
  while (!in.empty() && is_space_or_control(in.front()))
    in.remove_prefix(1);
  while (!in.empty() && is_space_or_control(in.back()))
    in.remove_suffix(1);
  if (in.find_first_of("\t\r\n") == std::string_view::npos)
    return in;
  scratch.clear();
  for (char c : in)
    if (c != '\t' && c != '\r' && c != '\n')
      scratch.push_back(c);
  return scratch;
}

/// The scheme of `s` (without ':'), empty when `s` has none.
std::string_view scheme_of(std::string_view s) noexcept {
  if (s.empty() ||
      !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
    return {};
  for (std::size_t i = 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == ':')
      return s.substr(0, i);
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!ok)
      return {};
  }
  return {};
}

bool is_http_scheme(std::string_view scheme) noexcept {
  return actio::detail::iequals(scheme, "http") ||
         actio::detail::iequals(scheme, "https");
}

/// Appends the authority of `rest` (which starts right after "//") without
/// user-info to `out`; returns the remaining path, query and fragment, or
/// sets `err`.
std::string_view append_authority(std::string_view rest, std::string& out,
                                  std::string& err) {
  auto end = rest.find_first_of("/?#\\");
  auto authority = rest.substr(0, end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  for (char c : authority)
    if (static_cast<unsigned char>(c) >= 0x80) {
      err = "non-ASCII host names (IDN) are not supported";
      return {};
    }
  if (authority.empty() || authority.front() == ':') {
    err = "empty host";
    return {};
  }
  if (authority.front() == '[') {
    out.append(authority); // an IPv6 literal: curl checks it, zone id too
  } else {
    // Escapes are decoded here, not by curl, which would decode "%39" to
    // "9" without then reading it as the IPv4 address 0.0.0.9 (so the
    // result would change when canonicalised again, and "%31%32%37.1"
    // would hide 127.0.0.1). Only letters, digits and "-._~" may be
    // escaped: any other byte in a host name is no host name.
    for (std::size_t i = 0; i < authority.size(); ++i) {
      if (authority[i] != '%') {
        out.push_back(authority[i]);
        continue;
      }
      int hi =
          i + 2 < authority.size() ? detail::hex_value(authority[i + 1]) : -1;
      int lo = hi >= 0 ? detail::hex_value(authority[i + 2]) : -1;
      auto v = static_cast<unsigned char>(hi * 16 + lo);
      if (hi < 0 || lo < 0 || !detail::unreserved(v)) {
        err = "invalid escape in the host";
        return {};
      }
      out.push_back(static_cast<char>(v));
      i += 2;
    }
  }
  return end == std::string_view::npos ? std::string_view{} : rest.substr(end);
}

/// Appends path and query of `rest` normalised; drops the fragment.
void append_path_query(std::string_view rest, std::string& out,
                       bool empty_path_is_root) {
  auto frag = rest.find('#');
  if (frag != std::string_view::npos)
    rest = rest.substr(0, frag);
  auto q = rest.find('?');
  auto path = rest.substr(0, q);
  if (path.empty() && empty_path_is_root)
    out.push_back('/');
  detail::append_normalised(out, path, true);
  if (q != std::string_view::npos) {
    out.push_back('?');
    detail::append_normalised(out, rest.substr(q + 1), false);
  }
}

bool param_stripped(std::string_view name,
                    const std::vector<std::string>& patterns) noexcept {
  for (const auto& p : patterns) {
    std::string_view pv = p;
    if (!pv.empty() && pv.back() == '*') {
      pv.remove_suffix(1);
      if (name.size() >= pv.size() &&
          actio::detail::iequals(name.substr(0, pv.size()), pv))
        return true;
    } else if (actio::detail::iequals(name, pv)) {
      return true;
    }
  }
  return false;
}

std::string_view param_name(std::string_view param) noexcept {
  return param.substr(0, param.find('='));
}

/// Appends the query `q` without stripped and empty parameters, sorted
/// when asked.
void append_query(std::string_view q, std::string& out,
                  const canonicalize_options& opts) {
  thread_local std::vector<std::string_view> params;
  params.clear();
  while (true) {
    auto amp = q.find('&');
    auto p = q.substr(0, amp);
    if (!p.empty() && !param_stripped(param_name(p), opts.strip_params))
      params.push_back(p);
    if (amp == std::string_view::npos)
      break;
    q.remove_prefix(amp + 1);
  }
  if (params.empty())
    return;
  if (opts.sort_query)
    std::stable_sort(params.begin(), params.end(),
                     [](std::string_view a, std::string_view b) {
                       return param_name(a) < param_name(b);
                     });
  out.push_back('?');
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i > 0)
      out.push_back('&');
    out.append(params[i]);
  }
}

/// Builds the canonical string from curl's URL output.
url_result finish(std::string_view s, const canonicalize_options& opts) {
  auto sep = s.find("://");
  if (sep == std::string_view::npos)
    return url_error{"curl returned no absolute URL"};
  auto path_start = s.find('/', sep + 3);
  if (path_start == std::string_view::npos)
    path_start = s.size();
  // A host byte that a canonical URL cannot hold raw is refused, so that
  // every canonical URL is accepted, unchanged, when canonicalised again
  // (append_authority leaves curl no escapes to decode outside IPv6
  // literals; this holds whatever curl does with those).
  for (std::size_t i = sep + 3; i < path_start; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80)
      return url_error{"non-ASCII host names (IDN) are not supported"};
    if (c <= 0x20 || c == 0x7f)
      return url_error{"invalid host: control character or space"};
  }
  std::string out;
  out.reserve(s.size() + 1);
  for (std::size_t i = 0; i < path_start; ++i)
    out.push_back(actio::detail::ascii_lower(s[i]));
  auto rest = s.substr(path_start);
  auto q = rest.find('?');
  auto path = rest.substr(0, q);
  if (path.empty())
    out.push_back('/');
  out.append(path);
  if (q != std::string_view::npos)
    append_query(rest.substr(q + 1), out, opts);
  if (out.size() > opts.max_length)
    return url_error{"URL longer than " + std::to_string(opts.max_length) +
                     " bytes"};
  return url_result{std::move(out)};
}

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

/// Host bytes actio's own parser accepts; any other byte goes to libcurl.
bool plain_host_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
         c == '-' || c == '.' || c == '_' || c == '~';
}

/// True for "a.b.c.d", four decimal numbers up to 255 without leading
/// zeros: the only numeric host that libcurl leaves as it is.
bool dotted_quad(std::string_view h) noexcept {
  int parts = 0;
  std::size_t i = 0;
  while (true) {
    std::size_t j = i;
    unsigned v = 0;
    while (j < h.size() && is_digit(h[j]) && j - i < 4)
      v = v * 10 + static_cast<unsigned>(h[j++] - '0');
    if (j == i || j - i > 3 || (h[i] == '0' && j - i > 1) || v > 255)
      return false;
    ++parts;
    if (j == h.size())
      return parts == 4;
    if (h[j] != '.' || parts == 4)
      return false;
    i = j + 1;
  }
}

/// Removes the last segment (and its '/') that `out` holds after `root`.
void pop_segment(std::string& out, std::size_t root) noexcept {
  auto slash = out.rfind('/');
  out.resize(slash == std::string::npos || slash < root ? root : slash);
}

/// Appends `path` (empty or starting with '/') with its dot segments
/// removed (RFC 3986 section 5.2.4).
void append_path(std::string& out, std::string_view path) {
  if (path.empty()) {
    out.push_back('/');
    return;
  }
  if (path.find("/.") == std::string_view::npos) {
    out.append(path);
    return;
  }
  auto root = out.size();
  std::string_view in = path;
  auto starts = [&in](std::string_view p) {
    return in.substr(0, p.size()) == p;
  };
  while (!in.empty()) {
    if (starts("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (starts("/../")) {
      in.remove_prefix(3);
      pop_segment(out, root);
    } else if (in == "/..") {
      in = "/";
      pop_segment(out, root);
    } else {
      auto next = in.find('/', 1);
      if (next == std::string_view::npos)
        next = in.size();
      out.append(in.substr(0, next));
      in.remove_prefix(next);
    }
  }
}

/// What actio's own parser made of a URL: a result, or "ask libcurl".
enum class own_outcome { done, ask_libcurl };

/// Canonicalises `s`, a prepared absolute URL (lower-case "http://" or
/// "https://", the authority without user-info and with the host's escapes
/// decoded, path and query normalised, no fragment) exactly as libcurl's
/// URL API followed by `finish` does, for the inputs where that is known:
/// host names of letters, digits and "-._~" without empty labels, dotted
/// quads, ports of up to five digits. Anything else is left to libcurl.
own_outcome own_canonical(std::string_view s, const canonicalize_options& opts,
                          url_result& out) {
  auto parts = split_url(s);
  auto host = parts.host;
  if (host.empty())
    return own_outcome::ask_libcurl;
  char prev = '.';
  for (char c : host) {
    if (!plain_host_char(c) || (c == '.' && prev == '.'))
      return own_outcome::ask_libcurl;
    prev = c;
  }
  if (prev == '.' || (is_digit(host.front()) && !dotted_quad(host)))
    return own_outcome::ask_libcurl;
  unsigned port = 0;
  auto digits = parts.port;
  if (digits.size() > 5)
    return own_outcome::ask_libcurl;
  for (char c : digits) {
    if (!is_digit(c))
      return own_outcome::ask_libcurl;
    port = port * 10 + static_cast<unsigned>(c - '0');
  }
  if (!digits.empty() && (port == 0 || port > 65535))
    return own_outcome::ask_libcurl;
  unsigned default_port = parts.scheme.size() == 5 ? 443 : 80;
  std::string res;
  res.reserve(s.size() + 1);
  res.append(parts.scheme);
  res.append("://");
  for (char c : host)
    res.push_back(ascii_lower(c));
  if (port != 0 && port != default_port) {
    res.push_back(':');
    res.append(std::to_string(port));
  }
  append_path(res, parts.path);
  append_query(parts.query, res, opts); // an empty query adds nothing
  if (res.size() > opts.max_length)
    out = url_error{"URL longer than " + std::to_string(opts.max_length) +
                    " bytes"};
  else
    out = url_result{std::move(res)};
  return own_outcome::done;
}

url_result curl_error(CURLUcode rc) {
  return url_error{std::string{"invalid URL: "} + curl_url_strerror(rc)};
}

/// Lets curl parse `prepared` (relative to the URL already in `h` when
/// `relative`) and returns the canonical result.
url_result parse_with_curl(CURLU* h, const std::string& prepared,
                           const canonicalize_options& opts) {
  ++curl_parses;
  if (auto rc = curl_url_set(h, CURLUPART_URL, prepared.c_str(), 0))
    return curl_error(rc);
  curl_string out;
  if (auto rc = curl_url_get(h, CURLUPART_URL, &out.ptr, CURLU_NO_DEFAULT_PORT))
    return curl_error(rc);
  return finish(out.ptr, opts);
}

url_result canonicalize_clean(std::string_view s,
                              const canonicalize_options& opts,
                              url_parser parser) {
  auto scheme = scheme_of(s);
  if (scheme.empty())
    return url_error{"not an absolute URL (no scheme): '" +
                     std::string{s.substr(0, 64)} + "'"};
  if (!is_http_scheme(scheme))
    return url_error{"unsupported scheme '" + std::string{scheme} +
                     "' (only http and https)"};
  auto rest = s.substr(scheme.size() + 1);
  if (rest.size() < 2 || rest[0] != '/' || rest[1] != '/')
    return url_error{"missing '//' after the scheme"};
  thread_local std::string buf;
  buf.clear();
  for (char c : scheme)
    buf.push_back(actio::detail::ascii_lower(c));
  buf.append("://");
  std::string err;
  rest = append_authority(rest.substr(2), buf, err);
  if (!err.empty())
    return url_error{std::move(err)};
  append_path_query(rest, buf, true);
  if (buf.size() > opts.max_length * 3)
    return url_error{"URL longer than " + std::to_string(opts.max_length) +
                     " bytes"};
  if (parser == url_parser::actio) {
    url_result out = url_error{};
    if (own_canonical(buf, opts, out) == own_outcome::done)
      return out;
  }
  return parse_with_curl(thread_handle(), buf, opts);
}

} // namespace

const canonicalize_options& default_canonicalize_options() {
  static const canonicalize_options opts;
  return opts;
}

std::uint64_t libcurl_url_parses() noexcept {
  return curl_parses;
}

url_result canonicalize(std::string_view url, const canonicalize_options& opts,
                        url_parser parser) {
  thread_local std::string scratch;
  return canonicalize_clean(clean(url, scratch), opts, parser);
}

url_resolver::url_resolver(std::string_view base,
                           const canonicalize_options& opts, url_parser parser)
    : base_(canonicalize(base, opts, parser)), opts_(&opts), parser_(parser) {
  split_base();
}

void url_resolver::split_base() noexcept {
  if (!base_)
    return;
  auto parts = split_url(base_.value());
  origin_end_ = parts.origin.size();
  path_end_ = origin_end_ + parts.path.size();
  dir_end_ = origin_end_ + parts.directory().size();
}

url_resolver::~url_resolver() {
  curl_url_cleanup(base_handle_);
}

namespace {

/// Whether `href`, a path reference, is already canonical when appended to
/// a canonical base: only letters, digits and "-._/", no dot segment
/// ("/." anywhere, or a leading "."), no empty segment ("//"). Such
/// references (most links on most sites) skip curl entirely; the result is
/// the same string curl's resolution gives (tested).
bool plain_path_reference(std::string_view href) noexcept {
  if (href.empty() || href.front() == '.')
    return false;
  char prev = 0;
  for (char c : href) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
              c == '/';
    if (!ok || (prev == '/' && (c == '.' || c == '/')))
      return false;
    prev = c;
  }
  return true;
}

} // namespace

url_result url_resolver::resolve(std::string_view raw_href) const {
  if (base_ && parser_ == url_parser::actio) {
    auto href = raw_href;
    // The fast path: a plain absolute or relative path on the base's origin.
    if (plain_path_reference(href) && href.size() <= opts_->max_length) {
      // A base path whose only other '/' is its second byte ("//x") keeps
      // one '/' only, as merge_like_libcurl explains.
      auto end = href.front() == '/'           ? origin_end_
                 : dir_end_ == origin_end_ + 2 ? origin_end_ + 1
                                               : dir_end_;
      std::string_view prefix = std::string_view{base_.value()}.substr(0, end);
      if (prefix.size() + href.size() <= opts_->max_length) {
        std::string out;
        out.reserve(prefix.size() + href.size());
        out.append(prefix);
        out.append(href);
        return url_result{std::move(out)};
      }
    }
  }
  return resolve_slow(raw_href);
}

url_result url_resolver::resolve_slow(std::string_view raw_href) const {
  if (!base_)
    return base_;
  thread_local std::string scratch;
  auto href = clean(raw_href, scratch);
  if (href.empty() || href.front() == '#')
    return base_;
  auto scheme = scheme_of(href);
  if (!scheme.empty()) {
    if (!is_http_scheme(scheme))
      return url_error{"unsupported scheme '" + std::string{scheme} +
                       "' (only http and https)"};
    auto after = href.substr(scheme.size() + 1);
    if (after.size() >= 2 && after[0] == '/' && after[1] == '/')
      return canonicalize_clean(href, *opts_, parser_);
    if (!actio::detail::iequals(scheme, scheme_of(base_.value())))
      return url_error{"scheme-relative link to another scheme"};
    href = after;
    if (href.empty())
      return base_;
  }
  thread_local std::string buf;
  buf.clear();
  // Paths read a backslash as a slash (as browsers do), so a reference
  // that starts with two of either is protocol-relative too: its authority
  // loses its user-info here, not only in the URL curl makes of it.
  auto slash = [](char c) { return c == '/' || c == '\\'; };
  if (href.size() >= 2 && slash(href[0]) && slash(href[1])) {
    buf.append("//");
    std::string err;
    href = append_authority(href.substr(2), buf, err);
    if (!err.empty())
      return url_error{std::move(err)};
    append_path_query(href, buf, true);
  } else {
    append_path_query(href, buf, false);
    if (buf.empty())
      return base_;
  }
  if (buf.size() > opts_->max_length * 3)
    return url_error{"URL longer than " + std::to_string(opts_->max_length) +
                     " bytes"};
  return resolve_prepared(buf);
}

void url_resolver::merge_like_libcurl(std::string& merged,
                                      std::string_view ref) const {
  std::string_view b = base_.value();
  merged.clear();
  if (ref.substr(0, 2) == "//") {
    merged.append(b.substr(0, b.find(':') + 1));
  } else if (ref.front() == '/') {
    merged.append(b.substr(0, origin_end_));
  } else {
    // libcurl keeps the base up to its query ('?' references) or up to the
    // '/' before its last segment, then drops one leading "./" and one
    // segment per leading "../" but never the path's first '/', and joins
    // with a '/' unless the reference starts with '/' or '?' or the base
    // was cut back to that first '/'. RFC 3986 and WHATWG differ in two
    // rare cases, kept as libcurl has them so that canonical URLs stay what
    // they were: "../" climbing above the root before an empty segment
    // ("http://h/" + "..//x" is "http://h//x" there, "http://h/x" here:
    // "/x" joins "http://h" without a '/') and a base path whose last '/'
    // is its second byte ("http://h//" + "x" is "http://h//x" there,
    // "http://h/x" here).
    auto work = ref.front() == '?' ? path_end_ : dir_end_ - 1;
    auto first_slash = origin_end_ + 1; // just after the path's first '/'
    bool has_first = work > origin_end_;
    if (ref.front() != '?') {
      if (ref.substr(0, 2) == "./")
        ref.remove_prefix(2);
      int levels = 0;
      while (ref.substr(0, 3) == "../") {
        ++levels;
        ref.remove_prefix(3);
      }
      while (has_first && levels-- > 0) {
        auto slash = b.substr(0, work).rfind('/');
        if (slash == std::string_view::npos || slash < first_slash) {
          work = first_slash;
          break;
        }
        work = slash;
      }
    }
    merged.append(b.substr(0, work));
    bool joined =
        (!ref.empty() && (ref.front() == '/' || ref.front() == '?')) ||
        (has_first && work == first_slash);
    if (!joined)
      merged.push_back('/');
  }
  merged.append(ref);
}

url_result url_resolver::resolve_prepared(std::string_view ref) const {
  if (parser_ == url_parser::actio) {
    // The reference is merged with the base as libcurl's URL API merges
    // it (not quite RFC 3986 section 5.2.2: see merge_like_libcurl), then
    // canonicalised like any other URL. A first segment with a colon is
    // left to libcurl, which reads it as a scheme.
    auto first_end = ref.find_first_of("/?");
    if (ref.substr(0, first_end).find(':') == std::string_view::npos) {
      thread_local std::string merged;
      merge_like_libcurl(merged, ref);
      url_result out = url_error{};
      if (own_canonical(merged, *opts_, out) == own_outcome::done)
        return out;
    }
  }
  if (!base_handle_) {
    base_handle_ = curl_url();
    if (base_handle_ &&
        curl_url_set(base_handle_, CURLUPART_URL, base_.value().c_str(), 0)) {
      curl_url_cleanup(base_handle_);
      base_handle_ = nullptr;
    }
    if (!base_handle_)
      return url_error{"out of memory"};
  }
  struct owned {
    CURLU* h;
    ~owned() { curl_url_cleanup(h); }
  } copy{curl_url_dup(base_handle_)};
  if (!copy.h)
    return url_error{"out of memory"};
  return parse_with_curl(copy.h, std::string{ref}, *opts_);
}

url_result resolve(std::string_view base, std::string_view href,
                   const canonicalize_options& opts, url_parser parser) {
  return url_resolver{base, opts, parser}.resolve(href);
}

namespace {

/// Where the authority that starts at `from` ends: the first '/', '?' or
/// '#', or the end (a loop: find_first_of calls memchr per byte).
std::size_t authority_end(std::string_view url, std::size_t from) noexcept {
  for (auto i = from; i < url.size(); ++i) {
    char c = url[i];
    if (c == '/' || c == '?' || c == '#')
      return i;
  }
  return url.size();
}

/// Where the authority of `url` starts (after "://"), or npos.
std::size_t authority_begin(std::string_view url) noexcept {
  auto sep = url.find("://");
  return sep == std::string_view::npos ? sep : sep + 3;
}

} // namespace

std::string_view host_of(std::string_view url) noexcept {
  auto begin = authority_begin(url);
  if (begin == std::string_view::npos)
    return {};
  auto auth = url.substr(begin, authority_end(url, begin) - begin);
  if (!auth.empty() && auth.front() == '[') {
    auto close = auth.find(']');
    return close == std::string_view::npos ? auth : auth.substr(0, close + 1);
  }
  return auth.substr(0, auth.find(':'));
}

std::string_view origin_of(std::string_view url) noexcept {
  auto begin = authority_begin(url);
  if (begin == std::string_view::npos)
    return {};
  return url.substr(0, authority_end(url, begin));
}

url_parts split_url(std::string_view url) noexcept {
  url_parts p;
  auto begin = authority_begin(url);
  if (begin == std::string_view::npos)
    return p;
  p.scheme = url.substr(0, begin - 3);
  auto end = authority_end(url, begin);
  p.origin = url.substr(0, end);
  auto authority = url.substr(begin, end - begin);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    p.userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
  }
  std::size_t host_end = 0;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    host_end = close == std::string_view::npos ? authority.size() : close + 1;
  } else {
    host_end = std::min(authority.find(':'), authority.size());
  }
  p.host = authority.substr(0, host_end);
  if (host_end < authority.size() && authority[host_end] == ':')
    p.port = authority.substr(host_end + 1);
  auto rest = url.substr(end);
  auto hash = rest.find('#');
  if (hash != std::string_view::npos) {
    p.fragment = rest.substr(hash + 1);
    rest = rest.substr(0, hash);
  }
  auto q = rest.find('?');
  p.path = rest.substr(0, q);
  if (q != std::string_view::npos)
    p.query = rest.substr(q + 1);
  return p;
}

std::string_view path_of(std::string_view url) noexcept {
  auto origin = origin_of(url);
  if (origin.empty())
    return {};
  auto rest = url.substr(origin.size());
  rest = rest.substr(0, rest.find('#'));
  if (rest.empty() || rest.front() != '/')
    return "/";
  return rest;
}

namespace {

std::string_view strip_trailing_dot(std::string_view s) noexcept {
  while (!s.empty() && s.back() == '.')
    s.remove_suffix(1);
  return s;
}

} // namespace

bool domain_allowed(std::string_view host,
                    const std::vector<std::string>& allowed) noexcept {
  if (allowed.empty())
    return true;
  host = strip_trailing_dot(host);
  for (const auto& entry : allowed) {
    std::string_view d = entry;
    if (d.substr(0, 2) == "*.")
      d.remove_prefix(2);
    else if (d.substr(0, 1) == ".")
      d.remove_prefix(1);
    d = strip_trailing_dot(d);
    if (d.empty() || host.size() < d.size())
      continue;
    auto tail = host.substr(host.size() - d.size());
    if (!actio::detail::iequals(tail, d))
      continue;
    if (host.size() == d.size() || host[host.size() - d.size() - 1] == '.')
      return true;
  }
  return false;
}

bool is_private_or_loopback_host(std::string_view host) noexcept {
  host = strip_trailing_dot(host);
  if (actio::detail::iequals(host, "localhost"))
    return true;
  if (host.size() > 10 &&
      actio::detail::iequals(host.substr(host.size() - 10), ".localhost"))
    return true;
  return http::is_private_address(host);
}

} // namespace actio::crawl
