// params["pin"] (backends/cpu_pinning.h): the plan, where each side lands, a refused CPU, and
// the result file's record. Threads are pinned on threads of their own, so the test's main
// thread keeps its mask.
#include "backends/cpu_pinning.h"

#include <sched.h>

#include <functional>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace interpbench {
namespace {

using nlohmann::json;

std::set<int> this_thread_cpus() {
  const std::vector<int> cpus = thread_cpus();
  return {cpus.begin(), cpus.end()};
}

// Runs `body` on a fresh thread (it inherits our mask and takes its changes away with it).
void on_a_thread(const std::function<void()>& body) { std::thread(body).join(); }

// The first two CPUs this thread may use, or an empty list.
std::vector<int> two_cpus() {
  const std::set<int> mine = this_thread_cpus();
  if (mine.size() < 2) return {};
  return {*mine.begin(), *std::next(mine.begin())};
}

json params_with(const std::string& mode, const std::vector<int>& cpus) {
  return {{"sizes", {8}}, {"pin", {{"mode", mode}, {"cpus", cpus}}}};
}

TEST(PinPlanTest, ReadsModeAndSortedCpusFromParams) {
  const PinPlan plan = pin_plan(params_with("auto", {3, 1, 2, 1}));
  EXPECT_TRUE(plan.automatic);
  EXPECT_EQ(plan.cpus, (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(pin_plan(params_with("off", {0, 1})).automatic);
}

TEST(PinPlanTest, AbsentOrMalformedPinIsOffWithNoCpus) {
  for (const json& params :
       {json::object(), json{{"pin", "auto"}}, json{{"pin", {{"mode", "auto"}}}},
        json{{"pin", {{"mode", "auto"}, {"cpus", "0,1"}}}}, json::array()}) {
    SCOPED_TRACE(params.dump());
    const PinPlan plan = pin_plan(params);
    EXPECT_TRUE(plan.cpus.empty());
    EXPECT_FALSE(plan.pins(1));
  }
  // Not a CPU id: dropped.
  EXPECT_EQ(pin_plan(params_with("auto", {-1, 0})).cpus, std::vector<int>{0});
}

TEST(PinPlanTest, GivesEachSideItsOwnCpuOnlyWhenTheDriverAndAllWorkersFit) {
  const PinPlan plan = pin_plan(params_with("auto", {4, 5, 6}));
  EXPECT_TRUE(plan.pins(2));
  EXPECT_EQ(plan.driver_cpus(2), std::vector<int>{4});
  EXPECT_EQ(plan.worker_cpus(0, 2), std::vector<int>{5});
  EXPECT_EQ(plan.worker_cpus(1, 2), std::vector<int>{6});
  EXPECT_FALSE(plan.pins(3));  // 4 sides, 3 CPUs: nobody pinned
  EXPECT_EQ(plan.driver_cpus(3), (std::vector<int>{4, 5, 6}));
  EXPECT_EQ(plan.worker_cpus(2, 3), (std::vector<int>{4, 5, 6}));
  const PinPlan off = pin_plan(params_with("off", {4, 5, 6}));
  EXPECT_FALSE(off.pins(1));
  EXPECT_EQ(off.worker_cpus(0, 1), (std::vector<int>{4, 5, 6}));
}

TEST(PinThreadTest, DriverAndWorkerLandOnTheirOwnCpusWhenTheyFit) {
  const std::vector<int> cpus = two_cpus();
  if (cpus.empty()) GTEST_SKIP() << "needs 2 CPUs in this process's affinity mask";
  const PinPlan plan = pin_plan(params_with("auto", cpus));
  on_a_thread([&] {
    EXPECT_TRUE(pin_driver_thread(plan, 1));
    EXPECT_EQ(this_thread_cpus(), std::set<int>{cpus[0]});
    // A worker started from the pinned driver undoes the inherited mask.
    on_a_thread([&] {
      EXPECT_TRUE(pin_worker_thread(plan, 0, 1));
      EXPECT_EQ(this_thread_cpus(), std::set<int>{cpus[1]});
    });
    // Two workers don't fit: the driver goes back to both CPUs, and so does each worker.
    EXPECT_FALSE(pin_driver_thread(plan, 2));
    EXPECT_EQ(this_thread_cpus(), std::set<int>(cpus.begin(), cpus.end()));
    on_a_thread([&] {
      EXPECT_FALSE(pin_worker_thread(plan, 1, 2));
      EXPECT_EQ(this_thread_cpus(), std::set<int>(cpus.begin(), cpus.end()));
    });
  });
}

TEST(PinThreadTest, ModeOffRunsEveryoneOnAllCpusAndNoPlanLeavesTheMaskAlone) {
  const std::vector<int> cpus = two_cpus();
  if (cpus.empty()) GTEST_SKIP() << "needs 2 CPUs in this process's affinity mask";
  const PinPlan off = pin_plan(params_with("off", cpus));
  on_a_thread([&] {
    ASSERT_TRUE(set_thread_cpus(0, {cpus[1]}));  // as if inherited from a pinned driver
    EXPECT_FALSE(pin_worker_thread(off, 0, 1));
    EXPECT_EQ(this_thread_cpus(), std::set<int>(cpus.begin(), cpus.end()));
    ASSERT_TRUE(set_thread_cpus(0, {cpus[1]}));
    EXPECT_FALSE(pin_worker_thread(PinPlan{}, 0, 1));
    EXPECT_EQ(this_thread_cpus(), std::set<int>{cpus[1]});
  });
}

TEST(PinThreadTest, ARefusedCpuIsNoErrorTheThreadRunsUnpinned) {
  const std::vector<int> cpus = two_cpus();
  if (cpus.empty()) GTEST_SKIP() << "needs 2 CPUs in this process's affinity mask";
  // CPU 4000 exists on no machine this runs on: the kernel refuses a mask of it alone.
  const PinPlan plan = pin_plan(params_with("auto", {cpus[0], 4000}));
  on_a_thread([&] {
    ASSERT_TRUE(set_thread_cpus(0, {cpus[1]}));
    EXPECT_FALSE(pin_worker_thread(plan, 0, 1));
    // On what the kernel allows of the plan's CPUs, not left on the inherited one.
    EXPECT_EQ(this_thread_cpus(), std::set<int>{cpus[0]});
  });
}

TEST(PinningRecordTest, AStartIsPinnedOnlyWhenEveryStartOfThatCountWas) {
  PinningRecord record(pin_plan(params_with("auto", {0, 1})));
  record.note(1, true);
  record.note(2, false);
  record.note(1, true);
  record.note(4, true);
  record.note(4, false);
  EXPECT_EQ(record.to_json(), (json{{"mode", "auto"},
                                    {"cpus", {0, 1}},
                                    {"starts", {{"1", true}, {"2", false}, {"4", false}}}}));
  EXPECT_EQ(PinningRecord().to_json(),
            (json{{"mode", "off"}, {"cpus", json::array()}, {"starts", json::object()}}));
}

}  // namespace
}  // namespace interpbench
