// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <sstream>
#include <string>

namespace actio::test {

/// The value of the series `series` (the exact text before the value, e.g.
/// `actio_executor_busy_workers{pool="1"}`) in a Prometheus text-format
/// scrape, or nullopt if the scrape has no such line.
inline std::optional<double> metric_sample(const std::string& scrape,
                                           const std::string& series) {
  std::istringstream lines{scrape};
  std::string line;
  while (std::getline(lines, line))
    if (line.size() > series.size() &&
        line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ')
      return std::stod(line.substr(series.size() + 1));
  return std::nullopt;
}

} // namespace actio::test
