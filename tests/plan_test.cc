#include "runners/plan.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <tuple>

#include <gtest/gtest.h>

#include "core/errors.h"
#include "runners/subinterp_modes.h"

namespace interpbench {
namespace {

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const BadInput& e) {
    return e.what();
  }
  return "";
}

TEST(ParseSizeTest, AcceptsBytesAndBinaryUnits) {
  EXPECT_EQ(parse_size("8"), 8u);
  EXPECT_EQ(parse_size("1K"), 1024u);
  EXPECT_EQ(parse_size("64KiB"), 64u * 1024);
  EXPECT_EQ(parse_size("1M"), 1024u * 1024);
  EXPECT_EQ(parse_size("16MiB"), 16u * 1024 * 1024);
  EXPECT_EQ(parse_size("64kb"), 64u * 1024);
  EXPECT_EQ(parse_size("100B"), 100u);
  EXPECT_EQ(parse_size(" 2K "), 2048u);
}

TEST(ParseSizeTest, RejectsBadValuesNamingThem) {
  for (const char* bad : {"12XB", "0", "-1", "", "K", "1.5K", "2G"}) {
    const std::string msg = error_of([&] { parse_size(bad); });
    EXPECT_NE(msg, "") << bad;
    EXPECT_NE(msg.find(std::string("'") + bad + "'"), std::string::npos) << msg;
  }
}

TEST(ParseSizeTest, ListKeepsOrderAndDropsDuplicates) {
  EXPECT_EQ(parse_sizes("8,1K,64K,1M"), (std::vector<std::size_t>{8, 1024, 65536, 1048576}));
  EXPECT_EQ(parse_sizes("1K,1024"), (std::vector<std::size_t>{1024}));
  EXPECT_NE(error_of([] { parse_sizes("8,,1K"); }), "");
  EXPECT_NE(error_of([] { parse_sizes(""); }), "");
}

TEST(ParseCountTest, AcceptsPositiveWholeNumbersOnly) {
  EXPECT_EQ(parse_count("3", "--repetitions"), 3);
  EXPECT_EQ(parse_counts("1,2,4", "--workers"), (std::vector<int>{1, 2, 4}));
  for (const char* bad : {"0", "-2", "x", "", "1.5", "3x"}) {
    const std::string msg = error_of([&] { parse_count(bad, "--repetitions"); });
    EXPECT_NE(msg.find("--repetitions"), std::string::npos) << bad << ": " << msg;
  }
}

TEST(FormatSizeTest, UsesTheLargestExactUnit) {
  EXPECT_EQ(format_size(8), "8 B");
  EXPECT_EQ(format_size(1024), "1 KiB");
  EXPECT_EQ(format_size(1536), "1536 B");
  EXPECT_EQ(format_size(16u << 20), "16 MiB");
}

TEST(SuiteTest, EverySuiteHasTheParamsOfTheContract) {
  for (const Suite& s : make_suites(2)) {
    for (const char* key : {"sizes", "repetitions", "warmup", "iterations", "workers", "timeout"}) {
      EXPECT_TRUE(s.defaults.contains(key)) << s.name << " lacks " << key;
    }
    EXPECT_FALSE(s.mp_methods.empty()) << s.name;
    EXPECT_GT(s.child_wall_s, 0) << s.name;
    for (auto& [workload, overrides] : s.per_workload) {
      ASSERT_TRUE(overrides.is_object()) << s.name << "/" << workload;
      if (overrides.contains("workers")) {
        ASSERT_TRUE(overrides["workers"].is_array()) << s.name << "/" << workload;
        for (auto& n : overrides["workers"]) EXPECT_GE(n.get<int>(), 1);
      }
      if (overrides.contains("sizes")) {
        for (auto& n : overrides["sizes"]) EXPECT_GE(n.get<std::size_t>(), 1u);
      }
    }
  }
}

TEST(SuiteTest, UnknownSuiteIsBadInputListingTheValidOnes) {
  const std::string msg = error_of([] { find_suite("huge", 2); });
  EXPECT_NE(msg.find("'huge'"), std::string::npos);
  EXPECT_NE(msg.find("quick"), std::string::npos);
}

