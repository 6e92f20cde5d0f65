// SPDX-License-Identifier: Apache-2.0
#include "task_tree.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

namespace actio_ps {

namespace {

using json = nlohmann::json;

const json& field(const json& obj, const char* key, const char* where) {
  auto it = obj.find(key);
  if (it == obj.end())
    throw malformed_tasks(std::string{where} + " has no \"" + key + "\"");
  return *it;
}

double number(const json& obj, const char* key, const char* where) {
  const auto& v = field(obj, key, where);
  if (!v.is_number())
    throw malformed_tasks(std::string{where} + ": \"" + key +
                          "\" is not a number");
  return v.get<double>();
}

std::int64_t integer(const json& v, const char* what) {
  if (!v.is_number_integer())
    throw malformed_tasks(std::string{what} + " is not an integer");
  return v.get<std::int64_t>();
}

std::string text(const json& obj, const char* key, const char* where) {
  const auto& v = field(obj, key, where);
  if (!v.is_string())
    throw malformed_tasks(std::string{where} + ": \"" + key +
                          "\" is not a string");
  return v.get<std::string>();
}

} // namespace

task_snapshot parse_tasks(const std::string& body) {
  json doc;
  try {
    doc = json::parse(body);
  } catch (const json::parse_error& e) {
    throw malformed_tasks(std::string{"not JSON: "} + e.what());
  }
  if (!doc.is_object())
    throw malformed_tasks("the document is not a JSON object");
  task_snapshot snap;
  snap.time = number(doc, "time", "the document");
  const auto& tasks = field(doc, "tasks", "the document");
  if (!tasks.is_array())
    throw malformed_tasks("\"tasks\" is not an array");
  for (const auto& t : tasks) {
    if (!t.is_object())
      throw malformed_tasks("a task is not a JSON object");
    task_info info;
    info.id = integer(field(t, "id", "a task"), "a task's \"id\"");
    const auto& parent = field(t, "parent", "a task");
    if (!parent.is_null())
      info.parent = integer(parent, "a task's \"parent\"");
    info.name = text(t, "name", "a task");
    info.state = text(t, "state", "a task");
    info.awaiting = text(t, "awaiting", "a task");
    if (t.contains("coroutine")) // not sent by processes before it existed
      info.coroutine = text(t, "coroutine", "a task");
    info.since = number(t, "since", "a task");
    info.age = number(t, "age", "a task");
    snap.tasks.push_back(std::move(info));
  }
  if (auto it = doc.find("deadlocks"); it != doc.end()) {
    if (!it->is_array())
      throw malformed_tasks("\"deadlocks\" is not an array");
    for (const auto& cycle : *it) {
      if (!cycle.is_array())
        throw malformed_tasks("a deadlock is not an array");
      std::vector<std::int64_t> ids;
      for (const auto& id : cycle)
        ids.push_back(integer(id, "a deadlock's task id"));
      snap.deadlocks.push_back(std::move(ids));
    }
  }
  return snap;
}

std::string format_age(double s) {
  char buf[32];
  if (!std::isfinite(s) || s < 0)
    s = 0;
  if (s < 1)
    std::snprintf(buf, sizeof buf, "%.0fms", s * 1000);
  else if (s < 60)
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60),
                  static_cast<int>(s) % 60);
  else
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s / 3600),
                  static_cast<int>(s / 60) % 60);
  return buf;
}

std::string render_tree(const task_snapshot& snap) {
  std::map<std::int64_t, const task_info*> by_id;
  for (const auto& t : snap.tasks)
    by_id.emplace(t.id, &t);
  std::map<std::int64_t, std::vector<const task_info*>> children;
  std::vector<const task_info*> roots;
  for (const auto& [id, t] : by_id) {
    if (t->parent && *t->parent != id && by_id.count(*t->parent) != 0)
      children[*t->parent].push_back(t);
    else
      roots.push_back(t);
  }
  std::string out;
  std::set<std::int64_t> shown; // guards against parent cycles
  auto line = [&](const task_info& t) {
    out += t.name.empty() ? "(unnamed)" : t.name;
    out += " [" + std::to_string(t.id) + "] ";
    if (!t.coroutine.empty())
      out += t.coroutine + " ";
    out += t.state + " " + format_age(t.age);
    if (!t.awaiting.empty())
      out += ", awaiting " + t.awaiting + " for " + format_age(t.since);
    else
      out += ", " + t.state + " for " + format_age(t.since);
    out += '\n';
  };
  auto walk = [&](auto& self, const task_info& t,
                  const std::string& prefix) -> void {
    auto it = children.find(t.id);
    if (it == children.end())
      return;
    const auto& kids = it->second;
    for (std::size_t i = 0; i < kids.size(); ++i) {
      bool last = i + 1 == kids.size();
      if (!shown.insert(kids[i]->id).second)
        continue;
      out += prefix + (last ? "└─ " : "├─ ");
      line(*kids[i]);
      self(self, *kids[i], prefix + (last ? "   " : "│  "));
    }
  };
  for (const auto* r : roots) {
    shown.insert(r->id);
    line(*r);
    walk(walk, *r, "");
  }
  // Tasks in a parent cycle reach no root: list them rather than lose them.
  for (const auto& [id, t] : by_id)
    if (shown.insert(id).second) {
      line(*t);
      walk(walk, *t, "");
    }
  for (const auto& cycle : snap.deadlocks) {
    out += "deadlock:";
    for (std::size_t i = 0; i < cycle.size(); ++i) {
      out += i == 0 ? " " : " -> ";
      auto found = by_id.find(cycle[i]);
      out += found != by_id.end() && !found->second->name.empty()
                 ? found->second->name + " [" + std::to_string(cycle[i]) + "]"
                 : "[" + std::to_string(cycle[i]) + "]";
    }
    if (!cycle.empty())
      out += " -> [" + std::to_string(cycle.front()) + "]";
    out += '\n';
  }
  return out;
}

} // namespace actio_ps
