// SPDX-License-Identifier: Apache-2.0
#include "actio/metrics/metrics_registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <type_traits>

namespace actio::detail {

/// One callback series.
struct callback_series {
  std::uint64_t id;
  std::vector<std::string> label_values;
  std::function<double()> read;
};

/// The shape and series of one family; guarded by its own mutex for the
/// series map (so `with` never waits for a scrape's callbacks) and by the
/// registry's for the callbacks.
class family_base {
public:
  std::string name;
  std::string help;
  metric_type type;
  std::vector<std::string> label_names;
  std::shared_ptr<const std::vector<double>> bounds;

  mutable std::mutex mtx; // guards the three maps
  std::map<std::vector<std::string>, std::shared_ptr<counter_cell>> counters;
  std::map<std::vector<std::string>, std::shared_ptr<gauge_cell>> gauges;
  std::map<std::vector<std::string>, std::shared_ptr<histogram_cell>>
      histograms;
  std::vector<callback_series> callbacks; // under the registry's mutex

  counter_family counter_view{*this};
  gauge_family gauge_view{*this};
  histogram_family histogram_view{*this};

  void check_values(const std::vector<std::string>& values) const {
    if (values.size() != label_names.size())
      throw std::invalid_argument(
          "metrics: " + name + " has " + std::to_string(label_names.size()) +
          " label(s), given " + std::to_string(values.size()) + " value(s)");
  }
};

struct registry_state {
  mutable std::mutex mtx; // guards families and every family's callbacks
  std::vector<std::unique_ptr<family_base>> families;
  std::uint64_t next_id = 1;
};

namespace {

bool valid_name(std::string_view s, bool colon) {
  if (s.empty())
    return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok)
      return false;
  }
  return true;
}

void append_number(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void append_number(std::string& out, std::uint64_t v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void append_help(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void append_label_value(std::string& out, std::string_view s) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"')
      out += "\\\"";
    else
      out += c;
  }
}

/// `{a="x",b="y"}` plus an optional extra label (`le`); nothing when empty.
void append_labels(std::string& out, const std::vector<std::string>& names,
                   const std::vector<std::string>& values,
                   std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty())
    return;
  out += '{';
  bool first = true;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!first)
      out += ',';
    first = false;
    out += names[i];
    out += "=\"";
    append_label_value(out, values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!first)
      out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
}

const char* type_name(metric_type t) {
  switch (t) {
  case metric_type::counter:
    return "counter";
  case metric_type::gauge:
    return "gauge";
  case metric_type::histogram:
    return "histogram";
  }
  return "untyped";
}

std::string le_text(double bound) {
  std::string s;
  append_number(s, bound);
  return s;
}

void render_histogram(std::string& out, const family_base& f,
                      const std::vector<std::string>& values,
                      const histogram_cell& cell) {
  const auto& bounds = *cell.bounds;
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    cumulative += cell.buckets[i].load(std::memory_order_relaxed);
    out += f.name;
    out += "_bucket";
    append_labels(out, f.label_names, values, "le",
                  i < bounds.size() ? le_text(bounds[i]) : "+Inf");
    out += ' ';
    append_number(out, cumulative);
    out += '\n';
  }
  out += f.name;
  out += "_sum";
  append_labels(out, f.label_names, values);
  out += ' ';
  append_number(out, cell.sum.load(std::memory_order_relaxed));
  out += '\n';
  // The count is the +Inf bucket's, so that the two always agree even when
  // an observation lands while this renders.
  out += f.name;
  out += "_count";
  append_labels(out, f.label_names, values);
  out += ' ';
  append_number(out, cumulative);
  out += '\n';
}

void render_family(std::string& out, const family_base& f) {
  out += "# HELP ";
  out += f.name;
  out += ' ';
  append_help(out, f.help);
  out += "\n# TYPE ";
  out += f.name;
  out += ' ';
  out += type_name(f.type);
  out += '\n';
  {
    std::lock_guard<std::mutex> guard{f.mtx};
    for (const auto& [values, cell] : f.counters) {
      out += f.name;
      append_labels(out, f.label_names, values);
      out += ' ';
      append_number(out, cell->value.load(std::memory_order_relaxed));
      out += '\n';
    }
    for (const auto& [values, cell] : f.gauges) {
      out += f.name;
      append_labels(out, f.label_names, values);
      out += ' ';
      append_number(out, cell->value.load(std::memory_order_relaxed));
      out += '\n';
    }
    for (const auto& [values, cell] : f.histograms)
      render_histogram(out, f, values, *cell);
  }
  for (const auto& cb : f.callbacks) {
    double v = 0;
    try {
      v = cb.read();
    } catch (...) {
      v = std::nan("");
    }
    out += f.name;
    append_labels(out, f.label_names, cb.label_values);
    out += ' ';
    append_number(out, v);
    out += '\n';
  }
}

template <class Cell, class Map, class... Args>
std::shared_ptr<Cell> find_or_make(family_base& f, Map& map,
                                   std::vector<std::string> values,
                                   Args&&... args) {
  f.check_values(values);
  std::lock_guard<std::mutex> guard{f.mtx};
  auto it = map.find(values);
  if (it == map.end())
    it = map.emplace(std::move(values),
                     std::make_shared<Cell>(std::forward<Args>(args)...))
             .first;
  return it->second;
}

std::vector<std::string> to_vector(std::initializer_list<std::string_view> v) {
  std::vector<std::string> out;
  out.reserve(v.size());
  for (auto s : v)
    out.emplace_back(s);
  return out;
}

} // namespace

} // namespace actio::detail

