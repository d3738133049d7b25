#include "runners/environment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace interpbench {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A clone (.git a directory, a loose or a packed ref) and a worktree (.git a file pointing to its
// gitdir, whose refs are in the commondir).
TEST(GitCommitTest, ReadsCloneAndWorktreeLayouts) {
  const fs::path root = fs::temp_directory_path() / ("interpbench-git-" + std::to_string(getpid()));
  const std::string a(40, 'a'), b(40, 'b'), c(40, 'c');
  write(root / "clone/.git/HEAD", "ref: refs/heads/main\n");
  write(root / "clone/.git/refs/heads/main", a + "\n");
  EXPECT_EQ(git_commit_of(root / "clone"), a);

  write(root / "packed/.git/HEAD", "ref: refs/heads/main\n");
  write(root / "packed/.git/packed-refs", "# pack-refs\n" + b + " refs/heads/main\n");
  EXPECT_EQ(git_commit_of(root / "packed"), b);

  write(root / "wt/.git", "gitdir: " + (root / "clone/.git/worktrees/wt").string() + "\n");
  write(root / "clone/.git/worktrees/wt/HEAD", "ref: refs/heads/topic\n");
  write(root / "clone/.git/worktrees/wt/commondir", "../..\n");
  write(root / "clone/.git/refs/heads/topic", c + "\n");
  EXPECT_EQ(git_commit_of(root / "wt"), c);

  write(root / "detached/.git/HEAD", a + "\n");
  EXPECT_EQ(git_commit_of(root / "detached"), a);
  EXPECT_TRUE(git_commit_of(root / "nowhere").is_null());
  fs::remove_all(root);
}

// A quiet machine: no warning expected.
json quiet_env() {
  return {{"num_cpus", 4},
          {"load_avg", {0.1, 0.1, 0.1}},
          {"cpu_governor", "performance"},
          {"virtualization", {{"detected", false}, {"what", "none"}, {"hypervisor_flag", false}}},
          {"python", {{"debug", false}}},
          {"interpbench", {{"build_type", "release"}}}};
}

bool any_contains(const std::vector<std::string>& lines, const std::string& needle) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const std::string& l) { return l.find(needle) != std::string::npos; });
}

TEST(EnvironmentTest, QuietMachineGivesNoWarning) {
  EXPECT_TRUE(environment_warnings(quiet_env(), 4).empty());
}

TEST(EnvironmentTest, EveryWarningSuggestsAFix) {
  json env = quiet_env();
  env["cpu_governor"] = "powersave";
  env["load_avg"] = {3.5, 1.0, 1.0};
  env["virtualization"] = {{"detected", true}, {"what", "kvm"}, {"hypervisor_flag", true}};
  env["python"]["debug"] = true;
  env["interpbench"]["build_type"] = "debug";
  const auto w = environment_warnings(env, 8);
  ASSERT_EQ(w.size(), 6u);
  for (const auto& line : w) EXPECT_THAT(line, HasSubstr("fix:"));
  EXPECT_TRUE(any_contains(w, "'powersave'"));
  EXPECT_TRUE(any_contains(w, "load average 3.50 on 4 CPUs"));
  EXPECT_TRUE(any_contains(w, "virtual machine (kvm)"));
  EXPECT_TRUE(any_contains(w, "8 workers on 4 CPUs"));
  EXPECT_TRUE(any_contains(w, "interpbench is a debug build"));
  EXPECT_TRUE(any_contains(w, "Python is a debug build"));
}

TEST(EnvironmentTest, PythonWithoutPerInterpreterGilIsAWarning) {
  json env = quiet_env();
  env["python"]["per_interpreter_gil"] = true;
  EXPECT_TRUE(environment_warnings(env, 1).empty());
  env["python"]["per_interpreter_gil"] = false;
  env["python"]["version_info"] = "3.11.7";
  const auto w = environment_warnings(env, 1);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_THAT(w[0], HasSubstr("Python 3.11.7 has no per-interpreter GIL"));
  EXPECT_THAT(w[0], HasSubstr("share one GIL"));
  EXPECT_THAT(w[0], HasSubstr("fix:"));
}

