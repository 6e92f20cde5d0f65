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

url_result curl_error(CURLUcode rc) {
  return url_error{std::string{"invalid URL: "} + curl_url_strerror(rc)};
}

/// Lets curl parse `prepared` (relative to the URL already in `h` when
/// `relative`) and returns the canonical result.
url_result parse_with_curl(CURLU* h, const std::string& prepared,
                           const canonicalize_options& opts) {
  if (auto rc = curl_url_set(h, CURLUPART_URL, prepared.c_str(), 0))
    return curl_error(rc);
  curl_string out;
  if (auto rc = curl_url_get(h, CURLUPART_URL, &out.ptr, CURLU_NO_DEFAULT_PORT))
    return curl_error(rc);
  return finish(out.ptr, opts);
}

url_result canonicalize_clean(std::string_view s,
                              const canonicalize_options& opts) {
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
  return parse_with_curl(thread_handle(), buf, opts);
}

} // namespace

const canonicalize_options& default_canonicalize_options() {
  static const canonicalize_options opts;
  return opts;
}

url_result canonicalize(std::string_view url,
                        const canonicalize_options& opts) {
  thread_local std::string scratch;
  return canonicalize_clean(clean(url, scratch), opts);
}

url_resolver::url_resolver(std::string_view base,
                           const canonicalize_options& opts)
    : base_(canonicalize(base, opts)), opts_(&opts) {
  if (base_) {
    base_handle_ = curl_url();
    if (base_handle_ &&
        curl_url_set(base_handle_, CURLUPART_URL, base_.value().c_str(), 0)) {
      curl_url_cleanup(base_handle_);
      base_handle_ = nullptr;
    }
  }
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
  if (base_) {
    auto href = raw_href;
    // The fast path: a plain absolute or relative path on the base's origin.
    if (plain_path_reference(href) && href.size() <= opts_->max_length) {
      const auto& base = base_.value();
      std::string_view prefix = origin_of(base);
      if (href.front() != '/') {
        auto path = path_of(base);
        auto query = path.find('?');
        auto dir = path.substr(0, query).rfind('/');
        prefix = std::string_view{base}.substr(
            0, prefix.size() + (dir == std::string_view::npos ? 0 : dir + 1));
      }
      if (prefix.size() + href.size() <= opts_->max_length) {
        std::string out;
        out.reserve(prefix.size() + href.size());
        out.append(prefix);
        out.append(href);
        return url_result{std::move(out)};
      }
    }
  }
  return resolve_with_curl(raw_href);
}

url_result url_resolver::resolve_with_curl(std::string_view raw_href) const {
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
      return canonicalize_clean(href, *opts_);
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
  if (!base_handle_)
    return url_error{"out of memory"};
  struct owned {
    CURLU* h;
    ~owned() { curl_url_cleanup(h); }
  } copy{curl_url_dup(base_handle_)};
  if (!copy.h)
    return url_error{"out of memory"};
  return parse_with_curl(copy.h, buf, *opts_);
}

url_result resolve(std::string_view base, std::string_view href,
                   const canonicalize_options& opts) {
  return url_resolver{base, opts}.resolve(href);
}

std::string_view host_of(std::string_view url) noexcept {
  auto sep = url.find("://");
  if (sep == std::string_view::npos)
    return {};
  auto auth = url.substr(sep + 3);
  auth = auth.substr(0, auth.find_first_of("/?#"));
  if (!auth.empty() && auth.front() == '[') {
    auto close = auth.find(']');
    return close == std::string_view::npos ? auth : auth.substr(0, close + 1);
  }
  return auth.substr(0, auth.find(':'));
}

std::string_view origin_of(std::string_view url) noexcept {
  auto sep = url.find("://");
  if (sep == std::string_view::npos)
    return {};
  auto end = url.find_first_of("/?#", sep + 3);
  return url.substr(0, end);
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