TEST(SuiteTest, ScalingCoversOneAndTheCoresAndFullEveryCountToTwiceTheCores) {
  const Suite s = find_suite("default", 2);
  EXPECT_EQ(s.per_workload.at("scaling")["workers"], nlohmann::json({1, 2}));
  EXPECT_EQ(find_suite("default", 4).per_workload.at("scaling")["workers"], nlohmann::json({1, 4}));
  EXPECT_EQ(find_suite("full", 2).per_workload.at("scaling")["workers"], nlohmann::json({1, 2, 3, 4}));
  EXPECT_EQ(s.per_workload.at("memory")["workers"], nlohmann::json({1, 2, 8}));
}

// workloads/apps.py: a small share of the standard library by default (the suite stays within 3
// minutes on 2 cores) in at least the 6 rounds that the paired 95% interval needs, the whole
// library and N to 2 x cores in full.
TEST(SuiteTest, ApplicationsTakeASmallCorpusShareByDefaultAndTheWholeLibraryInFull) {
  const auto quick = find_suite("quick", 2).per_workload.at("apps");
  const auto def = find_suite("default", 2).per_workload.at("apps");
  const auto full = find_suite("full", 2).per_workload.at("apps");
  EXPECT_GT(def["corpus_files"].get<int>(), 0);
  EXPECT_LE(def["corpus_files"].get<int>(), 16);
  EXPECT_LT(quick["corpus_files"].get<int>(), def["corpus_files"].get<int>());
  EXPECT_EQ(def["workers"], nlohmann::json({1, 2}));
  EXPECT_GE(def["rounds"].get<int>(), 6);
  EXPECT_GE(full["rounds"].get<int>(), 6);
  EXPECT_EQ(full["corpus_files"], 0);
  EXPECT_EQ(full["corpus_max_bytes"], 0);
  EXPECT_EQ(full["workers"], nlohmann::json({1, 2, 3, 4}));
}

// The default suite's rounds per workload (issue 18 moved pingpong from 16 to 12 and startup from
// 16 to 10 to pay for the applications' 6 rounds on 9 rows): none below the 6 that the paired
// 95% interval needs.
TEST(SuiteTest, EveryTimingWorkloadOfTheDefaultSuiteGetsAtLeastSixRounds) {
  const Suite s = find_suite("default", 2);
  EXPECT_EQ(s.per_workload.at("pingpong")["rounds"], 12);
  EXPECT_EQ(s.per_workload.at("startup")["rounds"], 10);
  EXPECT_EQ(s.per_workload.at("apps")["rounds"], 6);
  for (const auto& [workload, params] : s.per_workload) {
    if (workload == "extcompat") continue;  // outcomes, not timings: one round (make_plan)
    EXPECT_GE(params.value("rounds", s.rounds), 6) << workload;
  }
}

TEST(SuiteTest, RoundsAndRepetitionsPerRound) {
  EXPECT_EQ(find_suite("quick", 2).rounds, 4);
  EXPECT_EQ(find_suite("default", 2).rounds, 6);  // the 95% interval of a median needs 6
  EXPECT_EQ(find_suite("default", 2).defaults["repetitions"], 1);
  EXPECT_EQ(find_suite("full", 2).rounds, 10);
}

TEST(SuiteTest, DefaultPingpongHasTheFoundationSizesAndFullReaches16MiB) {
  EXPECT_EQ(find_suite("default", 2).per_workload.at("pingpong")["sizes"],
            nlohmann::json({8, 1 << 10, 64 << 10, 1 << 20}));
  EXPECT_EQ(find_suite("default", 2).per_workload.at("stream")["sizes"].back(), 16 << 20);
  const auto sizes = find_suite("full", 2).per_workload.at("pingpong")["sizes"];
  EXPECT_EQ(sizes.front().get<std::size_t>(), 8u);
  EXPECT_EQ(sizes.back().get<std::size_t>(), 16u << 20);
}

std::vector<WorkloadFile> some_workloads() {
  return {{"pingpong", "/w/pingpong.py"}, {"memory", "/w/memory.py"}, {"stream", "/w/stream.py"},
          {"scaling", "/w/scaling.py"}};
}