TEST(EnvironmentTest, AbsentGovernorIsNotAWarning) {
  json env = quiet_env();
  env["cpu_governor"] = nullptr;
  EXPECT_TRUE(environment_warnings(env, 1).empty());
  env.erase("cpu_governor");
  EXPECT_TRUE(environment_warnings(env, 1).empty());
}

TEST(EnvironmentTest, WorkersUpToTheCpuCountAreFine) {
  EXPECT_FALSE(any_contains(environment_warnings(quiet_env(), 4), "workers"));
  EXPECT_TRUE(any_contains(environment_warnings(quiet_env(), 5), "workers"));
}

TEST(EnvironmentTest, CollectsMachineAndPythonFacts) {
  const json env = collect_environment(INTERPBENCH_PYTHON_EXECUTABLE);
  EXPECT_TRUE(env["date"].is_string());
  EXPECT_GE(env["num_cpus"].get<int>(), 1);
  EXPECT_TRUE(env["host_name"].is_string());
  EXPECT_TRUE(env["caches"].is_array());
  for (const auto& c : env["caches"]) {
    EXPECT_TRUE(c.contains("type") && c.contains("level") && c.contains("size") &&
                c.contains("num_sharing"));
  }
  EXPECT_EQ(env["load_avg"].size(), 3u);
  EXPECT_TRUE(env["kernel"]["release"].is_string());
  ASSERT_TRUE(env["python"]["error"].is_null()) << env["python"].dump();
  EXPECT_THAT(env["python"]["version_info"].get<std::string>(), ::testing::MatchesRegex("3\\.[0-9]+\\.[0-9]+"));
  EXPECT_TRUE(env["python"]["shared"].is_boolean());
  EXPECT_TRUE(env["python"]["gil_disabled"].is_boolean());
  const std::string v = env["python"]["version_info"].get<std::string>();
  EXPECT_EQ(env["python"]["per_interpreter_gil"].get<bool>(), std::stoi(v.substr(2)) >= 12) << v;
  EXPECT_TRUE(env["interpbench"]["build_type"].is_string());
  // The build, as far as sysconfig shows it: what a multi-Python report puts side by side.
  for (const char* key : {"debug", "pgo", "lto"}) EXPECT_TRUE(env["python"][key].is_boolean()) << key;
  EXPECT_TRUE(env["python"]["config_args"].is_string());
  EXPECT_TRUE(env["python"]["abiflags"].is_string());
  EXPECT_THAT(env["python"]["build_flags"].get<std::string>(), HasSubstr("--enable-shared"));
}

TEST(EnvironmentTest, BuildFlagsNameEachFactOrSayItIsUnknown) {
  EXPECT_EQ(python_build_flags({{"shared", true}, {"debug", false}, {"pgo", true}, {"lto", false},
                                {"gil_disabled", false}}),
            "--enable-shared, release, PGO (--enable-optimizations), no LTO, GIL");
  EXPECT_EQ(python_build_flags({{"shared", false}, {"debug", true}, {"pgo", false}, {"lto", true},
                                {"gil_disabled", true}}),
            "static libpython, debug (--with-pydebug), no PGO, LTO (--with-lto), free-threaded (no GIL)");
  // A run JSON from before these keys existed, or a build without CONFIG_ARGS (pgo: null).
  EXPECT_EQ(python_build_flags({{"shared", true}, {"debug", false}, {"pgo", nullptr}, {"gil_disabled", false}}),
            "--enable-shared, release, PGO not visible, LTO not visible, GIL");
}

TEST(EnvironmentTest, UnusablePythonIsReportedNotThrown) {
  const json env = collect_environment("/nonexistent/python3");
  EXPECT_THAT(env["python"]["error"].get<std::string>(), HasSubstr("/nonexistent/python3"));
  EXPECT_GE(env["num_cpus"].get<int>(), 1);
}

}  // namespace
}  // namespace interpbench
