// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/cluster/cluster_record.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

namespace actio::crawl {

namespace {

using json = nlohmann::json;

std::runtime_error io_error(const std::string& what, const std::string& path) {
  return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

} // namespace

std::string encode_cluster_record(const cluster_record& r) {
  json j;
  j["nodes"] = r.nodes;
  j["members"] = json::array();
  for (const auto& m : r.members)
    j["members"].push_back({{"name", m.name},
                            {"state", m.state_path},
                            {"out", m.out_path},
                            {"lost", m.lost},
                            {"handed_over", m.handed_over}});
  j["view"] = r.view;
  j["epoch"] = r.epoch;
  return j.dump();
}

cluster_record decode_cluster_record(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    throw std::invalid_argument("malformed cluster record");
  try {
    cluster_record r;
    r.nodes = j.at("nodes").get<std::size_t>();
    for (const auto& m : j.at("members")) {
      cluster_member_record mr;
      mr.name = m.at("name").get<std::string>();
      mr.state_path = m.at("state").get<std::string>();
      mr.out_path = m.at("out").get<std::string>();
      mr.lost = m.at("lost").get<bool>();
      mr.handed_over = m.at("handed_over").get<bool>();
      r.members.push_back(std::move(mr));
    }
    r.view = j.at("view").get<std::vector<std::string>>();
    r.epoch = j.at("epoch").get<std::uint64_t>();
    return r;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("malformed cluster record: ") +
                                e.what());
  }
}

void save_cluster_record(const std::string& path, const cluster_record& r) {
  auto text = encode_cluster_record(r);
  auto tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    throw io_error("cannot write", tmp);
  std::size_t at = 0;
  while (at < text.size()) {
    auto n = ::write(fd, text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      auto e = io_error("cannot write", tmp);
      ::close(fd);
      throw e;
    }
    at += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto e = io_error("cannot sync", tmp);
    ::close(fd);
    throw e;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    throw io_error("cannot replace", path);
}

std::optional<cluster_record> load_cluster_record(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw io_error("cannot read", path);
  std::stringstream text;
  text << in.rdbuf();
  try {
    return decode_cluster_record(text.str());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

} // namespace actio::crawl
