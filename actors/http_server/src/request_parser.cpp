// SPDX-License-Identifier: Apache-2.0
#include "actio/http_server/request_parser.hpp"

#include <charconv>

namespace actio::http_server {

namespace {

/// RFC 9110 tchar.
bool is_tchar(unsigned char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9'))
    return true;
  switch (c) {
  case '!':
  case '#':
  case '$':
  case '%':
  case '&':
  case '\'':
  case '*':
  case '+':
  case '-':
  case '.':
  case '^':
  case '_':
  case '`':
  case '|':
  case '~':
    return true;
  default:
    return false;
  }
}

/// A field value's bytes: VCHAR, obs-text, SP, HTAB.
bool is_value_char(unsigned char c) noexcept {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

bool is_ows(char c) noexcept {
  return c == ' ' || c == '\t';
}

char lower(char c) noexcept {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && is_ows(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back()))
    s.remove_suffix(1);
  return s;
}

/// Calls `fn(element)` for every non-empty element of a comma-separated
/// list, trimmed.
template <class Fn>
void for_each_element(std::string_view list, Fn fn) {
  while (!list.empty()) {
    auto comma = list.find(',');
    auto element = trim(list.substr(0, comma));
    if (!element.empty())
      fn(element);
    if (comma == std::string_view::npos)
      break;
    list.remove_prefix(comma + 1);
  }
}

/// A line without its terminator (CRLF or LF); false for a bare CR in it.
bool strip_line(std::string_view& line) noexcept {
  if (!line.empty() && line.back() == '\r')
    line.remove_suffix(1);
  return line.find('\r') == std::string_view::npos;
}

} // namespace

parse_status request_parser::fail(int status, std::string reason) {
  state_ = state_t::failed;
  error_status_ = status;
  error_reason_ = std::move(reason);
  return parse_status::error;
}

void request_parser::reset() {
  state_ = state_t::headers;
  req_ = request{};
  pos_ = scanned_ = head_start_ = 0;
  body_left_ = 0;
  chunked_ = expect_continue_ = false;
  error_status_ = 0;
  error_reason_.clear();
}

request request_parser::take() {
  auto r = std::move(req_);
  auto used = pos_;
  reset();
  pos_ = used; // consumed() stays valid until the next parse
  state_ = state_t::done;
  return r;
}

parse_status request_parser::parse(std::string_view data) {
  if (state_ == state_t::done && req_.method.empty()) // taken: start over
    reset();
  switch (state_) {
  case state_t::failed:
    return parse_status::error;
  case state_t::done:
    return parse_status::complete;
  case state_t::headers:
    return parse_headers(data);
  case state_t::length_body:
    return parse_body(data);
  default:
    return parse_chunks(data);
  }
}

parse_status request_parser::parse_headers(std::string_view data) {
  if (scanned_ == 0) { // RFC 9112 2.2: empty lines before a request line
    while (head_start_ < data.size()) {
      if (data[head_start_] == '\n')
        ++head_start_;
      else if (data[head_start_] == '\r' && head_start_ + 1 < data.size() &&
               data[head_start_ + 1] == '\n')
        head_start_ += 2;
      else
        break;
      if (head_start_ > limits_.max_header_bytes)
        return fail(400, "only empty lines where a request line belongs");
    }
    if (head_start_ >= data.size() ||
        (data[head_start_] == '\r' && head_start_ + 1 == data.size()))
      return parse_status::need_more;
    scanned_ = head_start_;
  }
  for (;;) {
    auto nl = data.find('\n', scanned_);
    bool first_line = scanned_ == head_start_;
    if (nl == std::string_view::npos) {
      if (first_line && data.size() - head_start_ > limits_.max_request_line)
        return fail(414, "request line longer than " +
                             std::to_string(limits_.max_request_line) +
                             " bytes");
      if (data.size() - head_start_ > limits_.max_header_bytes)
        return fail(431, "header section larger than " +
                             std::to_string(limits_.max_header_bytes) +
                             " bytes");
      return parse_status::need_more;
    }
    auto line_len = nl - scanned_;
    bool empty = line_len == 0 || (line_len == 1 && data[scanned_] == '\r');
    if (first_line && nl + 1 - head_start_ > limits_.max_request_line)
      return fail(414, "request line longer than " +
                           std::to_string(limits_.max_request_line) + " bytes");
    if (nl + 1 - head_start_ > limits_.max_header_bytes)
      return fail(431, "header section larger than " +
                           std::to_string(limits_.max_header_bytes) + " bytes");
    if (empty) {
      auto r = parse_head(data.substr(head_start_, scanned_ - head_start_));
      pos_ = nl + 1;
      if (r != parse_status::need_more)
        return r;
      return state_ == state_t::length_body ? parse_body(data)
                                            : parse_chunks(data);
    }
    scanned_ = nl + 1;
  }
}

parse_status request_parser::parse_head(std::string_view head) {
  bool first = true;
  std::size_t count = 0;
  while (!head.empty()) {
    auto nl = head.find('\n');
    auto line = head.substr(0, nl);
    head.remove_prefix(nl + 1);
    if (!strip_line(line))
      return fail(400, "bare CR in the header section");
    if (first) {
      first = false;
      if (auto r = parse_request_line(line); r == parse_status::error)
        return r;
      continue;
    }
    if (++count > limits_.max_headers)
      return fail(431, "more than " + std::to_string(limits_.max_headers) +
                           " header fields");
    if (auto r = parse_field(line); r == parse_status::error)
      return r;
  }
  return check_framing();
}

parse_status request_parser::parse_request_line(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && is_tchar(static_cast<unsigned char>(line[i])))
    ++i;
  if (i == 0 || i >= line.size() || line[i] != ' ')
    return fail(400, "malformed request line (method)");
  req_.method.assign(line.data(), i);
  auto start = ++i;
  while (i < line.size() && static_cast<unsigned char>(line[i]) > 0x20 &&
         static_cast<unsigned char>(line[i]) < 0x7f)
    ++i;
  if (i == start || i >= line.size() || line[i] != ' ')
    return fail(400, "malformed request line (target)");
  req_.target.assign(line.data() + start, i - start);
  auto version = line.substr(i + 1);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" ||
      version[6] != '.' || version[5] < '0' || version[5] > '9' ||
      version[7] < '0' || version[7] > '9')
    return fail(400, "malformed request line (version)");
  if (version[5] != '1')
    return fail(505, "HTTP version " + std::string{version.substr(5)} +
                         " is not supported (HTTP/1.0 and HTTP/1.1 are)");
  req_.version_minor = version[7] == '0' ? 0 : 1;
  return parse_status::need_more;
}

