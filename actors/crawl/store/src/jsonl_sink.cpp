// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/store/jsonl_sink.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace actio::crawl {

namespace {

[[noreturn]] void fail_errno(const std::string& path, const char* what) {
  int err = errno;
  throw jsonl_sink_error("jsonl sink " + path + ": " + what + ": " +
                         std::strerror(err));
}

std::string pread_all(int fd, const std::string& path, std::size_t offset,
                      std::size_t n) {
  std::string out(n, '\0');
  std::size_t got = 0;
  while (got < n) {
    auto r = ::pread(fd, out.data() + got, n - got,
                     static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR)
        continue;
      fail_errno(path, "cannot read");
    }
    if (r == 0)
      break;
    got += static_cast<std::size_t>(r);
  }
  out.resize(got);
  return out;
}

/// Position just after the last '\n' in [0, end), or 0 if there is none.
std::size_t find_line_start(int fd, const std::string& path, std::size_t end) {
  constexpr std::size_t chunk = 64 * 1024;
  while (end > 0) {
    std::size_t begin = end > chunk ? end - chunk : 0;
    auto data = pread_all(fd, path, begin, end - begin);
    auto pos = data.rfind('\n');
    if (pos != std::string::npos)
      return begin + pos + 1;
    end = begin;
  }
  return 0;
}

/// `j[key]` as a count (0 when absent): a non-negative integer not above
/// `max`, as `to_line` writes it. nlohmann's `value` would wrap -1, cut a
/// large number and convert a float out of range (undefined behaviour).
std::uint64_t count_field(const nlohmann::json& j, const char* key,
                          std::uint64_t max = UINT64_MAX) {
  auto it = j.find(key);
  if (it == j.end())
    return 0;
  if (!it->is_number_unsigned() || it->get<std::uint64_t>() > max)
    throw jsonl_sink_error(std::string("jsonl sink: '") + key +
                           "' is not a count");
  return it->get<std::uint64_t>();
}

bool is_record(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  return j.is_object() && j.contains("url") && j["url"].is_string();
}

} // namespace

jsonl_sink::jsonl_sink(const std::string& path, jsonl_sink_options options)
    : path_(path), options_(options) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0)
    fail_errno(path_, "cannot open");
  try {
    struct stat st {};
    if (::fstat(fd_, &st) != 0)
      fail_errno(path_, "cannot stat");
    if (!S_ISREG(st.st_mode))
      throw jsonl_sink_error("jsonl sink " + path_ + ": not a regular file");
    auto size = static_cast<std::size_t>(st.st_size);
    std::size_t cut = size;
    if (size > 0) {
      bool torn_tail = pread_all(fd_, path_, size - 1, 1) != "\n";
      if (torn_tail)
        cut = find_line_start(fd_, path_, size);
      // The last complete line ends with the '\n' at cut - 1.
      if (cut > 0) {
        auto start = find_line_start(fd_, path_, cut - 1);
        bool valid = is_record(pread_all(fd_, path_, start, cut - 1 - start));
        if (!valid && torn_tail)
          throw jsonl_sink_error("jsonl sink " + path_ +
                                 ": not a JSON Lines file (invalid line "
                                 "before the torn last line)");
        if (!valid) {
          if (start > 0) {
            auto prev = find_line_start(fd_, path_, start - 1);
            if (!is_record(pread_all(fd_, path_, prev, start - 1 - prev)))
              throw jsonl_sink_error("jsonl sink " + path_ +
                                     ": not a JSON Lines file (its last two "
                                     "lines are not JSON objects)");
          }
          cut = start;
        }
      }
    }
    if (cut < size) {
      if (::ftruncate(fd_, static_cast<off_t>(cut)) != 0)
        fail_errno(path_, "cannot truncate torn last line");
      if (::fdatasync(fd_) != 0)
        fail_errno(path_, "cannot sync");
      repaired_bytes_ = size - cut;
    }
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
  buffer_.reserve(options_.buffer_bytes + 4096);
}

