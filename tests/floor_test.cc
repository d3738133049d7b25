// The C++-only floor row: the result object's shape, both transports, and cleanup.
#include <sched.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cpu_pinning.h"
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "backends/floor.h"
#include "runners/child_result_check.h"

namespace interpbench {
namespace {

using json = nlohmann::json;

std::set<std::string> our_segments() {
  std::set<std::string> out;
  const std::string prefix = "interpbench-" + std::to_string(getpid()) + "-";
  for (const auto& e : std::filesystem::directory_iterator("/dev/shm")) {
    const std::string name = e.path().filename().string();
    if (name.starts_with(prefix)) out.insert(name);
  }
  return out;
}

const json kSmall = {{"sizes", {8, 100000}}, {"repetitions", 2}, {"warmup", 2},
                     {"iterations", 5},      {"timeout", 10},    {"ring_bytes", 4096}};

TEST(FloorTest, PingpongMeasuresBothTransportsAsAChildResult) {
  const json r = run_floor("pingpong", kSmall);
  EXPECT_EQ(r["schema"], "interpbench-child/1");
  EXPECT_EQ(r["row"], "floor");
  EXPECT_EQ(r["kind"], "floor");
  EXPECT_EQ(r["gil"], "none");
  EXPECT_TRUE(r["error"].is_null());
  EXPECT_TRUE(r["skipped"].is_null());
  std::set<std::string> names;
  for (const auto& res : r["results"]) {
    names.insert(res["name"].get<std::string>() + " " + res["metric"].get<std::string>());
    EXPECT_EQ(res["unit"], "ns");
    ASSERT_EQ(res["repetitions"].size(), 2u);
    // Batched: 64 round trips a sample, iterations / 64 samples but at least 3.
    const bool batched = res["metric"] == "round_trip_batched";
    for (const auto& rep : res["repetitions"]) {
      ASSERT_EQ(rep.size(), batched ? 3u : 5u);
      for (const auto& sample : rep) EXPECT_GT(sample.get<double>(), 0);
    }
    if (batched) {
      EXPECT_EQ(res["params"]["timed_together"], 64);
    }
    EXPECT_EQ(res["bytes_per_op"], res["params"]["size_bytes"]);
  }
  // Batched where floor-line measures too (up to 52 B).
  EXPECT_EQ(names, (std::set<std::string>{"pingpong/8 round_trip", "pingpong/8/batched round_trip_batched",
                                          "pingpong/100000 round_trip", "pingpong/8/shm round_trip",
                                          "pingpong/8/shm/batched round_trip_batched",
                                          "pingpong/100000/shm round_trip"}));
  EXPECT_EQ(check_child_result(r), "");  // the supervisor's contract: among others, unique names
  EXPECT_TRUE(our_segments().empty());  // the shm peer's segment is gone
}

// The first two CPUs this process may use, or fewer.
std::vector<int> first_two_cpus() {
  std::vector<int> cpus = thread_cpus();
  if (cpus.size() > 2) cpus.resize(2);
  return cpus;
}

json with_pin(json params, const std::string& mode, const std::vector<int>& cpus) {
  params["pin"] = {{"mode", mode}, {"cpus", cpus}};
  return params;
}

bool has_note(const json& r, const std::string& text) {
  for (const auto& note : r["notes"]) {
    if (note.get<std::string>().find(text) != std::string::npos) return true;
  }
  return false;
}

// Under params pin "auto" the floor pins its driver and peer to two CPUs while it measures, says
// so and records it; the caller's mask is put back. Under "off" nobody is pinned.
TEST(FloorTest, FollowsParamsPinAndLeavesTheCallersCpuAffinityAsItFoundIt) {
  const std::vector<int> cpus = first_two_cpus();
  if (cpus.size() < 2) GTEST_SKIP() << "needs 2 CPUs in this process's affinity mask";
  cpu_set_t before, after;
  CPU_ZERO(&before);
  CPU_ZERO(&after);
  ASSERT_EQ(sched_getaffinity(0, sizeof before, &before), 0);
  const json r = run_floor("pingpong", with_pin(kSmall, "auto", cpus));
  ASSERT_EQ(sched_getaffinity(0, sizeof after, &after), 0);
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
  EXPECT_EQ(r["pinning"], (json{{"mode", "auto"}, {"cpus", cpus}, {"starts", {{"1", true}}}}));
  EXPECT_TRUE(has_note(r, "driver pinned to CPU " + std::to_string(cpus[0]) + ", its peer to CPU " +
                              std::to_string(cpus[1])))
      << r["notes"].dump();

  const json off = run_floor("pingpong", with_pin(kSmall, "off", cpus));
  EXPECT_EQ(off["pinning"]["starts"], (json{{"1", false}}));
  EXPECT_TRUE(has_note(off, "not pinned")) << off["notes"].dump();
}

TEST(FloorTest, StreamReportsNsPerMessage) {
  const json r = run_floor("stream", kSmall);
  ASSERT_EQ(r["results"].size(), 4u);
  for (const auto& res : r["results"]) {
    EXPECT_EQ(res["metric"], "one_way");
    EXPECT_EQ(res["repetitions"].size(), 2u);
    EXPECT_TRUE(res["params"]["transport"] == "inproc" || res["params"]["transport"] == "shm");
  }
}

TEST(FloorTest, UnknownWorkloadIsSkippedWithAReason) {
  const json r = run_floor("nbody", kSmall);
  EXPECT_EQ(r["skipped"], "no C++ floor for workload nbody");
  EXPECT_TRUE(r["results"].empty());
}

TEST(MemcpyRowTest, StreamGivesOneWayResultsShapedLikeStreams) {
  const json r = run_memcpy("stream", kSmall);
  EXPECT_EQ(r["row"], "memcpy");
  EXPECT_EQ(r["kind"], "floor");
  EXPECT_EQ(r["gil"], "none");
  EXPECT_TRUE(r["error"].is_null());
  EXPECT_TRUE(r["skipped"].is_null());
  ASSERT_EQ(r["results"].size(), 2u);
  std::set<std::string> names;
  for (const auto& res : r["results"]) {
    names.insert(res["name"].get<std::string>());
    EXPECT_EQ(res["metric"], "one_way");
    EXPECT_EQ(res["unit"], "ns");
    EXPECT_EQ(res["higher_is_better"], false);
    EXPECT_NE(res["timed"].get<std::string>().find("memcpy"), std::string::npos);
    EXPECT_EQ(res["bytes_per_op"], res["params"]["size_bytes"]);
    EXPECT_EQ(res["params"]["transport"], "memcpy");
    ASSERT_EQ(res["repetitions"].size(), 2u);
    for (const auto& rep : res["repetitions"]) {
      ASSERT_EQ(rep.size(), 5u);  // the stream floor's default batches
      for (const auto& sample : rep) EXPECT_GT(sample.get<double>(), 0);
    }
  }
  // Named like stream's results, so that they line up with the other rows' in every report.
  EXPECT_EQ(names, (std::set<std::string>{"stream/8", "stream/100000"}));
}

TEST(MemcpyRowTest, PinsItsOneThreadToTheFirstCpuUnderAuto) {
  const std::vector<int> cpus = first_two_cpus();
  if (cpus.empty()) GTEST_SKIP() << "no CPU in this process's affinity mask";
  const json r = run_memcpy("stream", with_pin(kSmall, "auto", cpus));
  EXPECT_EQ(r["pinning"]["starts"], (json{{"1", true}}));
  EXPECT_EQ(run_memcpy("stream", with_pin(kSmall, "off", cpus))["pinning"]["starts"],
            (json{{"1", false}}));
}

TEST(MemcpyRowTest, OtherWorkloadsAreSkippedWithAReason) {
  const json r = run_memcpy("pingpong", kSmall);
  EXPECT_EQ(r["skipped"], "the memcpy row has workload stream only, not pingpong");
  EXPECT_TRUE(r["results"].empty());
  EXPECT_THROW(run_memcpy("stream", {{"sizes", "8"}}), std::invalid_argument);
}

// floor-line: the sizes that fit one line, against a thread and a process, each round trip timed;
// the peer process is gone afterwards and nothing is in /dev/shm.
TEST(FloorLineTest, PingpongBouncesOneLineWithAThreadAndAProcess) {
  if (thread_cpus().size() < 2) GTEST_SKIP() << "needs two CPUs";
  json params = kSmall;
  params["sizes"] = {8, 52, 64, 100000};
  const json r = run_floor_line("pingpong", params);
  EXPECT_EQ(r["row"], "floor-line");
  EXPECT_EQ(r["kind"], "floor");
  EXPECT_TRUE(r["error"].is_null());
  EXPECT_TRUE(r["skipped"].is_null());
  std::set<std::string> names;
  for (const auto& res : r["results"]) {
    names.insert(res["name"].get<std::string>());
    ASSERT_EQ(res["repetitions"].size(), 2u);
    const bool batched = res["metric"] == "round_trip_batched";
    if (!batched) {
      EXPECT_EQ(res["metric"], "round_trip");
    }
    for (const auto& rep : res["repetitions"]) {
      ASSERT_EQ(rep.size(), batched ? 3u : 5u);
      for (const auto& sample : rep) EXPECT_GT(sample.get<double>(), 0);
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"pingpong/8", "pingpong/52", "pingpong/8/process",
                                          "pingpong/52/process", "pingpong/8/batched",
                                          "pingpong/52/batched", "pingpong/8/process/batched",
                                          "pingpong/52/process/batched"}));
  EXPECT_EQ(r["results"].size(), 8u);  // each size per round trip and batched
  EXPECT_EQ(check_child_result(r), "");
  EXPECT_TRUE(our_segments().empty());
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);  // no child of ours is left, not even a zombie
}

TEST(FloorLineTest, OtherWorkloadsAndLargeSizesAreSkippedWithAReason) {
  EXPECT_NE(run_floor_line("stream", kSmall)["skipped"].get<std::string>().find("pingpong only"),
            std::string::npos);
  json big = kSmall;
  big["sizes"] = {100000};
  const json r = run_floor_line("pingpong", big);
  ASSERT_TRUE(r["skipped"].is_string());
  EXPECT_NE(r["skipped"].get<std::string>().find("up to 52 B"), std::string::npos);
}

TEST(FloorTest, BadParamsAreRejected) {
  EXPECT_THROW(run_floor("pingpong", {{"sizes", "8"}}), std::invalid_argument);
  EXPECT_THROW(run_floor("pingpong", {{"timeout", -1}}), std::invalid_argument);
}

}  // namespace
}  // namespace interpbench