parse_status request_parser::parse_field(std::string_view line) {
  if (!line.empty() && is_ows(line.front()))
    return fail(400, "obsolete line folding in the header section");
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return fail(400, "header field without a name or a colon");
  auto name = line.substr(0, colon);
  for (char c : name)
    if (!is_tchar(static_cast<unsigned char>(c)))
      return fail(400, is_ows(c) ? "whitespace before a header field's colon"
                                 : "invalid character in a header field name");
  auto value = line.substr(colon + 1);
  for (char c : value)
    if (!is_value_char(static_cast<unsigned char>(c)))
      return fail(400, "control character in header field '" +
                           std::string{name} + "'");
  req_.headers.emplace(std::string{name}, std::string{trim(value)});
  return parse_status::need_more;
}

parse_status request_parser::check_framing() {
  auto& h = req_.headers;
  if (req_.version_minor == 1 && h.count("Host") != 1)
    return fail(400, h.count("Host") == 0 ? "HTTP/1.1 request without Host"
                                          : "more than one Host field");
  bool has_te = h.count("Transfer-Encoding") > 0;
  bool has_cl = h.count("Content-Length") > 0;
  if (has_te) {
    if (has_cl)
      return fail(400, "both Content-Length and Transfer-Encoding (a request "
                       "smuggling attempt)");
    if (req_.version_minor == 0)
      return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    int chunked = 0;
    bool last_chunked = false;
    std::string other;
    auto [b, e] = h.equal_range("Transfer-Encoding");
    for (auto it = b; it != e; ++it)
      for_each_element(it->second, [&](std::string_view coding) {
        last_chunked = iequals(coding, "chunked");
        if (last_chunked)
          ++chunked;
        else if (other.empty())
          other = coding;
      });
    if (chunked == 0 && other.empty())
      return fail(400, "empty Transfer-Encoding");
    if (!last_chunked || chunked > 1)
      return fail(400, "Transfer-Encoding must end with chunked, once");
    if (!other.empty())
      return fail(501, "transfer coding '" + other + "' is not supported");
    chunked_ = true;
  } else if (has_cl) {
    bool seen = false;
    std::uint64_t length = 0;
    auto [b, e] = h.equal_range("Content-Length");
    std::string bad;
    for (auto it = b; it != e && bad.empty(); ++it)
      for_each_element(it->second, [&](std::string_view v) {
        if (!bad.empty())
          return;
        std::uint64_t n = 0;
        if (v.size() > 18) { // beyond any body limit; no overflow below
          bad = "too large";
          return;
        }
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc{} || end != v.data() + v.size() || v[0] == '+' ||
            v[0] == '-') {
          bad = "malformed";
          return;
        }
        if (seen && n != length)
          bad = "conflicting";
        seen = true;
        length = n;
      });
    if (bad == "too large" || (bad.empty() && length > limits_.max_body))
      return fail(413, "body of " +
                           (bad.empty() ? std::to_string(length) + " bytes"
                                        : std::string{"over 10^18 bytes"}) +
                           " is over the limit of " +
                           std::to_string(limits_.max_body));
    if (!bad.empty() || !seen)
      return fail(400, (bad.empty() ? std::string{"empty"} : bad) +
                           " Content-Length");
    body_left_ = length;
  }
  req_.keep_alive = req_.version_minor == 1;
  auto [cb, ce] = h.equal_range("Connection");
  for (auto it = cb; it != ce; ++it)
    for_each_element(it->second, [&](std::string_view token) {
      if (iequals(token, "close"))
        req_.keep_alive = false;
      else if (iequals(token, "keep-alive") && req_.version_minor == 0)
        req_.keep_alive = true;
    });
  if (auto* expect = find_field(h, "Expect")) {
    if (!iequals(*expect, "100-continue"))
      return fail(417, "unsupported expectation '" + *expect + "'");
    expect_continue_ = chunked_ || body_left_ > 0;
  }
  if (chunked_) {
    state_ = state_t::chunk_size;
    return parse_status::need_more;
  }
  if (body_left_ > 0) {
    req_.body.reserve(static_cast<std::size_t>(body_left_));
    state_ = state_t::length_body;
    return parse_status::need_more;
  }
  state_ = state_t::done;
  return parse_status::complete;
}

