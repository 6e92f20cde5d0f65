// SPDX-License-Identifier: Apache-2.0
#include "response_writer.hpp"

#include <charconv>
#include <ctime>
#include <string_view>

namespace actio::http_server::detail {

namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i];
    auto y = b[i] >= 'A' && b[i] <= 'Z' ? b[i] + 32 : b[i];
    if (x != y)
      return false;
  }
  return true;
}

bool managed(const std::string& name) {
  return iequals(name, "Content-Length") ||
         iequals(name, "Transfer-Encoding") || iequals(name, "Connection") ||
         iequals(name, "Date");
}

bool splits(std::string_view s) {
  return s.find_first_of(std::string_view{"\r\n\0", 3}) !=
         std::string_view::npos;
}

void append_number(std::string& out, std::size_t n) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out.append(buf, end);
}

} // namespace

const std::string& http_date() {
  thread_local std::time_t last = 0;
  thread_local std::string text;
  auto now = std::time(nullptr);
  if (now != last) {
    last = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[64];
    auto n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text.assign(buf, n);
  }
  return text;
}

void write_response(std::string& out, const response& r, bool head_request,
                    bool keep_alive, int request_version_minor) {
  for (auto& [name, value] : r.headers)
    if (splits(name) || splits(value) || name.empty()) {
      write_response(out,
                     response::text(500, "the handler's response has a "
                                         "field with CR, LF or NUL\n"),
                     head_request, keep_alive, request_version_minor);
      return;
    }
  int status = r.status < 100 || r.status > 999 ? 500 : r.status;
  bool no_body = status < 200 || status == 204 || status == 304;
  out.reserve(out.size() + 160 + r.body.size());
  out += "HTTP/1.1 ";
  append_number(out, static_cast<std::size_t>(status));
  out += ' ';
  out += reason_phrase(status);
  out += "\r\n";
  for (auto& [name, value] : r.headers) {
    if (managed(name))
      continue;
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "Date: ";
  out += http_date();
  out += "\r\n";
  if (!no_body) {
    out += "Content-Length: ";
    append_number(out, r.body.size());
    out += "\r\n";
  }
  if (!keep_alive)
    out += "Connection: close\r\n";
  else if (request_version_minor == 0)
    out += "Connection: keep-alive\r\n";
  out += "\r\n";
  if (!no_body && !head_request)
    out += r.body;
}

} // namespace actio::http_server::detail
