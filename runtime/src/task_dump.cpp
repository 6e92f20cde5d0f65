// SPDX-License-Identifier: Apache-2.0
#include "task_dump.hpp"

#include "net/socket_wait.hpp"
#include "runtime_core.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <map>
#include <unordered_map>

namespace actio::detail {

namespace {

bool is(const char* kind, const char* what) noexcept {
  return kind != nullptr && std::strcmp(kind, what) == 0;
}

std::string seconds(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", static_cast<double>(ns) / 1e9);
  return buf;
}

/// Seconds from `then_ns` to `now_ns`, never negative (the words of a task
/// are read while it runs, and may be a tick ahead of the dump's clock).
std::string seconds_since(std::int64_t then_ns, std::int64_t now_ns) {
  return seconds(std::max<std::int64_t>(0, now_ns - then_ns));
}

/// The last two components of a path: enough to find the line.
std::string short_path(const char* file) {
  std::string_view path{file};
  auto last = path.rfind('/');
  if (last != std::string_view::npos && last > 0) {
    auto before = path.rfind('/', last - 1);
    if (before != std::string_view::npos)
      path = path.substr(before + 1);
  }
  return std::string{path};
}

using row_index = std::unordered_map<std::uint64_t, const task_row*>;

std::string task_ref(std::uint64_t id, const row_index& rows) {
  auto i = rows.find(id);
  if (i == rows.end())
    return "task " + std::to_string(id) + " (ended)";
  return "task " + std::to_string(id) + " '" + i->second->name + "'";
}

std::string describe_wait(const task_row& r, const row_index& rows,
                          std::int64_t now_ns) {
  const char* kind = r.wait_kind;
  if (kind == nullptr)
    return {};
  if (is(kind, "sleep")) {
    auto left = static_cast<std::int64_t>(r.wait_id) - now_ns;
    return left > 0 ? "sleep, due in " + seconds(left) + " s" : "sleep, due";
  }
  if (is(kind, "task"))
    return task_ref(r.wait_id, rows);
  if (is(kind, "gather") || is(kind, "wait"))
    return std::string{kind} + ", " + std::to_string(r.wait_id) + " pending";
  if (is(kind, "task group"))
    return "task group, " + std::to_string(r.wait_id) + " running";
  if (is(kind, "request"))
    return "request to actor " + std::to_string(r.wait_id);
  if (is(kind, "mailbox space"))
    return "room in a bounded mailbox";
  if (is(kind, "socket read") || is(kind, "socket drain") ||
      is(kind, "socket connect")) {
    auto peer = peer_label(r.wait_id);
    return std::string{kind} + " " + (peer.empty() ? "(closed)" : peer);
  }
  if (r.wait_id == 0)
    return kind;
  char buf[32];
  std::snprintf(buf, sizeof buf, " 0x%" PRIx64, r.wait_id);
  return kind + std::string{buf};
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    case '\t':
      out += "\\t";
      break;
    case '\r':
      out += "\\r";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += ch;
      }
    }
  }
  return out + "\"";
}

/// "file:line", the file's path shortened for the text form; empty if
/// `file` is null.
std::string file_line(const char* file, unsigned line, bool shorten) {
  if (file == nullptr)
    return {};
  return (shorten ? short_path(file) : std::string{file}) + ":" +
         std::to_string(line);
}

std::string site_of(const task_row& r, bool shorten) {
  return file_line(r.site_file, r.site_line, shorten);
}

/// The coroutine a task runs: its function's name, or for a lambda (whose
/// function is its call operator) where it is defined.
std::string coroutine_of(const task_row& r, bool shorten) {
  if (r.coro_function == nullptr)
    return {};
  std::string_view fn{r.coro_function};
  if (fn != "operator()" || r.coro_file == nullptr)
    return std::string{fn} + "()";
  return "operator() at " + file_line(r.coro_file, r.coro_line, shorten);
}

std::string coroutine_site_of(const task_row& r) {
  return file_line(r.coro_file, r.coro_line, false);
}

std::string render_json(const std::vector<task_row>& rows,
                        const row_index& index,
                        const std::vector<std::vector<std::uint64_t>>& cycles,
                        std::int64_t now_ns) {
  std::string out = "{\"time\": " + seconds(now_ns) + ", \"tasks\": [";
  bool first = true;
  for (const auto& r : rows) {
    out += first ? "\n" : ",\n";
    first = false;
    out += "{\"id\": " + std::to_string(r.id) +
           ", \"name\": " + json_string(r.name) + ", \"parent\": " +
           (r.parent != 0 ? std::to_string(r.parent) : std::string{"null"}) +
           ", \"state\": " + json_string(r.state) +
           ", \"awaiting\": " + json_string(describe_wait(r, index, now_ns)) +
           ", \"since\": " + seconds_since(r.since_ns, now_ns) +
           ", \"age\": " + seconds_since(r.created_ns, now_ns) +
           ", \"wait_kind\": " + json_string(r.wait_kind ? r.wait_kind : "") +
           ", \"site\": " + json_string(site_of(r, false)) +
           ", \"coroutine\": " + json_string(coroutine_of(r, false)) +
           ", \"coroutine_site\": " + json_string(coroutine_site_of(r)) + "}";
  }
  out += "],\n\"deadlocks\": [";
  for (std::size_t i = 0; i < cycles.size(); ++i) {
    out += i == 0 ? "[" : ", [";
    for (std::size_t j = 0; j < cycles[i].size(); ++j)
      out += (j == 0 ? "" : ", ") + std::to_string(cycles[i][j]);
    out += "]";
  }
  return out + "]}\n";
}

