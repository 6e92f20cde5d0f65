// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace actio::crawl {

/// One node of a multi-node crawl as the coordinator records it.
struct cluster_member_record {
  std::string name;
  /// Its --state and --out files (absolute, as sent at join).
  std::string state_path;
  std::string out_path;
  /// Declared dead: its hosts belong to the others now.
  bool lost = false;
  /// Its hand-over finished (done marks acknowledged, the view without it
  /// published, its frontier and outbound log admitted).
  bool handed_over = false;
};

/// What a coordinator keeps beside its state file (`STATE.cluster`) so that
/// it can be restarted with the same --listen, --state and --out: the
/// members and the last view it published. Written after every change,
/// before the change is acted on; removed once the crawl is complete.
struct cluster_record {
  /// --nodes of the crawl.
  std::size_t nodes = 0;
  std::vector<cluster_member_record> members;
  /// The node names of the last published view, and its epoch.
  std::vector<std::string> view;
  std::uint64_t epoch = 0;
};

/// JSON text of a record, and back (throws `std::invalid_argument`).
std::string encode_cluster_record(const cluster_record& r);
cluster_record decode_cluster_record(const std::string& text);

/// Replaces `path` with `r` atomically (a temporary file, fsync, rename);
/// throws `std::runtime_error` on failure.
void save_cluster_record(const std::string& path, const cluster_record& r);

/// The record at `path`, or nullopt if there is none; throws
/// `std::runtime_error` if it cannot be read or is not a record.
std::optional<cluster_record> load_cluster_record(const std::string& path);

} // namespace actio::crawl