TEST(PlanTest, PerWorkloadOverridesApplyAndTheCommandLineWins) {
  PlanRequest req;
  req.suite = "default";
  req.cores = 2;
  const Suite s = find_suite("default", 2);
  EXPECT_EQ(workload_params(s, "memory", req)["workers"], nlohmann::json({1, 2, 8}));
  EXPECT_EQ(workload_params(s, "pingpong", req)["workers"], s.defaults["workers"]);
  req.workers = std::vector<int>{3};
  req.repetitions = 7;
  req.sizes = std::vector<std::size_t>{16};
  const auto p = workload_params(s, "memory", req);
  EXPECT_EQ(p["workers"], nlohmann::json({3}));
  EXPECT_EQ(p["repetitions"], 7);
  EXPECT_EQ(p["sizes"], nlohmann::json({16}));
  EXPECT_EQ(p["suite"], "default");
  EXPECT_EQ(p["cores"], 2);
}

TEST(PlanTest, RowsTimesWorkloadsInReportOrder) {
  PlanRequest req;
  req.suite = "quick";
  req.rows = {"thread", "subinterp"};
  req.workloads = {"pingpong", "memory"};
  const Plan plan = make_plan(req, some_workloads());
  ASSERT_EQ(plan.children.size(), 4u);
  EXPECT_EQ(plan.children[0].workload.name, "pingpong");
  EXPECT_EQ(plan.children[0].row.name, "subinterp");
  EXPECT_EQ(plan.children[1].row.name, "thread");
  EXPECT_EQ(plan.children[2].workload.name, "memory");
  EXPECT_EQ(plan.children[0].params["backend"], "subinterp");
  EXPECT_GT(plan.children[0].wall_timeout_s, 0);
  EXPECT_EQ(plan.options["params"]["memory"]["workers"], plan.children[2].params["workers"]);
  EXPECT_EQ(plan.options["rows"], nlohmann::json({"subinterp", "thread"}));
}

TEST(PlanTest, RoundsSeedAndPinReachEveryChildAndTheOptions) {
  PlanRequest req;
  req.suite = "default";
  req.rows = {"subinterp", "py-threading"};
  req.workloads = {"memory"};
  req.seed = 1234;
  req.pin = "auto";
  req.cpus = {0, 1};
  Plan plan = make_plan(req, some_workloads());
  ASSERT_EQ(plan.children.size(), 2u);
  for (const auto& c : plan.children) {
    EXPECT_EQ(c.rounds, 6);
    EXPECT_EQ(c.params["pin"], nlohmann::json({{"mode", "auto"}, {"cpus", {0, 1}}}));
    EXPECT_EQ(c.params["repetitions"], 1);  // per round
  }
  EXPECT_EQ(plan.seed, 1234u);
  EXPECT_EQ(plan.options["seed"], 1234);
  EXPECT_EQ(plan.options["rounds"], 6);
  EXPECT_EQ(plan.options["rounds_per_workload"]["memory"], 6);
  EXPECT_EQ(plan.options["pin"], "auto");
  req.rounds = 9;
  req.pin = "off";
  plan = make_plan(req, some_workloads());
  EXPECT_EQ(plan.children[0].rounds, 9);
  EXPECT_EQ(plan.children[0].params["pin"]["mode"], "off");
}

TEST(PlanTest, AWorkloadOfOutcomesRunsOneRound) {
  PlanRequest req;
  req.suite = "default";
  req.rounds = 8;
  req.workloads = {"extcompat"};
  std::vector<WorkloadFile> available = some_workloads();
  available.push_back({"extcompat", "/w/extcompat.py"});
  const Plan plan = make_plan(req, available);
  ASSERT_FALSE(plan.children.empty());
  for (const auto& c : plan.children) EXPECT_EQ(c.rounds, 1) << c.row.label();
}

std::vector<std::string> labels(const Plan& plan, const std::string& workload) {
  std::vector<std::string> out;
  for (auto& c : plan.children)
    if (c.workload.name == workload) out.push_back(c.row.label());
  return out;
}

