// SPDX-License-Identifier: Apache-2.0
#include "actio/crawl/cluster/cluster_record.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <unistd.h>

using namespace actio::crawl;

namespace {

cluster_record sample() {
  cluster_record r;
  r.nodes = 3;
  r.members = {{"coordinator", "/d/c.db", "/d/c.jsonl", false, false},
               {"w1", "/d/w1.db", "/d/w1.jsonl", true, false},
               {"w2", "/d/w2.db", "/d/w2.jsonl", true, true}};
  r.view = {"coordinator", "w1"};
  r.epoch = 7;
  return r;
}

} // namespace

TEST_CASE("a cluster record survives saving and loading with its members, "
          "view and epoch",
          "[crawl_cluster]") {
  auto dir = std::filesystem::temp_directory_path() /
             ("actio_cluster_record_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "c.db.cluster").string();
  CHECK_FALSE(load_cluster_record(path).has_value());
  save_cluster_record(path, sample());
  auto r = sample();
  r.epoch = 8;
  save_cluster_record(path, r); // replaces it
  auto back = load_cluster_record(path);
  REQUIRE(back.has_value());
  CHECK(back->nodes == 3);
  REQUIRE(back->members.size() == 3);
  CHECK(back->members[1].name == "w1");
  CHECK(back->members[1].state_path == "/d/w1.db");
  CHECK(back->members[1].out_path == "/d/w1.jsonl");
  CHECK(back->members[1].lost);
  CHECK_FALSE(back->members[1].handed_over);
  CHECK(back->members[2].handed_over);
  CHECK(back->view == std::vector<std::string>{"coordinator", "w1"});
  CHECK(back->epoch == 8);
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  std::ofstream(path) << "{\"nodes\": 3}";
  CHECK_THROWS_AS(load_cluster_record(path), std::runtime_error);
  CHECK_THROWS_AS(decode_cluster_record("not json"), std::invalid_argument);
  std::filesystem::remove_all(dir);
}
