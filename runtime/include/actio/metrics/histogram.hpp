// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace actio {

namespace detail {

/// The values behind one labelled histogram series: a count per bucket
/// (not cumulative; the exposition adds them up), the sum and the count.
struct histogram_cell {
  explicit histogram_cell(std::shared_ptr<const std::vector<double>> b)
      : bounds(std::move(b)),
        buckets(std::make_unique<std::atomic<std::uint64_t>[]>(bounds->size() +
                                                               1)) {}

  /// Upper bounds, ascending, without +Inf (the last bucket).
  std::shared_ptr<const std::vector<double>> bounds;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets;
  std::atomic<double> sum{0};
  std::atomic<std::uint64_t> count{0};
};

} // namespace detail

/// One series of a histogram family (`metrics_registry::add_histogram`):
/// observations counted into fixed buckets, with their sum and count. A
/// handle is cheap to copy and keeps its series alive; `observe` is a short
/// scan of the bucket bounds and three relaxed atomic adds, safe from any
/// thread (a scrape may see the three a moment apart). A default-constructed
/// handle belongs to no registry and does nothing.
class histogram {
public:
  histogram() noexcept = default;
  explicit histogram(std::shared_ptr<detail::histogram_cell> cell) noexcept
      : cell_(std::move(cell)) {}

  /// Records one observation of `v`.
  void observe(double v) const noexcept {
    if (!cell_)
      return;
    const auto& bounds = *cell_->bounds;
    std::size_t i = 0;
    while (i < bounds.size() && v > bounds[i])
      ++i;
    cell_->buckets[i].fetch_add(1, std::memory_order_relaxed);
    cell_->sum.fetch_add(v, std::memory_order_relaxed);
    cell_->count.fetch_add(1, std::memory_order_relaxed);
  }

  /// Records a duration, in seconds (Prometheus's base unit).
  template <class Rep, class Period>
  void observe(std::chrono::duration<Rep, Period> d) const noexcept {
    observe(std::chrono::duration<double>(d).count());
  }

  /// Observations so far (0 for a detached handle).
  std::uint64_t count() const noexcept {
    return cell_ ? cell_->count.load(std::memory_order_relaxed) : 0;
  }

  /// Sum of the observations so far (0 for a detached handle).
  double sum() const noexcept {
    return cell_ ? cell_->sum.load(std::memory_order_relaxed) : 0;
  }

private:
  std::shared_ptr<detail::histogram_cell> cell_;
};

/// Bucket bounds `start`, `start * factor`, ... (`count` of them), for
/// latencies and sizes spanning orders of magnitude.
std::vector<double> exponential_buckets(double start, double factor,
                                        std::size_t count);

/// Latency buckets in seconds, from 1 ms to 60 s.
std::vector<double> latency_buckets();

} // namespace actio
