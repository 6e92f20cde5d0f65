// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http/headers.hpp"

#include <string>

#include <curl/curl.h>

namespace actio::http::detail {

/// What an engine sends with every request and how it finds proxies, worked
/// out once per engine instead of by curl on every transfer.
///
/// libcurl 7.88 formats its User-Agent and Accept-Encoding lines with its
/// own printf (one character at a time) twice per request and reads the
/// proxy variables of the environment (five `getenv` calls) for every
/// transfer: together about a tenth of its instructions per request for a
/// small page. Here the two lines are a constant header list, and when the
/// environment names no proxy at construction, curl is told that there is
/// none. Immutable after construction: any thread may read it.
class request_defaults {
public:
  /// Builds the lines for `user_agent` (none when empty) and reads the
  /// proxy variables of the environment. Throws std::bad_alloc.
  explicit request_defaults(const std::string& user_agent);

  ~request_defaults();

  request_defaults(const request_defaults&) = delete;
  request_defaults& operator=(const request_defaults&) = delete;

  /// The header list of a request without headers of its own (may be
  /// nullptr: nothing to send). Owned by this object.
  curl_slist* headers(bool accept_compressed) const noexcept {
    return accept_compressed ? with_encoding_ : plain_;
  }

  /// Appends to `list` each default line whose header `own` does not set
  /// itself (a request's own User-Agent or Accept-Encoding wins, as with
  /// curl's options). Returns false when out of memory; `list` stays valid
  /// and owned by the caller either way.
  bool append_missing(curl_slist*& list, const header_map& own,
                      bool accept_compressed) const;

  /// Whether a proxy variable (`http_proxy`, `https_proxy`, `HTTPS_PROXY`,
  /// `all_proxy`, `ALL_PROXY`, `no_proxy`, `NO_PROXY`) was set when this
  /// object was made: then curl reads them per transfer as usual; otherwise
  /// the engine sets empty CURLOPT_PROXY and CURLOPT_NOPROXY, and a
  /// variable set later is not seen by this engine.
  bool proxy_from_environment() const noexcept { return env_proxy_; }

  /// The encodings for CURLOPT_ACCEPT_ENCODING (curl turns "" into the
  /// same list, but with an allocation and a search on every setopt).
  const std::string& encodings() const noexcept { return encodings_; }

  /// Value of the Accept-Encoding line: the encodings this libcurl decodes,
  /// in curl's own order and spelling ("deflate, gzip, br, zstd").
  static std::string accepted_encodings();

private:
  std::string encodings_;
  std::string user_agent_line_;
  std::string encoding_line_;
  curl_slist* plain_ = nullptr;
  curl_slist* with_encoding_ = nullptr;
  bool env_proxy_ = false;
};

} // namespace actio::http::detail
