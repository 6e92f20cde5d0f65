// SPDX-License-Identifier: Apache-2.0
#pragma once

// actio-crawl's last stage: the summary on stdout and, for the demo site,
// the check of the output against the site's expected crawl set.

#include "crawl_run.hpp"
#include "crawl_setup.hpp"

#include <cstddef>
#include <optional>

/// Prints the summary of `run` on stdout; for a demo crawl that was not
/// interrupted, also the check against the demo site's expected crawl set
/// (from the output file, or the kept records without one), `page_limit`
/// relaxing it to a subset. Returns `run.code`, or exit_fatal when the
/// output cannot be read back (said on stderr).
int report_crawl(const crawl_setup& setup, crawl_run& run,
                 std::optional<std::size_t> page_limit);