parse_status request_parser::parse_body(std::string_view data) {
  auto n = std::min<std::uint64_t>(data.size() - pos_, body_left_);
  req_.body.append(data.substr(pos_, static_cast<std::size_t>(n)));
  pos_ += static_cast<std::size_t>(n);
  body_left_ -= n;
  if (body_left_ > 0)
    return parse_status::need_more;
  state_ = state_t::done;
  return parse_status::complete;
}

parse_status request_parser::parse_chunks(std::string_view data) {
  constexpr std::size_t max_chunk_line = 4096;
  for (;;) {
    switch (state_) {
    case state_t::chunk_size: {
      auto nl = data.find('\n', pos_);
      if (nl == std::string_view::npos) {
        if (data.size() - pos_ > max_chunk_line)
          return fail(400, "chunk size line too long");
        return parse_status::need_more;
      }
      // The limit first: a line's verdict must not depend on
      // whether its end arrived in the same read.
      if (nl - pos_ > max_chunk_line)
        return fail(400, "chunk size line too long");
      auto line = data.substr(pos_, nl - pos_);
      if (line.empty() || line.back() != '\r')
        return fail(400, "chunk size line not ended by CRLF");
      line.remove_suffix(1);
      std::uint64_t size = 0;
      std::size_t digits = 0;
      for (; digits < line.size(); ++digits) {
        char c = line[digits];
        int v = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (v < 0)
          break;
        if (digits >= 15)
          return fail(413, "chunk larger than the body limit");
        size = size * 16 + static_cast<std::uint64_t>(v);
      }
      if (digits == 0)
        return fail(400, "malformed chunk size");
      auto ext = line.substr(digits);
      while (!ext.empty() && is_ows(ext.front()))
        ext.remove_prefix(1);
      if (!ext.empty() && ext.front() != ';')
        return fail(400, "malformed chunk size");
      for (char c : ext)
        if (!is_value_char(static_cast<unsigned char>(c)))
          return fail(400, "control character in a chunk extension");
      pos_ = nl + 1;
      if (size == 0) {
        state_ = state_t::trailers;
        scanned_ = pos_;
        break;
      }
      if (req_.body.size() + size > limits_.max_body)
        return fail(413, "chunked body over the limit of " +
                             std::to_string(limits_.max_body) + " bytes");
      body_left_ = size;
      state_ = state_t::chunk_data;
      break;
    }
    case state_t::chunk_data: {
      auto n = std::min<std::uint64_t>(data.size() - pos_, body_left_);
      req_.body.append(data.substr(pos_, static_cast<std::size_t>(n)));
      pos_ += static_cast<std::size_t>(n);
      body_left_ -= n;
      if (body_left_ > 0)
        return parse_status::need_more;
      state_ = state_t::chunk_crlf;
      break;
    }
    case state_t::chunk_crlf:
      if (data.size() - pos_ < 2)
        return parse_status::need_more;
      if (data[pos_] != '\r' || data[pos_ + 1] != '\n')
        return fail(400, "chunk data not followed by CRLF");
      pos_ += 2;
      state_ = state_t::chunk_size;
      break;
    case state_t::trailers: {
      auto nl = data.find('\n', pos_);
      if (nl == std::string_view::npos) {
        if (data.size() - scanned_ > limits_.max_header_bytes)
          return fail(431, "trailer section too large");
        return parse_status::need_more;
      }
      if (nl + 1 - scanned_ > limits_.max_header_bytes)
        return fail(431, "trailer section too large");
      auto line = data.substr(pos_, nl - pos_);
      if (line.empty() || line.back() != '\r')
        return fail(400, "trailer line not ended by CRLF");
      line.remove_suffix(1);
      pos_ = nl + 1;
      if (line.empty()) {
        state_ = state_t::done;
        return parse_status::complete;
      }
      if (line.find('\r') != std::string_view::npos || is_ows(line.front()) ||
          line.find(':') == std::string_view::npos ||
          line.find('\0') != std::string_view::npos)
        return fail(400, "malformed trailer field");
      break; // trailer fields are read and dropped
    }
    default:
      return parse_status::error;
    }
  }
}

} // namespace actio::http_server
