// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <stdexcept>

namespace actio::crawl {

/// A fatal crawl error: the output or state file cannot be opened, read or
/// written, is in use by another process or is not a crawl's file, or the
/// options are unusable (no valid seed, `state_path` without `out_path`).
/// `what()` says which and why.
class crawl_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The options describe another crawl than the one their state file holds
/// (other start URLs, domains or depth limit); `what()` says what differs.
/// Nothing was written to the state or the output.
class crawl_scope_error : public crawl_error {
public:
  using crawl_error::crawl_error;
};

} // namespace actio::crawl
