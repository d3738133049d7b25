// run_driver_host end to end: embeds CPython, runs a workload's driver against a backend and
// writes the child result file. Each case runs in a forked process, because run_driver_host
// initializes (and finalizes) the interpreter itself and CPython can't be re-initialized.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "backends/python/driver_host.h"
#include "backends/python/embed.h"
#include "core/row_catalogue.h"

namespace interpbench {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The running test's name as one path component: a parameterized test is named "Name/0", and
// the '/' would make a nested directory whose parent outlives the test's cleanup.
std::string file_name_of_test() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (char& c : name)
    if (c == '/') c = '_';
  return name;
}

constexpr auto kChildTimeout = std::chrono::seconds(60);

const char* kParams =
    R"({"sizes": [4], "repetitions": 1, "warmup": 0, "iterations": 5, "workers": [2],)"
    R"( "cores": 2, "suite": "test", "timeout": 20, "backend": "test"})";

// Runs run_driver_host in a child process; returns its exit code, or -signal. Kills the child if
// it outlives kChildTimeout.
int run_in_child(const ChildRequest& req) {
  pid_t pid = fork();
  if (pid == 0) {
    int code = 1;
    try {
      code = run_driver_host(req);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "run_driver_host threw: %s\n", e.what());
    }
    std::fflush(nullptr);
    _exit(code);
  }
  auto give_up = std::chrono::steady_clock::now() + kChildTimeout;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > give_up) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      ADD_FAILURE() << "run_driver_host did not finish in time";
      return -SIGKILL;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

class DriverHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("interpbench-driver-host-" + std::to_string(getpid()) + "-" +
            file_name_of_test());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `workload` (a fixture stem or a path) on `row`; returns the parsed result file.
  json run(const std::string& row, const fs::path& workload, bool shared_gil = false) {
    ChildRequest req;
    req.row = row;
    req.workload = WorkloadRef{workload, workload.stem().string(), kParams};
    req.options.shared_gil = shared_gil;
    req.result_file = dir_ / "result.json";
    req.timeout_s = 20;
    int code = run_in_child(req);
    EXPECT_EQ(code, 0);
    std::ifstream in(req.result_file);
    if (!in) {
      ADD_FAILURE() << "no result file";
      return json::object();
    }
    return json::parse(in);
  }

  static fs::path fixture(const std::string& stem) {
    return fs::path(INTERPBENCH_TEST_FIXTURES) / (stem + ".py");
  }

  fs::path dir_;
};

void expect_common_fields(const json& r, const std::string& row, const std::string& workload) {
  EXPECT_EQ(r.at("schema"), "interpbench-child/1");
  EXPECT_EQ(r.at("row"), row);
  EXPECT_EQ(r.at("kind"), "backend");
  EXPECT_EQ(r.at("workload"), workload);
  EXPECT_TRUE(r.at("python").is_string());
  EXPECT_TRUE(r.at("notes").is_array());
  EXPECT_TRUE(r.at("results").is_array());
  EXPECT_TRUE(r.at("worker_errors").is_array());
  EXPECT_TRUE(r.contains("skipped"));
}

class DriverHostRowTest : public DriverHostTest,
                          public ::testing::WithParamInterface<std::string> {};

TEST_P(DriverHostRowTest, PingWritesAWellFormedResultFile) {
  json r = run(GetParam(), fixture("ping"));
  expect_common_fields(r, GetParam(), "ping");
  EXPECT_TRUE(r.at("error").is_null()) << r.dump(2);
  EXPECT_TRUE(r.at("worker_errors").empty()) << r.dump(2);
  ASSERT_EQ(r.at("results").size(), 1u) << r.dump(2);
  const json& result = r["results"][0];
  EXPECT_EQ(result.at("name"), "ping/4");
  EXPECT_EQ(result.at("metric"), "round_trip");
  EXPECT_EQ(result.at("params").at("backend"), GetParam());
  EXPECT_EQ(result.at("params").at("workers"), 2);
  EXPECT_EQ(result.at("params").at("memory_scope"), "host");
  EXPECT_EQ(result.at("params").at("memory_entries"), 1);
  EXPECT_GT(result.at("params").at("rss_kib").get<long>(), 0);
  const json& samples = result.at("repetitions").at(0);
  EXPECT_EQ(samples.size(), 10u);  // 5 iterations x 2 workers
  for (const json& s : samples) EXPECT_GT(s.get<long>(), 0);
}