jsonl_sink::~jsonl_sink() {
  if (fd_ < 0)
    return;
  try {
    flush();
  } catch (...) {
    // Documented: errors on destruction are swallowed.
  }
  ::close(fd_);
}

std::string jsonl_sink::to_line(const fetch_record& r) {
  nlohmann::ordered_json j;
  j["url"] = r.url;
  j["final_url"] = r.final_url;
  if (r.status)
    j["status"] = *r.status;
  j["depth"] = r.depth;
  j["content_type"] = r.content_type;
  j["bytes"] = r.bytes;
  j["title"] = r.title;
  j["links"] = r.links;
  j["fetch_ms"] = r.fetch_ms;
  if (r.error)
    j["error"] = *r.error;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

fetch_record jsonl_sink::parse_line(const std::string& line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (!j.is_object() || !j.contains("url") || !j["url"].is_string())
    throw jsonl_sink_error("jsonl sink: not a record line: " +
                           line.substr(0, 80));
  fetch_record r;
  try {
    r.url = j["url"].get<std::string>();
    r.final_url = j.value("final_url", std::string{});
    if (j.contains("status") && j["status"].is_number_integer())
      r.status = static_cast<int>(count_field(j, "status", INT_MAX));
    r.depth = static_cast<std::uint32_t>(count_field(j, "depth", UINT32_MAX));
    r.content_type = j.value("content_type", std::string{});
    r.bytes = count_field(j, "bytes");
    r.title = j.value("title", std::string{});
    r.links = count_field(j, "links");
    r.fetch_ms = count_field(j, "fetch_ms");
    if (j.contains("error") && j["error"].is_string())
      r.error = j["error"].get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw jsonl_sink_error(std::string("jsonl sink: bad field type: ") +
                           e.what());
  }
  return r;
}

void jsonl_sink::write(const fetch_record& record) {
  buffer_ += to_line(record);
  buffer_ += '\n';
  ++written_;
  if (buffer_.size() >= options_.buffer_bytes)
    write_out();
}

void jsonl_sink::write_out() {
  std::size_t done = 0;
  while (done < buffer_.size()) {
    auto r = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (r < 0) {
      if (errno == EINTR)
        continue;
      int err = errno;
      buffer_.erase(0, done);
      errno = err;
      fail_errno(path_, "cannot write");
    }
    done += static_cast<std::size_t>(r);
  }
  buffer_.clear();
}

void jsonl_sink::flush() {
  write_out();
  if (options_.sync_on_flush && ::fdatasync(fd_) != 0)
    fail_errno(path_, "cannot sync");
}

std::vector<fetch_record> jsonl_sink::read_records(const std::string& path) {
  std::vector<fetch_record> out;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT)
      return out;
    fail_errno(path, "cannot open for reading");
  }
  std::string content((std::istreambuf_iterator<char>(in)),
                      std::istreambuf_iterator<char>());
  if (in.bad())
    throw jsonl_sink_error("jsonl sink " + path + ": cannot read");
  std::size_t pos = 0;
  std::size_t line_no = 0;
  while (pos < content.size()) {
    auto nl = content.find('\n', pos);
    if (nl == std::string::npos)
      break; // torn last line: not a record
    ++line_no;
    try {
      out.push_back(parse_line(content.substr(pos, nl - pos)));
    } catch (const jsonl_sink_error& e) {
      throw jsonl_sink_error("jsonl sink " + path + ": line " +
                             std::to_string(line_no) + ": " + e.what());
    }
    pos = nl + 1;
  }
  return out;
}

std::vector<std::string> jsonl_sink::read_urls(const std::string& path) {
  std::vector<std::string> out;
  for (auto& r : read_records(path))
    out.push_back(std::move(r.url));
  return out;
}

} // namespace actio::crawl
