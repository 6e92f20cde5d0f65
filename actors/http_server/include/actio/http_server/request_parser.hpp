// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/http_server/request.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace actio::http_server {

/// Limits a request must keep; each broken one has its own status.
struct parser_limits {
  /// The request line, CRLF included; longer: 414.
  std::size_t max_request_line = 8 * 1024;
  /// Request line and header fields together (and, separately, a chunked
  /// body's trailer section); more: 431.
  std::size_t max_header_bytes = 16 * 1024;
  /// Header fields; more: 431.
  std::size_t max_headers = 100;
  /// The body (after chunked decoding); larger: 413, as soon as a
  /// Content-Length or the chunks so far say so.
  std::size_t max_body = 1024 * 1024;
};

/// Where the parser stands after `parse`.
enum class parse_status {
  need_more, ///< the request is not complete yet
  complete,  ///< `take()` returns it; `consumed()` bytes belong to it
  error,     ///< the request is broken; `error_status()` says how
};

/// An incremental HTTP/1.1 request parser after RFC 9112, strict where
/// leniency lets a request be read two ways (request smuggling): it
/// rejects obsolete line folding, whitespace before a field's colon,
/// control characters (NUL included) in any field or the request line, a
/// bare CR, Content-Length together with Transfer-Encoding, conflicting or
/// malformed Content-Length values, chunked framing that is not exactly
/// CRLF-delimited, and a chunked request that does not end with `chunked`.
/// A single LF ends a line of the request line or header section (RFC 9112
/// 2.2 allows it); empty lines before a request line are skipped.
///
/// A pure building block: no I/O, no clock. The caller keeps everything
/// received and not yet consumed in one buffer and passes all of it to
/// every `parse` call; the parser remembers how far it got.
class request_parser {
public:
  explicit request_parser(parser_limits limits = {}) : limits_(limits) {}

  /// Parses on from where the last call stopped; `data` starts at the
  /// first byte of this request and only grows between calls.
  parse_status parse(std::string_view data);

  /// Whether the request line and header fields are complete (the body may
  /// still be under way).
  bool headers_done() const noexcept { return state_ > state_t::headers; }

  /// Whether the client asked for "100 Continue" before sending its body
  /// (and the headers are acceptable).
  bool expects_continue() const noexcept { return expect_continue_; }

  /// After `complete`: how many bytes of `data` the request took.
  std::size_t consumed() const noexcept { return pos_; }

  /// After `complete`: the request (the parser is then ready for the next
  /// one, which starts `consumed()` bytes into the buffer).
  request take();

  /// After `error`: 400, 413, 414, 417 (an Expect other than
  /// 100-continue), 431, 501 or 505, and why.
  int error_status() const noexcept { return error_status_; }
  const std::string& error_reason() const noexcept { return error_reason_; }

  /// Forgets the request under way.
  void reset();

private:
  enum class state_t {
    headers,
    length_body,
    chunk_size,
    chunk_data,
    chunk_crlf,
    trailers,
    done,
    failed
  };

  parse_status fail(int status, std::string reason);
  parse_status parse_headers(std::string_view data);
  parse_status parse_head(std::string_view head);
  parse_status parse_request_line(std::string_view line);
  parse_status parse_field(std::string_view line);
  parse_status check_framing();
  parse_status parse_body(std::string_view data);
  parse_status parse_chunks(std::string_view data);

  parser_limits limits_;
  state_t state_ = state_t::headers;
  request req_;
  std::size_t pos_ = 0;        // bytes of `data` used so far
  std::size_t scanned_ = 0;    // header bytes searched for their end
  std::size_t head_start_ = 0; // after skipped empty lines
  std::uint64_t body_left_ = 0;
  bool chunked_ = false;
  bool expect_continue_ = false;
  int error_status_ = 0;
  std::string error_reason_;
};

} // namespace actio::http_server