TEST_P(DriverHostRowTest, WorkerErrorBecomesTheDriversErrorAndAWorkerError) {
  json r = run(GetParam(), fixture("raises"));
  expect_common_fields(r, GetParam(), "raises");
  ASSERT_TRUE(r.at("error").is_string());
  EXPECT_EQ(r["error"], "RuntimeError: worker 0: ValueError: boom");
  ASSERT_EQ(r.at("worker_errors").size(), 1u);
  EXPECT_EQ(r["worker_errors"][0].at("worker"), 0);
  EXPECT_EQ(r["worker_errors"][0].at("error"), "ValueError: boom");
  EXPECT_NE(r["worker_errors"][0].at("traceback").get<std::string>().find("raise ValueError"),
            std::string::npos);
}

TEST_P(DriverHostRowTest, WorkerThatNeverFinishesIsReportedAndTheChildStillEnds) {
  if (GetParam() == "subinterp" && !py::kHasPerInterpreterGil) {
    // 3.11 keeps the GIL drop request per interpreter while the GIL is shared: a busy
    // subinterpreter never hands the GIL back to the driver. Only the supervisor's kill helps.
    GTEST_SKIP() << "a busy 3.11 subinterpreter starves the main interpreter of the shared GIL";
  }
  json r = run(GetParam(), fixture("hangs"));
  ASSERT_TRUE(r.at("error").is_string());
  EXPECT_EQ(r["error"], "RuntimeError: worker 0: did not finish within 0.5s");
  ASSERT_EQ(r.at("worker_errors").size(), 1u);
  EXPECT_EQ(r["worker_errors"][0].at("error"), "did not finish within 0.5s");
}

// The backend rows whose workers live in the driver host's process.
std::vector<std::string> in_process_backends() {
  std::vector<std::string> rows;
  for (const auto& row : row_catalogue())
    if (row.kind == RowKind::kBackend && row.in_process) rows.emplace_back(row.name);
  return rows;
}

INSTANTIATE_TEST_SUITE_P(InProcessRows, DriverHostRowTest, ::testing::ValuesIn(in_process_backends()),
                         [](const auto& info) { return info.param; });

TEST_F(DriverHostTest, SubinterpRowReportsItsGilMode) {
  json own = run("subinterp", fixture("early_return"));
  json shared = run("subinterp", fixture("early_return"), /*shared_gil=*/true);
  auto says_shared = [](const json& r) {
    for (const auto& note : r.at("notes"))
      if (note.get<std::string>().find("share") != std::string::npos) return true;
    return false;
  };
  if (py::kHasPerInterpreterGil) {
    EXPECT_EQ(own.at("gil"), "own");
    EXPECT_FALSE(says_shared(own)) << own.at("notes");  // other notes (3.12.x bugs) may appear
  } else {
    EXPECT_EQ(own.at("gil"), "shared");
    EXPECT_TRUE(says_shared(own)) << own.at("notes");  // subinterpreters share one GIL here
  }
  EXPECT_EQ(shared.at("gil"), "shared");
  EXPECT_TRUE(says_shared(shared)) << shared.at("notes");
}

TEST_F(DriverHostTest, SyntaxErrorInTheWorkloadIsTheRowsError) {
  json r = run("thread", fixture("broken_syntax"));
  ASSERT_TRUE(r.at("error").is_string());
  EXPECT_EQ(r["error"].get<std::string>().rfind("SyntaxError", 0), 0u) << r["error"];
  EXPECT_TRUE(r.at("results").empty());
}

TEST_F(DriverHostTest, MissingFunctionsAreNamed) {
  json r = run("subinterp", fixture("no_functions"));
  ASSERT_TRUE(r.at("error").is_string());
  EXPECT_NE(r["error"].get<std::string>().find("defines no driver(ctx, params)"),
            std::string::npos)
      << r["error"];
}

TEST_F(DriverHostTest, MissingFileIsTheRowsError) {
  json r = run("thread", dir_ / "does_not_exist.py");
  ASSERT_TRUE(r.at("error").is_string());
  EXPECT_NE(r["error"].get<std::string>().find("does_not_exist.py"), std::string::npos)
      << r["error"];
}

TEST_F(DriverHostTest, UnknownRowIsTheRowsError) {
  json r = run("no-such-backend", fixture("ping"));
  ASSERT_TRUE(r.at("error").is_string());
  EXPECT_NE(r["error"].get<std::string>().find("no-such-backend"), std::string::npos);
}

}  // namespace
}  // namespace interpbench
