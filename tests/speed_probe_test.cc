// Python's speed per CPU over a run (runners/speed_probe.h): the warning from known probes, a
// real probe of each CPU, and a real run's JSON carrying its probes.
#include "runners/speed_probe.h"

#include <algorithm>
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "tests/run_cli.h"

namespace interpbench {
namespace {

std::vector<SpeedProbe> probes_of(const std::vector<std::vector<double>>& ms) {
  std::vector<SpeedProbe> out;
  for (std::size_t i = 0; i < ms.size(); ++i) out.push_back({static_cast<double>(i), ms[i]});
  return out;
}

TEST(SpeedProbeTest, ProbesWithinTheSpreadAreNoWarning) {
  EXPECT_TRUE(speed_warnings({0, 1}, probes_of({{2.0, 2.1}, {2.2, 2.0}, {2.4, 2.5}})).empty());
}

TEST(SpeedProbeTest, ACpuWhoseProbesSpreadWiderIsNamedWithItsRange) {
  const auto w = speed_warnings({0, 1}, probes_of({{2.0, 2.0}, {3.9, 2.1}, {2.1, 2.0}, {4.0, 2.2}}));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("60,000 additions took CPU 0 2-4 ms over 4 probes"), std::string::npos) << w[0];
  EXPECT_EQ(w[0].find("CPU 1"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("(up to 2.00x apart)"), std::string::npos) << w[0];
}

TEST(SpeedProbeTest, BothCpusAreNamedWhenBothMoved) {
  const auto w = speed_warnings({0, 3}, probes_of({{2.0, 4.0}, {4.0, 2.0}, {2.0, 2.0}}));
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("CPU 0 2-4 ms and CPU 3 2-4 ms"), std::string::npos) << w[0];
}

// One probe the kernel preempted is no change of the host: from five probes on, the slowest goes.
TEST(SpeedProbeTest, OneSlowProbeOfFiveIsLeftOut) {
  EXPECT_TRUE(speed_warnings({0}, probes_of({{2.0}, {2.1}, {9.0}, {2.0}, {2.2}})).empty());
  EXPECT_EQ(speed_warnings({0}, probes_of({{2.0}, {2.1}, {9.0}, {3.0}, {2.2}})).size(), 1u);
}

TEST(SpeedProbeTest, FewerThanThreeProbesSayNothing) {
  EXPECT_TRUE(speed_warnings({0}, probes_of({{2.0}, {8.0}})).empty());
}

TEST(SpeedProbeTest, ARealProbeTimesTheLoopOnEachCpu) {
  const auto cpus = cpus_to_probe();
  ASSERT_FALSE(cpus.empty());
  const auto ms = probe_python_speed(INTERPBENCH_PYTHON_EXECUTABLE, cpus, std::chrono::seconds(30));
  ASSERT_TRUE(ms.has_value());
  ASSERT_EQ(ms->size(), cpus.size());
  for (double m : *ms) {
    EXPECT_GT(m, 0.05);  // 60,000 additions in the interpreter: milliseconds, not nothing
    EXPECT_LT(m, 5000);
  }
  EXPECT_FALSE(probe_python_speed("/nonexistent/python3", cpus, std::chrono::seconds(5)).has_value());
}

TEST(SpeedProbeTest, ARunKeepsItsProbesInTheEnvironment) {
  const auto run = testing::run_cli({"run", "--suite", "quick", "--workload", "startup", "--backend",
                                     "thread", "--quiet", "--format", "json"},
                                    std::chrono::seconds(120));
  ASSERT_TRUE(run.status.success()) << run.status.describe() << "\n" << run.err;
  const auto report = nlohmann::json::parse(run.out);
  const auto& speed = report["interpbench"]["environment"]["python_speed"];
  const auto cpus = speed["cpus"];
  ASSERT_FALSE(cpus.empty());
  ASSERT_GE(speed["probes"].size(), 2u);  // one before the first child, one after the last
  for (const auto& p : speed["probes"]) {
    ASSERT_EQ(p["ms"].size(), cpus.size());
    for (const auto& m : p["ms"]) EXPECT_GT(m.get<double>(), 0);
  }
  ASSERT_EQ(speed["per_cpu"].size(), cpus.size());
  EXPECT_LE(speed["per_cpu"][0]["min_ms"].get<double>(), speed["per_cpu"][0]["max_ms"].get<double>());
  // Each round's child has its span on the probes' clock: the first probe before every child,
  // the last after, and no two children at once.
  std::vector<std::pair<double, double>> spans;
  for (const auto& row : report["interpbench"]["rows"])
    for (const auto& s : row["exit"]["spans_s"]) spans.emplace_back(s[0], s[1]);
  ASSERT_EQ(spans.size(), 4u);  // quick: 4 rounds of one row
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    EXPECT_LT(spans[i].first, spans[i].second);
    if (i > 0) EXPECT_LE(spans[i - 1].second, spans[i].first);
  }
  EXPECT_LT(speed["probes"].front()["at_s"].get<double>(), spans.front().first);
  EXPECT_GT(speed["probes"].back()["at_s"].get<double>(), spans.back().second);
}

}  // namespace
}  // namespace interpbench
