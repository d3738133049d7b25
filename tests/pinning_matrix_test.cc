// params["pin"] on every row, end to end: each row runs as the supervisor starts it (`_child` of
// the built binary, or runners/reference), with tests/fixtures/affinity.py, whose workers send
// their CPU mask and whose driver records its own after ctx.start(n). The same plan gives the
// same placement on every row, and the child result file's "pinning" says what happened. After
// each run no process (we are the subreaper) and no shared-memory segment of it is left.
#include <sched.h>

#include <chrono>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "backends/cpu_pinning.h"
#include <nlohmann/json.hpp>

#include "core/paths.h"
#include "core/row_catalogue.h"
#include "runners/supervisor.h"
#include "tests/process_checks.h"
#include "tests/sanitizer.h"

namespace interpbench {

// The test's parameter, by name (gtest would dump its bytes). ADL finds it here.
void PrintTo(const RowSpec& row, std::ostream* os) { *os << row.label(); }

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using namespace interpbench::testing;

// The first two CPUs this process may use, or fewer.
std::vector<int> first_two_cpus() {
  std::vector<int> cpus = thread_cpus();
  if (cpus.size() > 2) cpus.resize(2);
  return cpus;
}

json pin(const std::string& mode, const std::vector<int>& cpus) {
  return {{"mode", mode}, {"cpus", cpus}};
}

class PinningTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { become_subreaper(); }
  void SetUp() override {
    cpus_ = first_two_cpus();
    if (cpus_.size() < 2) GTEST_SKIP() << "needs 2 CPUs in this process's affinity mask";
  }
  void TearDown() override { reap_leftover_children(); }

  // Runs `workload` on `row` as the supervisor would; the child result file, or null.
  json run(const RowSpec& row, const fs::path& workload, json params) {
    params["timeout"] = 20;
    PlannedChild child;
    child.row = row;
    child.workload = {workload.stem().string(), workload};
    child.params = params;
    child.timeout_s = 20;
    SupervisorOptions options;
    options.self_exe = INTERPBENCH_BIN;
    options.python = python_executable();
    options.reference_script = reference_script();
    const fs::path result_file = dir_.path() / "result.json";
    ChildProcess process(child_command(child, options, result_file));
    const auto status = process.wait(Deadline::after(90s));
    if (!status) {
      process.kill_and_reap();
      ADD_FAILURE() << row.label() << " hung";
      return nullptr;
    }
    EXPECT_TRUE(status->success())
        << row.label() << ": " << status->describe() << "\n" << process.stderr_tail();
    // Nothing of the run is left: its segments are named after the child's pid.
    EXPECT_EQ(segments_of(process.pid()), std::vector<std::string>{});
    EXPECT_EQ(children(), std::vector<pid_t>{});
    std::ifstream in(result_file);
    if (!in) {
      ADD_FAILURE() << row.label() << " wrote no result file: " << process.stderr_tail();
      return nullptr;
    }
    return json::parse(in);
  }

  std::vector<int> cpus_;
  TempDir dir_{"pinning-test"};
};

// The rows with a driver and workers: our backends (subprocess with each start method) and the
// reference rows that match them.
class RowPinningTest : public PinningTest, public ::testing::WithParamInterface<RowSpec> {
 protected:
  // The affinity fixture on this test's row: its results, one per worker count, after checking
  // the row ran. Empty when the row is skipped on this Python.
  json run_affinity(const json& workers, const json& pin_param) {
    const json r = run(GetParam(), fs::path(CLI_FIXTURES_DIR) / "affinity.py",
                       {{"workers", workers}, {"pin", pin_param}});
    if (r.is_null()) return json::array();
    if (r["skipped"].is_string()) {
      skipped_ = r["skipped"];
      return json::array();
    }
    EXPECT_TRUE(r["error"].is_null()) << r.dump(1);
    EXPECT_TRUE(r["worker_errors"].empty()) << r.dump(1);
    pinning_ = r["pinning"];
    return r["results"];
  }

  json pinning_;
  std::string skipped_;
};

