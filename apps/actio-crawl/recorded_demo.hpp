// SPDX-License-Identifier: Apache-2.0
#pragma once

// Which embedded demo site a state file's crawl ran on, so that a rerun
// without URLs serves the same site at the same URLs.

#include <actio/crawl/crawler/stored_crawl.hpp>

#include <cstddef>
#include <optional>

/// The demo site `stored` ran on: its recorded `demo` (none for a crawl of
/// the web), or for a state of a version that did not record the site, a
/// crawl whose only start URL is the
/// demo's home page on some port and whose domains are the demo's two
/// hosts: that port with `pages` pages (the command line's) and seed 1.
/// nullopt for a crawl of the web.
std::optional<actio::crawl::demo_origin>
recorded_demo(const actio::crawl::stored_crawl& stored, std::size_t pages);
