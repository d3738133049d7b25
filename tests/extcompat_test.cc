// The extcompat workload through the real binary on fixture modules (tests/fixtures/extcompat/):
// each outcome is recorded under its module (a hang after params["timeout"]), and a module that
// kills its process costs only its own cell: the subprocess row's driver sees its worker die, the subinterp row's child dies whole
// and the supervisor starts it again from the journal (run_resumable_child).
#include <filesystem>
#include <map>

#include <gtest/gtest.h>

#include "reports/ext_matrix.h"
#include "runners/supervisor.h"

namespace interpbench {
namespace {

namespace fs = std::filesystem;

class ExtcompatTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    // The workload and its fixture modules side by side: the workload's directory is on sys.path.
    for (const auto& f : fs::directory_iterator(fs::path(CLI_FIXTURES_DIR) / "extcompat"))
      fs::copy_file(f.path(), dir_.path() / f.path().filename());
    fs::copy_file(fs::path(INTERPBENCH_SOURCE_DIR) / "workloads" / "extcompat.py",
                  dir_.path() / "extcompat.py");
    options_.self_exe = INTERPBENCH_BIN;
    options_.result_dir = dir_.path();
  }
  TempDir dir_{"extcompat-test"};
  SupervisorOptions options_;
};

TEST_P(ExtcompatTest, EachModuleGetsItsOutcomeAndACrashCostsOnlyItsCell) {
  PlannedChild c;
  c.row = {GetParam(), RowKind::kBackend, ""};
  c.workload = {"extcompat", dir_.path() / "extcompat.py"};
  // sys and marshal are in every fresh worker's sys.modules: after the first answer says so, they
  // are "ok" without a worker of their own.
  c.params = {{"modules", {"extfx_ok", "sys", "extfx_crash", "extfx_importerror", "extfx_hang", "extfx_missing",
                           "marshal"}},
              {"discover", false}, {"timeout", 2}, {"resume_after_crash", 3}};
  c.wall_timeout_s = 120;
  const ChildRun run = run_resumable_child(c, options_, dir_.path() / "r.json", nullptr);
  ASSERT_EQ(run.error, "") << run.stderr_tail;
  std::map<std::string, std::pair<std::string, std::string>> got;  // module -> status, detail
  for (const auto& r : run.child["results"]) {
    EXPECT_TRUE(report::is_status_result(r));
    got[r["params"]["module"]] = {r["status"], r["detail"]};
  }
  ASSERT_EQ(got.size(), 7u) << run.child.dump();
  for (const char* preloaded : {"sys", "marshal"}) {
    EXPECT_EQ(got[preloaded].first, "ok");
    EXPECT_EQ(got[preloaded].second.rfind("in sys.modules of a fresh worker before its import", 0), 0u)
        << preloaded << ": " << got[preloaded].second;
  }
  EXPECT_EQ(got["extfx_ok"].second, "");  // the first module had a worker of its own
  EXPECT_EQ(got["extfx_hang"], std::make_pair(std::string("hang"), std::string("no answer within 2 s")));
  EXPECT_EQ(got["extfx_ok"].first, "ok");
  EXPECT_EQ(got["extfx_importerror"].first, "import_error");
  EXPECT_EQ(got["extfx_importerror"].second, "ImportError: extfx_importerror: refused on purpose");
  EXPECT_EQ(got["extfx_missing"].first, "import_error");
  EXPECT_EQ(got["extfx_crash"].first, "crash");
  EXPECT_EQ(got["extfx_crash"].second, "killed by SIGABRT");
  // Only the in-process row needed a second child; its note says so. The journal is gone.
  const std::string notes = run.child["notes"].dump();
  EXPECT_EQ(notes.find("after a crash (SIGABRT)") != std::string::npos, std::string(GetParam()) == "subinterp")
      << notes;
  EXPECT_FALSE(fs::exists(dir_.path() / "r.json.journal"));
}

INSTANTIATE_TEST_SUITE_P(Rows, ExtcompatTest, ::testing::Values("subinterp", "subprocess"));

}  // namespace
}  // namespace interpbench
