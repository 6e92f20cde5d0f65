// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/outcome.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct Curl_URL; // libcurl's CURLU

namespace actio::crawl {

/// Why a URL could not be canonicalised or resolved (a message for logs
/// and output records).
struct url_error {
  std::string message;
};

/// Throws `std::invalid_argument` with the message: what
/// `url_result::value()` does for an error.
[[noreturn]] inline void throw_error(const url_error& err) {
  throw std::invalid_argument(err.message);
}

/// A canonical URL, or why there is none.
using url_result = outcome<std::string, url_error>;

/// How `canonicalize` and `resolve` normalise a URL.
struct canonicalize_options {
  /// Query parameters to remove; a trailing `*` matches any suffix
  /// (`utm_*`); names compare case-insensitively.
  std::vector<std::string> strip_params = {"utm_*", "gclid", "fbclid"};
  /// Sort the remaining query parameters by name (stable: equal names keep
  /// their order).
  bool sort_query = false;
  /// Longer canonical URLs are rejected.
  std::size_t max_length = 4096;
};

/// The options `canonicalize` and `resolve` use when given none.
const canonicalize_options& default_canonicalize_options();

/// Which parser canonicalises and resolves: actio's own (the default), which
/// hands the few inputs outside the subset it is known to agree on (IPv6
/// literals, numeric hosts other than dotted quads, unusual ports and host
/// characters, references whose first segment holds a colon) to libcurl's
/// URL API, or libcurl's URL API alone: the oracle that tests and fuzzers
/// compare actio's parser with. Both give the same results.
enum class url_parser { actio, libcurl };

/// How many URLs this thread has handed to libcurl's URL API so far (the
/// `url_parser::actio` fallbacks and every `url_parser::libcurl` parse):
/// lets tests check that ordinary links never reach libcurl.
std::uint64_t libcurl_url_parses() noexcept;

/// Returns the canonical form of an absolute http(s) URL, or why it has none.
///
/// Canonical means: scheme and host lower-case, default port dropped,
/// user-info and fragment dropped, dot segments resolved, empty path "/",
/// percent-encoding normalised (unreserved characters decoded, other escapes
/// upper-case hex, spaces, controls and non-ASCII bytes encoded, `\` in the
/// path read as `/`), surrounding whitespace trimmed, tracking parameters
/// stripped, empty query dropped. Other schemes, relative URLs, non-ASCII
/// host names (IDN) and malformed input yield an error, never an exception.
/// Pure and thread-safe (each thread keeps its own curl URL handle for the
/// inputs that go to libcurl).
url_result
canonicalize(std::string_view url,
             const canonicalize_options& opts = default_canonicalize_options(),
             url_parser parser = url_parser::actio);

/// Resolves a link `href` found on the page `base` and canonicalises it.
///
/// Handles absolute, protocol-relative (`//host/p`), root-relative, relative,
/// query-only (`?q`) and fragment-only (`#f`, which yields `base`) links;
/// trims surrounding whitespace and drops tabs and newlines inside `href`.
/// Links with a scheme other than http or https (mailto, javascript, tel,
/// data, ...) yield an error.
url_result
resolve(std::string_view base, std::string_view href,
        const canonicalize_options& opts = default_canonicalize_options(),
        url_parser parser = url_parser::actio);

/// Resolves many links against one base; cheaper than `resolve` per link.
/// Not shared between threads: one resolver per thread or per page.
class url_resolver {
public:
  /// Canonicalises `base` once; `valid()` tells whether that worked.
  /// `opts` must outlive the resolver.
  explicit url_resolver(
      std::string_view base,
      const canonicalize_options& opts = default_canonicalize_options(),
      url_parser parser = url_parser::actio);
  /// Frees the parsed base (and libcurl's copy of it, if one was made).
  ~url_resolver();
  url_resolver(const url_resolver&) = delete;
  url_resolver& operator=(const url_resolver&) = delete;

  /// True when the base URL is a valid http(s) URL.
  bool valid() const noexcept { return base_.has_value(); }
  /// The canonical base, or the error why the base is unusable.
  const url_result& base() const noexcept { return base_; }
  /// Same as `resolve(base, href, opts)`.
  url_result resolve(std::string_view href) const;

private:
  void split_base() noexcept;
  url_result resolve_slow(std::string_view href) const;
  url_result resolve_prepared(std::string_view prepared) const;
  void merge_like_libcurl(std::string& merged, std::string_view ref) const;
  url_result base_;
  const canonicalize_options* opts_;
  url_parser parser_;
  // Offsets into the canonical base: end of "scheme://host[:port]", end of
  // the directory (after its last '/'), end of the path (before '?').
  std::size_t origin_end_ = 0;
  std::size_t dir_end_ = 0;
  std::size_t path_end_ = 0;
  // libcurl's parse of the base, made on the first fallback only.
  mutable Curl_URL* base_handle_ = nullptr;
};

/// An absolute URL split once: views into the one string it was split
/// from (which must outlive them), so that scheme, host, port, path and
/// query are read without searching the string again. Absent parts are
/// empty; a canonical URL never has user-info or a fragment.
struct url_parts {
  std::string_view scheme;   ///< "https"
  std::string_view userinfo; ///< "u:p", without the '@'
  std::string_view host;     ///< "example.com"; "[::1]" keeps its brackets
  std::string_view port;     ///< "8080", without the ':'
  std::string_view origin;   ///< "scheme://[userinfo@]host[:port]"
  std::string_view path;     ///< "/a/b", maybe empty
  std::string_view query;    ///< "q=1", without the '?'
  std::string_view fragment; ///< "f", without the '#'

  /// The path up to and including its last '/' (empty when the path is).
  std::string_view directory() const noexcept {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path.substr(0, 0)
                                           : path.substr(0, slash + 1);
  }
};

/// Splits `url` at its "scheme://", the end of its authority (the first
/// '/', '?' or '#' after it), the last '@' and the port's ':' in the
/// authority, then '?' and '#'; every part is empty when `url` has no
/// "scheme://". Checks nothing else: canonicalise first to know the URL is
/// valid. Pure, allocation-free.
url_parts split_url(std::string_view url) noexcept;

/// The host of a canonical URL (IPv6 literals keep their brackets); empty
/// when `url` has no `scheme://`.
std::string_view host_of(std::string_view url) noexcept;

/// `scheme://host[:port]` of a canonical URL; empty when there is none.
std::string_view origin_of(std::string_view url) noexcept;

/// Path and query of a canonical URL ("/" when absent), what robots.txt
/// rules match against.
std::string_view path_of(std::string_view url) noexcept;

/// True when `host` equals one of `allowed` or is a sub-domain of one
/// (`a.example.com` matches `example.com`, `badexample.com` does not).
/// Case-insensitive; trailing dots and a leading `*.` or `.` on an entry are
/// ignored. An empty `allowed` list allows every host.
bool domain_allowed(std::string_view host,
                    const std::vector<std::string>& allowed) noexcept;

/// True for hosts a public crawler must not visit: loopback, private,
/// shared, link-local and unspecified IP literals (`http::is_private_address`)
/// and `localhost` / `*.localhost`. Host names are not resolved here: the
/// crawler's requests set `request_options::refuse_private_addresses`, which
/// checks the address each connection actually reaches.
bool is_private_or_loopback_host(std::string_view host) noexcept;

} // namespace actio::crawl