void render_subtree(std::string& out, const task_row& r, int depth,
                    const std::multimap<std::uint64_t, const task_row*>& kids,
                    const row_index& index, std::int64_t now_ns) {
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
  out += "#" + std::to_string(r.id) + " '" + r.name + "' ";
  if (auto coro = coroutine_of(r, true); !coro.empty())
    out += coro + " ";
  out += std::string{r.state} + " " + seconds_since(r.since_ns, now_ns) + " s";
  auto wait = describe_wait(r, index, now_ns);
  if (!wait.empty())
    out += ": " + wait;
  if (auto site = site_of(r, true); !site.empty())
    out += " at " + site;
  out += " (age " + seconds_since(r.created_ns, now_ns) + " s)\n";
  auto [b, e] = kids.equal_range(r.id);
  for (auto i = b; i != e; ++i)
    render_subtree(out, *i->second, depth + 1, kids, index, now_ns);
}

std::string render_text(const std::vector<task_row>& rows,
                        const row_index& index,
                        const std::vector<std::vector<std::uint64_t>>& cycles,
                        std::int64_t now_ns) {
  std::string out = std::to_string(rows.size()) + " live task" +
                    (rows.size() == 1 ? "" : "s") + " at " + seconds(now_ns) +
                    " s\n";
  std::multimap<std::uint64_t, const task_row*> kids;
  std::vector<const task_row*> roots;
  for (const auto& r : rows) {
    if (r.parent != 0 && index.count(r.parent) > 0)
      kids.emplace(r.parent, &r);
    else
      roots.push_back(&r);
  }
  for (const auto* r : roots)
    render_subtree(out, *r, 0, kids, index, now_ns);
  for (const auto& cycle : cycles) {
    out += "deadlock:";
    for (auto id : cycle)
      out += " " + task_ref(id, index) + " awaits";
    out += " " + task_ref(cycle.front(), index) + "\n";
  }
  return out;
}

} // namespace

std::vector<std::vector<std::uint64_t>>
find_await_cycles(const std::vector<task_row>& rows) {
  std::unordered_map<std::uint64_t, std::uint64_t> awaits;
  for (const auto& r : rows)
    if (is(r.wait_kind, "task"))
      awaits.emplace(r.id, r.wait_id);
  // Each task awaits at most one task: follow each chain once, colouring
  // the tasks it passes with the chain's number; meeting one's own colour
  // closes a cycle.
  std::unordered_map<std::uint64_t, std::size_t> colour;
  std::vector<std::vector<std::uint64_t>> cycles;
  std::size_t chain = 0;
  std::vector<std::uint64_t> ids;
  for (const auto& r : rows)
    ids.push_back(r.id);
  std::sort(ids.begin(), ids.end());
  for (auto start : ids) {
    if (colour.count(start) > 0)
      continue;
    ++chain;
    auto at = start;
    for (;;) {
      colour.emplace(at, chain);
      auto next = awaits.find(at);
      if (next == awaits.end())
        break;
      at = next->second;
      auto seen = colour.find(at);
      if (seen == colour.end())
        continue;
      if (seen->second == chain) {
        std::vector<std::uint64_t> cycle{at};
        for (auto i = awaits.at(at); i != at; i = awaits.at(i))
          cycle.push_back(i);
        std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()),
                    cycle.end());
        cycles.push_back(std::move(cycle));
      }
      break;
    }
  }
  return cycles;
}

std::string dump_tasks(runtime_core& rt, task_dump_format format) {
  std::vector<task_row> rows;
  rt.for_each_task([&](task_driver_base& d) {
    if (!d.shared_state().done())
      rows.push_back(row_of(d));
  });
  std::sort(rows.begin(), rows.end(),
            [](const task_row& a, const task_row& b) { return a.id < b.id; });
  row_index index;
  for (const auto& r : rows)
    index.emplace(r.id, &r);
  auto cycles = find_await_cycles(rows);
  auto now_ns = rt.dump_clock_ns();
  return format == task_dump_format::json
             ? render_json(rows, index, cycles, now_ns)
             : render_text(rows, index, cycles, now_ns);
}

} // namespace actio::detail