namespace actio {

template <class Handle>
Handle metric_family<Handle>::with(const std::vector<std::string>& values) {
  if constexpr (std::is_same_v<Handle, counter>)
    return counter{detail::find_or_make<detail::counter_cell>(
        base_, base_.counters, values)};
  else if constexpr (std::is_same_v<Handle, gauge>)
    return gauge{
        detail::find_or_make<detail::gauge_cell>(base_, base_.gauges, values)};
  else
    return histogram{detail::find_or_make<detail::histogram_cell>(
        base_, base_.histograms, values, base_.bounds)};
}

template <class Handle>
Handle
metric_family<Handle>::with(std::initializer_list<std::string_view> values) {
  return with(detail::to_vector(values));
}

template class metric_family<counter>;
template class metric_family<gauge>;
template class metric_family<histogram>;

metrics_callback::metrics_callback(metrics_callback&& other) noexcept
    : state_(std::move(other.state_)), id_(other.id_) {
  other.id_ = 0;
}

metrics_callback&
metrics_callback::operator=(metrics_callback&& other) noexcept {
  if (this != &other) {
    reset();
    state_ = std::move(other.state_);
    id_ = other.id_;
    other.id_ = 0;
  }
  return *this;
}

metrics_callback::~metrics_callback() {
  reset();
}

void metrics_callback::reset() noexcept {
  auto state = state_.lock();
  state_.reset();
  if (!state || id_ == 0)
    return;
  std::lock_guard<std::mutex> guard{state->mtx};
  for (auto& f : state->families) {
    auto& cbs = f->callbacks;
    auto it = std::find_if(cbs.begin(), cbs.end(),
                           [&](const auto& cb) { return cb.id == id_; });
    if (it != cbs.end()) {
      cbs.erase(it);
      break;
    }
  }
  id_ = 0;
}

metrics_registry::metrics_registry()
    : state_(std::make_shared<detail::registry_state>()) {}

metrics_registry::~metrics_registry() = default;

detail::family_base&
metrics_registry::family(std::string name, std::string help, metric_type type,
                         std::vector<std::string> label_names,
                         std::vector<double> buckets) {
  if (!detail::valid_name(name, true))
    throw std::invalid_argument("metrics: invalid metric name '" + name + "'");
  for (const auto& l : label_names)
    if (!detail::valid_name(l, false) || l.rfind("__", 0) == 0 ||
        (type == metric_type::histogram && l == "le"))
      throw std::invalid_argument("metrics: invalid label name '" + l +
                                  "' for " + name);
  if (type == metric_type::histogram) {
    for (std::size_t i = 0; i < buckets.size(); ++i)
      if (!std::isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1]))
        throw std::invalid_argument("metrics: the buckets of " + name +
                                    " must be finite and ascending");
  }
  std::lock_guard<std::mutex> guard{state_->mtx};
  for (auto& f : state_->families) {
    if (f->name != name)
      continue;
    if (f->type != type || f->label_names != label_names ||
        (type == metric_type::histogram && *f->bounds != buckets))
      throw std::invalid_argument(
          "metrics: " + name +
          " is registered already with another type, labels or buckets");
    return *f;
  }
  auto f = std::make_unique<detail::family_base>();
  f->name = std::move(name);
  f->help = std::move(help);
  f->type = type;
  f->label_names = std::move(label_names);
  f->bounds = std::make_shared<const std::vector<double>>(std::move(buckets));
  state_->families.push_back(std::move(f));
  return *state_->families.back();
}

counter_family&
metrics_registry::add_counter(std::string name, std::string help,
                              std::vector<std::string> label_names) {
  return family(std::move(name), std::move(help), metric_type::counter,
                std::move(label_names), {})
      .counter_view;
}

gauge_family&
metrics_registry::add_gauge(std::string name, std::string help,
                            std::vector<std::string> label_names) {
  return family(std::move(name), std::move(help), metric_type::gauge,
                std::move(label_names), {})
      .gauge_view;
}

histogram_family&
metrics_registry::add_histogram(std::string name, std::string help,
                                std::vector<double> buckets,
                                std::vector<std::string> label_names) {
  return family(std::move(name), std::move(help), metric_type::histogram,
                std::move(label_names), std::move(buckets))
      .histogram_view;
}

metrics_callback metrics_registry::add_callback(
    std::string name, std::string help, metric_type type,
    std::vector<std::string> label_names, std::vector<std::string> label_values,
    std::function<double()> read) {
  if (type == metric_type::histogram)
    throw std::invalid_argument("metrics: " + name +
                                ": a callback series is a gauge or a counter");
  if (!read)
    throw std::invalid_argument("metrics: " + name + ": no callback");
  auto& f = family(std::move(name), std::move(help), type,
                   std::move(label_names), {});
  f.check_values(label_values);
  std::lock_guard<std::mutex> guard{state_->mtx};
  auto id = state_->next_id++;
  f.callbacks.push_back({id, std::move(label_values), std::move(read)});
  return metrics_callback{state_, id};
}

metrics_callback metrics_registry::add_callback(std::string name,
                                                std::string help,
                                                std::function<double()> read) {
  return add_callback(std::move(name), std::move(help), metric_type::gauge, {},
                      {}, std::move(read));
}

std::string metrics_registry::render() const {
  std::string out;
  std::lock_guard<std::mutex> guard{state_->mtx};
  for (const auto& f : state_->families)
    detail::render_family(out, *f);
  return out;
}

std::vector<double> exponential_buckets(double start, double factor,
                                        std::size_t count) {
  if (!(start > 0) || !(factor > 1))
    throw std::invalid_argument(
        "exponential_buckets: start must be > 0 and factor > 1");
  std::vector<double> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i, start *= factor)
    out.push_back(start);
  return out;
}

std::vector<double> latency_buckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
          0.5,   1,      2.5,   5,    10,    30,   60};
}

} // namespace actio