TEST(PlanTest, GilAndConfigCrossIntoSubinterpRowsMinusOwnLegacy) {
  PlanRequest req;
  req.suite = "quick";
  req.rows = {"subinterp", "thread"};
  req.workloads = {"scaling"};
  auto rows = [&](std::optional<std::vector<std::string>> gil,
                  std::optional<std::vector<std::string>> config) {
    req.gil = std::move(gil);
    req.config = std::move(config);
    return labels(make_plan(req, some_workloads()), "scaling");
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(rows(std::nullopt, std::nullopt), (V{"subinterp", "thread"}));
  EXPECT_EQ(rows(V{"own", "shared"}, std::nullopt), (V{"subinterp", "subinterp-shared", "thread"}));
  EXPECT_EQ(rows(std::nullopt, V{"legacy"}), (V{"subinterp-legacy", "thread"}));
  EXPECT_EQ(rows(V{"shared", "own"}, V{"legacy", "isolated"}),
            (V{"subinterp", "subinterp-shared", "subinterp-legacy", "thread"}));
  const Plan plan = make_plan(req, some_workloads());
  EXPECT_EQ(plan.children[2].row.method, "legacy");
  EXPECT_EQ(plan.children[2].params["backend"], "subinterp-legacy");
  EXPECT_EQ(subinterp_mode("legacy").gil, "shared");
  EXPECT_EQ(subinterp_mode("").config, "isolated");
}

// Issue 18: every application on every row that can run it, the executor rows included (they
// submit apps' task()), in the 6 rounds the paired 95% interval needs. py-interpreters (the
// documented API, 10 ms polls) runs pingpong only: apps there would add about 13 s to a suite
// already at its 3 minutes (docs/performance.md, "The default suite's time").
TEST(PlanTest, TheDefaultSuiteRunsTheApplicationsOnEveryRowIncludingTheExecutorsInSixRounds) {
  PlanRequest req;
  req.suite = "default";
  req.cores = 2;
  req.workloads = {"apps"};
  const Plan plan = make_plan(req, {{"apps", "/w/apps.py"}});
  using V = std::vector<std::string>;
  EXPECT_EQ(labels(plan, "apps"),
            (V{"subinterp", "subprocess", "thread", "py-threading", "py-multiprocessing-fork",
               "py-interpreters", "py-interpreters-poll", "py-executor-thread", "py-executor-process-fork",
               "py-executor-interp"}));
  // The documented interpreters API in 1 round (a child costs seconds), every other row in 6.
  for (const auto& c : plan.children) EXPECT_EQ(c.rounds, c.row.label() == "py-interpreters" ? 1 : 6) << c.row.label();
  EXPECT_EQ(plan.options["rounds_per_workload"]["apps"], 6);
  // --rounds is every row's.
  req.rounds = 7;
  for (const auto& c : make_plan(req, {{"apps", "/w/apps.py"}}).children) EXPECT_EQ(c.rounds, 7) << c.row.label();
}

// Twelve scaling rounds on the rows whose scaling a headline or a "Why not subprocesses?" pair
// uses; six (the least for a 95% interval) where one GIL holds the efficiency near 1 / N, and on
// the executors; the documented interpreters API's round trip (its 10 ms polls) in six.
TEST(PlanTest, TheDefaultSuiteGivesMoreRoundsWhereADecisionStandsOnTheRow) {
  PlanRequest req;
  req.suite = "default";
  req.cores = 2;
  req.workloads = {"scaling", "pingpong", "stream"};
  const Plan plan = make_plan(req, {{"scaling", "/w/scaling.py"}, {"pingpong", "/w/pingpong.py"},
                                    {"stream", "/w/stream.py"}});
  std::map<std::string, int> scaling, pingpong, stream;
  for (const auto& c : plan.children)
    (c.workload.name == "scaling" ? scaling : c.workload.name == "pingpong" ? pingpong : stream)[c.row.label()] =
        c.rounds;
  EXPECT_EQ(stream.at("py-multiprocessing-fork"), 6);  // 16 MiB through a pipe: 0.9 s a child
  // The 16 MiB headline (subinterp / subprocess) and the P3' targets (/ memcpy): 24 rounds.
  for (const char* row : {"subinterp", "subprocess", "memcpy"}) EXPECT_EQ(stream.at(row), 24) << row;
  for (const char* row : {"thread", "py-threading", "py-interpreters-poll", "floor"})
    EXPECT_EQ(stream.at(row), 12) << row;
  for (const char* row : {"subinterp", "subprocess", "py-multiprocessing-fork", "py-interpreters-poll"})
    EXPECT_EQ(scaling.at(row), 12) << row;
  for (const char* row : {"thread", "py-threading", "py-executor-thread", "py-executor-process-fork"})
    EXPECT_EQ(scaling.at(row), 6) << row;
  EXPECT_EQ(pingpong.at("py-interpreters"), 12);  // a headline pairs its rounds with subinterp's
  EXPECT_EQ(pingpong.at("subinterp"), 12);
  EXPECT_EQ(pingpong.at("py-interpreters-poll"), 12);
  req.rounds = 9;  // --rounds is every row's
  for (const auto& c : make_plan(req, {{"scaling", "/w/scaling.py"}, {"pingpong", "/w/pingpong.py"},
                                       {"stream", "/w/stream.py"}}).children)
    EXPECT_EQ(c.rounds, 9) << c.row.label();
}

TEST(PlanTest, OwnGilWithLegacyConfigOrAnUnknownModeIsBadInput) {
  PlanRequest req;
  req.workloads = {"scaling"};
  for (auto [gil, config, needle] : {std::tuple{"own", "legacy", "unsupported by CPython"},
                                     std::tuple{"mine", "isolated", "'mine'"},
                                     std::tuple{"own", "sandboxed", "'sandboxed'"}}) {
    req.gil = std::vector<std::string>{gil};
    req.config = std::vector<std::string>{config};
    try {
      make_plan(req, some_workloads());
      ADD_FAILURE() << gil << " + " << config << " was accepted";
    } catch (const BadInput& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
}

TEST(PlanTest, ExtcompatDefaultsToBothConfigsAThreadAProcessAndTheStdlibInterpreters) {
  PlanRequest req;
  req.suite = "quick";
  req.workloads = {"extcompat", "scaling"};
  std::vector<WorkloadFile> available = some_workloads();
  available.push_back({"extcompat", "/w/extcompat.py"});
  Plan plan = make_plan(req, available);
  using V = std::vector<std::string>;
  EXPECT_EQ(labels(plan, "extcompat"), (V{"subinterp", "subinterp-legacy", "subprocess", "thread", "py-interpreters-poll"}));
  EXPECT_GT(labels(plan, "scaling").size(), 5u);  // the timing workloads keep every row
  for (auto& c : plan.children) {
    if (c.workload.name == "extcompat") {
      EXPECT_GT(c.params.value("resume_after_crash", 0), 0);
    }
  }
  req.gil = std::vector<std::string>{"shared"};  // asked for: the command line wins
  req.rows = {"subinterp"};
  EXPECT_EQ(labels(make_plan(req, available), "extcompat"), (V{"subinterp-shared"}));
}

TEST(PlanTest, MultiprocessingExpandsToTheSuiteStartMethods) {
  PlanRequest req;
  req.suite = "full";
  req.rows = {"py-multiprocessing"};
  req.workloads = {"pingpong"};
  const Plan plan = make_plan(req, some_workloads());
  std::vector<std::string> labels;
  for (auto& c : plan.children) labels.push_back(c.row.label());
  EXPECT_EQ(labels, (std::vector<std::string>{"py-multiprocessing-fork", "py-multiprocessing-forkserver",
                                              "py-multiprocessing-spawn"}));
  EXPECT_EQ(plan.children[0].row.kind, RowKind::kReference);
}

TEST(PlanTest, FloorRunsOnlyWhereItHasAMeaning) {
  PlanRequest req;
  req.suite = "quick";
  req.rows = {"floor"};
  const Plan plan = make_plan(req, some_workloads());
  for (auto& c : plan.children) {
    EXPECT_NE(c.workload.name, "memory");
    EXPECT_EQ(c.row.kind, RowKind::kFloor);
  }
  EXPECT_FALSE(plan.children.empty());
}

TEST(PlanTest, MemcpyReferenceLineRunsStreamOnlyInTheDefaultSuite) {
  PlanRequest req;  // the default suite, every row
  const Plan plan = make_plan(req, some_workloads());
  std::vector<std::string> memcpy_workloads;
  for (auto& c : plan.children) {
    if (c.row.name != "memcpy") continue;
    EXPECT_EQ(c.row.kind, RowKind::kFloor);
    EXPECT_EQ(c.params["backend"], "memcpy");
    memcpy_workloads.push_back(c.workload.name);
  }
  EXPECT_EQ(memcpy_workloads, std::vector<std::string>{"stream"});
}

std::vector<std::string> labels_for(const Plan& plan, const std::string& workload) {
  std::vector<std::string> labels;
  for (auto& c : plan.children) {
    if (c.workload.name == workload) labels.push_back(c.row.label());
  }
  return labels;
}

TEST(PlanTest, DefaultSuiteAddsForkAndZygoteForStartupAndMemoryOnly) {
  PlanRequest req;
  req.rows = {"subprocess"};
  const std::vector<WorkloadFile> files = {{"pingpong", "/w/pingpong.py"}, {"memory", "/w/memory.py"},
                                           {"startup", "/w/startup.py"}};
  const Plan plan = make_plan(req, files);
  const std::vector<std::string> all = {"subprocess", "subprocess-fork", "subprocess-zygote"};
  EXPECT_EQ(labels_for(plan, "pingpong"), std::vector<std::string>{"subprocess"});
  EXPECT_EQ(labels_for(plan, "memory"), all);
  EXPECT_EQ(labels_for(plan, "startup"), all);
  for (auto& c : plan.children) {
    EXPECT_EQ(c.params["backend"], c.row.label());
    EXPECT_EQ(c.row.kind, RowKind::kBackend);
  }
  EXPECT_EQ(plan.options["rows"], nlohmann::json(all));
}

TEST(PlanTest, ExplicitStartMethodsApplyToEveryWorkload) {
  PlanRequest req;
  req.rows = {"subprocess", "thread"};
  req.start_methods = parse_start_methods("zygote,exec,zygote");
  const Plan plan = make_plan(req, some_workloads());
  for (const char* w : {"pingpong", "memory", "stream"}) {
    EXPECT_EQ(labels_for(plan, w), (std::vector<std::string>{"subprocess-zygote", "subprocess", "thread"})) << w;
  }
  EXPECT_EQ(plan.options["start_methods"], nlohmann::json({"zygote", "exec"}));
  EXPECT_NE(error_of([] { parse_start_methods("exec,posix"); }).find("'posix'"), std::string::npos);
  EXPECT_NE(error_of([] { parse_start_methods(","); }), "");
}

TEST(PlanTest, BareInterpIsABaselineForStartupOnly) {
  PlanRequest req;
  const std::vector<WorkloadFile> files = {{"pingpong", "/w/pingpong.py"}, {"startup", "/w/startup.py"}};
  const Plan plan = make_plan(req, files);
  std::vector<std::string> where;
  for (auto& c : plan.children) {
    if (c.row.name != "bare-interp") continue;
    where.push_back(c.workload.name);
    EXPECT_EQ(c.row.kind, RowKind::kBaseline);
    EXPECT_EQ(to_string(c.row.kind), "baseline");
  }
  EXPECT_EQ(where, std::vector<std::string>{"startup"});
}

TEST(PlanTest, UnknownRowOrWorkloadIsBadInputNamingIt) {
  PlanRequest req;
  req.rows = {"nosuch"};
  std::string msg = error_of([&] { make_plan(req, some_workloads()); });
  EXPECT_NE(msg.find("'nosuch'"), std::string::npos);
  EXPECT_NE(msg.find("subinterp"), std::string::npos);
  req.rows = {};
  req.workloads = {"nbody"};
  msg = error_of([&] { make_plan(req, some_workloads()); });
  EXPECT_NE(msg.find("'nbody'"), std::string::npos);
  EXPECT_NE(msg.find("pingpong"), std::string::npos);
}

TEST(PlanTest, WorkloadFilesReplaceTheDefaultWorkloads) {
  PlanRequest req;
  req.rows = {"thread"};
  req.workload_files = {"/tmp/mine.py"};
  const Plan plan = make_plan(req, some_workloads());
  ASSERT_EQ(plan.children.size(), 1u);
  EXPECT_EQ(plan.children[0].workload.name, "mine");
}

TEST(DiscoverTest, FindsPythonFilesButNotPrivateOnes) {
  const auto dir = std::filesystem::temp_directory_path() / ("plan_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (const char* f : {"b.py", "a.py", "_helper.py", "notes.txt"}) std::ofstream(dir / f) << "\n";
  const auto found = discover_workloads(dir);
  std::filesystem::remove_all(dir);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].name, "a");
  EXPECT_EQ(found[1].name, "b");
}

}  // namespace
}  // namespace interpbench
