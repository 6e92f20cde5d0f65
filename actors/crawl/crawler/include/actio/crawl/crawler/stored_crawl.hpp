// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/crawl/crawler/crawl_options.hpp"
#include "actio/crawl/store/state_store.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace actio::crawl {

/// What a state file records about the crawl it holds: the crawler writes
/// it (`crawl_metadata`) at every start.
struct stored_crawl {
  /// Canonical start URLs.
  std::vector<std::string> seeds;
  /// The allowed domains in force (the seeds' hosts unless given).
  std::vector<std::string> allowed_domains;
  /// Whether private and loopback hosts were allowed.
  bool allow_private = false;
  /// The depth limit, if any.
  std::optional<std::uint32_t> max_depth;
  /// The demo site the crawl runs on, if it does.
  std::optional<demo_origin> demo;
  /// Whether the state says which site it is (`demo`, or none for a crawl
  /// of the web); states of earlier versions do not.
  bool site_recorded = false;
};

/// The `crawl_metadata::options` text the crawler writes for `options`
/// (JSON: the fields of `stored_crawl`, `demo` false for a crawl of the
/// web, and for information max_pages, user_agent and obey_robots).
std::string stored_options_json(const crawl_options& options);

/// `metadata` read back; fields missing from its options are left empty.
stored_crawl parse_stored_crawl(const crawl_metadata& metadata);

/// The crawl recorded in the state file at `state_path`, read without
/// writing anything to it; nullopt when the file is missing or empty or
/// records no start URL. Throws `crawl_error` for a file that is not a
/// crawl state file (see `state_store`), naming it and why.
std::optional<stored_crawl> read_stored_crawl(const std::string& state_path);

/// Makes `options` (canonical seeds) continue the crawl `stored` of the
/// state file at `state_path`: start URLs, allowed domains and depth
/// limit left empty are taken from it; given ones must be the same (as
/// sets, domains compared without case and leading `*.`), otherwise
/// `crawl_scope_error` says what differs. With `add_seeds` the given start
/// URLs and domains (or the new start URLs' hosts) are added to the stored
/// ones instead; a different depth limit is refused all the same. Private
/// hosts stay allowed if they were. A `demo` given must be the stored one
/// if the state records one; left empty it is taken from the state.
void continue_stored_crawl(crawl_options& options, const stored_crawl& stored,
                           const std::string& state_path);

} // namespace actio::crawl