TEST_P(RowPinningTest, AutoGivesTheDriverAndEachWorkerTheirOwnCpuOnlyWhenAllFit) {
  // The only test here that starts a second worker group in one driver process. ThreadSanitizer's
  // runtime starts its own background thread when the process creates its first thread (the
  // first group's) and keeps it: the driver then has 2 threads, and the fork start method refuses
  // a multi-threaded driver (fork_refusal) as it must; TSan cannot follow such a fork either.
  if (GetParam().label() == "subprocess-fork" && testing::sanitizer() == "tsan") {
    GTEST_SKIP() << "under TSan the driver always runs TSan's background thread after its first "
                    "group, and the fork start method refuses a multi-threaded driver";
  }
  const json results = run_affinity({1, 2}, pin("auto", cpus_));
  if (!skipped_.empty()) GTEST_SKIP() << skipped_;
  ASSERT_EQ(results.size(), 2u);
  const json& one = results[0]["params"];
  EXPECT_EQ(one["driver_cpus"], json({cpus_[0]}));
  EXPECT_EQ(one["worker_cpus"], json({{cpus_[1]}}));
  // Three sides, two CPUs: nobody pinned, and the driver undid its pin of the first start.
  const json& two = results[1]["params"];
  EXPECT_EQ(two["driver_cpus"], json(cpus_));
  EXPECT_EQ(two["worker_cpus"], json({cpus_, cpus_}));
  EXPECT_EQ(pinning_, (json{{"mode", "auto"},
                            {"cpus", cpus_},
                            {"starts", {{"1", true}, {"2", false}}}}));
}

TEST_P(RowPinningTest, OffRunsTheDriverAndWorkersOnAllCpus) {
  const json results = run_affinity({1}, pin("off", cpus_));
  if (!skipped_.empty()) GTEST_SKIP() << skipped_;
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0]["params"]["driver_cpus"], json(cpus_));
  EXPECT_EQ(results[0]["params"]["worker_cpus"], json({cpus_}));
  EXPECT_EQ(pinning_, (json{{"mode", "off"}, {"cpus", cpus_}, {"starts", {{"1", false}}}}));
}

TEST_P(RowPinningTest, ARefusedCpuIsNoErrorTheStartIsRecordedUnpinned) {
  // CPU 4000 exists on no machine this runs on: worker 0's pin is refused, so it runs on what
  // the kernel allows of the plan's CPUs (the first), and the start is not pinned.
  const json results = run_affinity({1}, pin("auto", {cpus_[0], 4000}));
  if (!skipped_.empty()) GTEST_SKIP() << skipped_;
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0]["params"]["driver_cpus"], json({cpus_[0]}));
  EXPECT_EQ(results[0]["params"]["worker_cpus"], json({{cpus_[0]}}));
  EXPECT_EQ(pinning_["starts"], (json{{"1", false}}));
}

// Every row with Python workers, once; subprocess once per start method, since each starts its
// workers (and pins them) its own way.
std::vector<RowSpec> rows_with_workers() {
  std::vector<RowSpec> rows;
  for (const auto& row : row_catalogue()) {
    if (row.kind != RowKind::kBackend && row.kind != RowKind::kReference) continue;
    std::vector<std::string_view> methods(row.method_names.begin(), row.method_names.end());
    if (methods.empty()) methods = {""};
    if (row.methods != RowMethods::kStartMethods) methods.resize(1);
    for (auto m : methods) rows.push_back(row_spec(row, m));
  }
  return rows;
}

INSTANTIATE_TEST_SUITE_P(
    EveryRow, RowPinningTest,
    ::testing::ValuesIn(rows_with_workers()),
    [](const auto& info) {
      std::string name = info.param.label();
      for (char& c : name) {
        if (c == '-') c = '_';
      }
      return name;
    });

// The C++-only rows have no workers to report: their result file says how they ran.
TEST_F(PinningTest, FloorMemcpyAndBareInterpRecordTheirPinning) {
  const fs::path workloads = workloads_dir();
  const json small = {{"sizes", {8}}, {"repetitions", 1}, {"warmup", 1}, {"iterations", 3}};
  const struct {
    RowSpec row;
    std::string workload;
  } rows[] = {{{"floor", RowKind::kFloor, ""}, "pingpong"},
              {{"memcpy", RowKind::kFloor, ""}, "stream"},
              {{"bare-interp", RowKind::kBaseline, ""}, "startup"}};
  for (const auto& r : rows) {
    for (const std::string mode : {"auto", "off"}) {
      SCOPED_TRACE(r.row.name + " " + mode);
      json params = small;
      params["pin"] = pin(mode, cpus_);
      const json result = run(r.row, workloads / (r.workload + ".py"), params);
      ASSERT_FALSE(result.is_null());
      EXPECT_TRUE(result["error"].is_null()) << result.dump(1);
      EXPECT_EQ(result["pinning"],
                (json{{"mode", mode}, {"cpus", cpus_}, {"starts", {{"1", mode == "auto"}}}}));
    }
  }
}

}  // namespace
}  // namespace interpbench
