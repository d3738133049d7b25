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

SpeedProbe with_together(std::vector<double> alone, std::vector<double> together) {
  return {0, std::move(alone), std::move(together)};
}

// The slower CPU's time together over its time alone, per probe: 1.5 (CPU 1: 3.0 / 2.0), 1.1
// (CPU 0), 1.0 and 1.6; a probe without the together figure counts for nothing.
TEST(SpeedProbeTest, TogetherIsTheSlowerCpusSlowdownPerProbe) {
  const std::vector<SpeedProbe> probes = {with_together({2.0, 2.0}, {2.2, 3.0}),
                                          with_together({2.0, 2.0}, {2.2, 2.1}),
                                          with_together({2.0, 2.0}, {}),
                                          with_together({4.0, 2.0}, {4.0, 2.0}),
                                          with_together({2.0, 2.5}, {3.2, 2.5})};
  const auto s = together_slowdowns(probes);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_DOUBLE_EQ(s[0], 1.0);
  EXPECT_DOUBLE_EQ(s[1], 1.1);
  EXPECT_DOUBLE_EQ(s[2], 1.5);
  EXPECT_DOUBLE_EQ(s[3], 1.6);
  // Alone, each CPU has one slow probe of five, which is left out: no warning for that. Together
  // 1.5x and 1.6x > 1.25x in 2 of 4 probes (below five none is left out): a warning.
  const auto w = speed_warnings({0, 1}, probes);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("python speed together: with the loop running on CPUs 0 and 1 at once, the "
                      "slower took 1.00-1.60x its time alone (median 1.50x; over 1.25x in 2 of 4 probes)"),
            std::string::npos)
      << w[0];
}

TEST(SpeedProbeTest, TogetherWithinTheSpreadIsNoWarning) {
  const std::vector<SpeedProbe> probes = {with_together({2.0, 2.0}, {2.1, 2.2}),
                                          with_together({2.0, 2.0}, {2.0, 2.4}),
                                          with_together({2.0, 2.0}, {2.3, 2.0})};
  EXPECT_TRUE(speed_warnings({0, 1}, probes).empty());
}

TEST(SpeedProbeTest, ARealProbeTimesTheLoopOnEachCpu) {
  const auto cpus = cpus_to_probe();
  ASSERT_FALSE(cpus.empty());
  const auto probe = probe_python_speed(INTERPBENCH_PYTHON_EXECUTABLE, cpus, std::chrono::seconds(30));
  ASSERT_TRUE(probe.has_value());
  ASSERT_EQ(probe->ms.size(), cpus.size());
  for (double m : probe->ms) {
    EXPECT_GT(m, 0.05);  // 60,000 additions in the interpreter: milliseconds, not nothing
    EXPECT_LT(m, 5000);
  }
  // The first two CPUs at once: a time for each, or none with one CPU.
  ASSERT_EQ(probe->together_ms.size(), cpus.size() >= 2 ? 2u : 0u);
  for (double m : probe->together_ms) {
    EXPECT_GT(m, 0.05);
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
    if (cpus.size() >= 2) {
      EXPECT_EQ(p["together_ms"].size(), 2u);
    }
  }
  if (cpus.size() >= 2) {
    EXPECT_EQ(speed["together"]["probes"], speed["probes"].size());
    EXPECT_LE(speed["together"]["min_slowdown"].get<double>(), speed["together"]["max_slowdown"].get<double>());
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
    if (i > 0) {
      EXPECT_LE(spans[i - 1].second, spans[i].first);
    }
  }
  EXPECT_LT(speed["probes"].front()["at_s"].get<double>(), spans.front().first);
  EXPECT_GT(speed["probes"].back()["at_s"].get<double>(), spans.back().second);
}

}  // namespace
}  // namespace interpbench
