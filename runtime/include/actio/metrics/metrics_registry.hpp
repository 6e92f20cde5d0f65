// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "actio/metrics/counter.hpp"
#include "actio/metrics/gauge.hpp"
#include "actio/metrics/histogram.hpp"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace actio {

/// What a metric family counts, as the Prometheus text format names it.
enum class metric_type : std::uint8_t { counter, gauge, histogram };

namespace detail {
class family_base;
struct registry_state;
} // namespace detail

/// A family of series that share a name, help text, type and label names;
/// `with(values)` finds or makes the series for one set of label values.
/// Owned by its registry: a reference stays valid as long as the registry.
template <class Handle>
class metric_family {
public:
  /// The series for `values` (one per label name, in order), made at the
  /// first call. Takes the family's lock: call it once and keep the handle.
  /// Throws std::invalid_argument for the wrong number of values.
  Handle with(std::initializer_list<std::string_view> values = {});

  /// As above, with the values in a vector.
  Handle with(const std::vector<std::string>& values);

  explicit metric_family(detail::family_base& base) noexcept : base_(base) {}

private:
  detail::family_base& base_;
};

extern template class metric_family<counter>;
extern template class metric_family<gauge>;
extern template class metric_family<histogram>;

using counter_family = metric_family<counter>;
using gauge_family = metric_family<gauge>;
using histogram_family = metric_family<histogram>;

/// Removes a callback series from its registry when destroyed (or reset):
/// once that returns, the callback is not running and is never called
/// again. Move-only; a default-constructed one holds nothing. May outlive
/// the registry (then it does nothing).
class metrics_callback {
public:
  metrics_callback() noexcept = default;
  metrics_callback(std::weak_ptr<detail::registry_state> state,
                   std::uint64_t id) noexcept
      : state_(std::move(state)), id_(id) {}
  metrics_callback(metrics_callback&& other) noexcept;
  metrics_callback& operator=(metrics_callback&& other) noexcept;
  metrics_callback(const metrics_callback&) = delete;
  metrics_callback& operator=(const metrics_callback&) = delete;
  ~metrics_callback();

  /// Unregisters now.
  void reset() noexcept;

private:
  std::weak_ptr<detail::registry_state> state_;
  std::uint64_t id_ = 0;
};

/// A set of metric families rendered in the Prometheus text exposition
/// format 0.0.4. Every runtime has one (`actio::metrics(rt)`), served at
/// `/metrics` when `--actio-metrics` is given; a program may also make its
/// own.
///
/// Thread-safety: every member function may be called from any thread.
/// The hot path is the handle a family returns (`counter`, `gauge`,
/// `histogram`): look a series up once, keep the handle, and each update is
/// a relaxed atomic operation with no lock. Handles keep their series
/// alive, so one used after the registry is gone counts into nothing
/// visible rather than into freed memory.
///
/// Names follow Prometheus: `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names
/// `[a-zA-Z_][a-zA-Z0-9_]*` not starting with `__`; counters conventionally
/// end in `_total`. Registering a name again with the same type, label
/// names (and buckets) returns the existing family, so that several
/// components (two HTTP clients) can share one; with a different shape it
/// throws std::invalid_argument.
class metrics_registry {
public:
  metrics_registry();
  ~metrics_registry();
  metrics_registry(const metrics_registry&) = delete;
  metrics_registry& operator=(const metrics_registry&) = delete;

  /// A counter family with these label names.
  counter_family& add_counter(std::string name, std::string help,
                              std::vector<std::string> label_names = {});

  /// A gauge family with these label names.
  gauge_family& add_gauge(std::string name, std::string help,
                          std::vector<std::string> label_names = {});

  /// A histogram family with these bucket upper bounds (ascending, finite;
  /// `+Inf` is implied) and label names.
  histogram_family& add_histogram(std::string name, std::string help,
                                  std::vector<double> buckets,
                                  std::vector<std::string> label_names = {});

  /// A series whose value `read` returns at scrape time, for a value a
  /// component already tracks (a queue's length). `type` is `gauge` or
  /// `counter`; `label_values` match `label_names` (the family's, which
  /// several callbacks share). `read` runs on the scraping thread under the
  /// registry's lock: it must be quick and thread-safe and must not call
  /// the registry. It stops being called when the returned token goes;
  /// keep the token no longer than what `read` reads.
  [[nodiscard]] metrics_callback
  add_callback(std::string name, std::string help, metric_type type,
               std::vector<std::string> label_names,
               std::vector<std::string> label_values,
               std::function<double()> read);

  /// An unlabelled gauge read at scrape time (see above).
  [[nodiscard]] metrics_callback add_callback(std::string name,
                                              std::string help,
                                              std::function<double()> read);

  /// Every family in the Prometheus text format 0.0.4 (families in the
  /// order they were registered, series by label values); a family with no
  /// series yet still gets its HELP and TYPE lines.
  std::string render() const;

private:
  detail::family_base& family(std::string name, std::string help,
                              metric_type type,
                              std::vector<std::string> label_names,
                              std::vector<double> buckets);

  std::shared_ptr<detail::registry_state> state_;
};

} // namespace actio
