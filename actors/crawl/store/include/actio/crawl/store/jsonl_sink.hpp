// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace actio::crawl {

/// Thrown by `jsonl_sink` on I/O errors and on files that are not JSON
/// Lines; `what()` names the file and the cause.
class jsonl_sink_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The result of fetching one URL: one line of the crawl's output.
struct fetch_record {
  /// Canonical URL that was scheduled.
  std::string url;
  /// URL of the response after redirects (equal to `url` without any).
  std::string final_url;
  /// HTTP status; absent on transport errors (the line has no `status`).
  std::optional<int> status;
  /// Link distance from the nearest seed.
  std::uint32_t depth = 0;
  /// Content-Type header of the response (empty if none).
  std::string content_type;
  /// Body size in bytes.
  std::uint64_t bytes = 0;
  /// Text of the page's `<title>` (empty if none).
  std::string title;
  /// Number of links extracted from the page.
  std::uint64_t links = 0;
  /// Wall time of the fetch in milliseconds.
  std::uint64_t fetch_ms = 0;
  /// Error text; absent on success (the line has no `error`).
  std::optional<std::string> error;
};

/// Options of a `jsonl_sink`.
struct jsonl_sink_options {
  /// Bytes buffered before they are written to the file without an
  /// explicit `flush()`.
  std::size_t buffer_bytes = 64 * 1024;
  /// `flush()` also calls fdatasync (survives power loss, not only a
  /// process kill).
  bool sync_on_flush = false;
};

/// Appends `fetch_record`s to a JSON Lines file, one object per line with
/// exactly the fields url, final_url, status (absent on transport errors),
/// depth, content_type, bytes, title, links, fetch_ms, error (absent on
/// success).
///
/// Opening an existing file appends to it after repairing its tail: a last
/// line without trailing newline, or whose text is not a JSON object (a
/// write torn by a kill), is truncated away, so the file always holds
/// complete lines only. Records become durable against a process kill when
/// `flush()` returns; lines torn by a kill before that are removed by the
/// next open. Not thread-safe: one owner writes.
class jsonl_sink {
public:
  /// Opens (creating if needed) `path` for appending and repairs its tail.
  /// Throws `jsonl_sink_error` if the file cannot be opened, read or
  /// truncated, or if after removing a torn last line the new last line is
  /// still not a JSON object (the file is not JSON Lines; nothing is
  /// truncated then).
  explicit jsonl_sink(const std::string& path, jsonl_sink_options options = {});

  /// Flushes (errors swallowed; call `flush()` first to see them) and
  /// closes the file.
  ~jsonl_sink();

  jsonl_sink(const jsonl_sink&) = delete;
  jsonl_sink& operator=(const jsonl_sink&) = delete;

  /// Buffers one line; may write the buffer to the file when it exceeds
  /// `buffer_bytes`. Throws `jsonl_sink_error` on write errors (the buffer
  /// is kept).
  void write(const fetch_record& record);

  /// Writes every buffered line to the file, then fdatasync if
  /// `sync_on_flush`. Throws `jsonl_sink_error` on errors.
  void flush();

  /// Bytes removed from the end of the file when it was opened.
  std::size_t repaired_bytes() const noexcept { return repaired_bytes_; }

  /// Lines written through this object (buffered ones included).
  std::size_t written() const noexcept { return written_; }

  /// The line (without newline) that `write` produces for `record`.
  static std::string to_line(const fetch_record& record);

  /// Parses one line; throws `jsonl_sink_error` if it is not a JSON object
  /// with a string `url`.
  static fetch_record parse_line(const std::string& line);

  /// Every complete record of the file at `path` in file order, ignoring a
  /// torn (unterminated) last line; an absent file gives an empty vector.
  /// Throws `jsonl_sink_error` on read errors and invalid complete lines.
  static std::vector<fetch_record> read_records(const std::string& path);

  /// The `url` field of every complete record of `path` (see
  /// `read_records`); used on resume to mark written URLs done.
  static std::vector<std::string> read_urls(const std::string& path);

private:
  void write_out();

  std::string path_;
  jsonl_sink_options options_;
  int fd_ = -1;
  std::string buffer_;
  std::size_t repaired_bytes_ = 0;
  std::size_t written_ = 0;
};

} // namespace actio::crawl
