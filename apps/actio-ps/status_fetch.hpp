// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

// Fetching one page of a process's status endpoint over plain HTTP/1.1.
namespace actio_ps {

/// Why a fetch failed, worded for the user.
class fetch_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// GETs `path` from `host_port` ("HOST:PORT", "[v6]:PORT") and returns the
/// body of a 200 response; throws fetch_error when the endpoint cannot be
/// reached, does not answer HTTP, answers another status, or takes longer
/// than `timeout` in all.
std::string fetch_page(const std::string& host_port, const std::string& path,
                       std::chrono::milliseconds timeout);

} // namespace actio_ps
