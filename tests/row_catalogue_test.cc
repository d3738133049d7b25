#include "core/row_catalogue.h"

#include <algorithm>
#include <chrono>
#include <sstream>

#include <gtest/gtest.h>

#include "backends/backend.h"
#include "core/errors.h"
#include "core/paths.h"
#include "platform/run_captured.h"
#include "runners/plan.h"
#include "runners/subinterp_modes.h"

namespace interpbench {
namespace {

using Strings = std::vector<std::string>;

// The labels a quick plan gives `workload` when the command line names `rows`.
Strings planned_labels(const Strings& rows, const std::string& workload,
                       std::optional<Strings> start_methods = std::nullopt) {
  PlanRequest request;
  request.suite = "quick";
  request.rows = rows;
  request.workloads = {workload};
  request.start_methods = std::move(start_methods);
  request.gil = Strings{"own", "shared"};
  request.config = Strings{"isolated", "legacy"};
  const std::vector<WorkloadFile> available = {{"pingpong", "pingpong.py"},
                                               {"startup", "startup.py"},
                                               {"stream", "stream.py"}};
  Strings labels;
  for (const auto& child : make_plan(request, available).children) labels.push_back(child.row.label());
  return labels;
}

Strings words(const std::string& line) {
  std::istringstream in(line);
  Strings out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST(RowCatalogueTest, EveryRowTheCliAcceptsIsInTheCatalogue) {
  Strings catalogue;
  for (const RowInfo& row : row_catalogue()) catalogue.emplace_back(row.name);
  EXPECT_EQ(row_names(), catalogue);
  for (const auto& name : row_names()) {
    EXPECT_EQ(std::count(catalogue.begin(), catalogue.end(), name), 1) << name;
    EXPECT_NO_THROW(planned_labels({name}, "stream")) << name;
    ASSERT_NE(find_row(name), nullptr) << name;
    EXPECT_EQ(find_row(name)->name, name);
  }
  try {
    planned_labels({"fibers"}, "stream");
    ADD_FAILURE() << "an unknown row was accepted";
  } catch (const BadInput& e) {
    for (const auto& name : row_names()) EXPECT_NE(std::string(e.what()).find(name), std::string::npos);
  }
}

// Each kind's rows in catalogue order; our three backends lead, as every report table shows them.
TEST(RowCatalogueTest, RowsOfAKindKeepReportOrder) {
  for (RowKind kind : {RowKind::kBackend, RowKind::kReference, RowKind::kFloor, RowKind::kBaseline}) {
    Strings expected;
    for (const RowInfo& row : row_catalogue())
      if (row.kind == kind) expected.emplace_back(row.name);
    EXPECT_EQ(row_names(kind), expected) << to_string(kind);
    EXPECT_FALSE(expected.empty()) << to_string(kind);
  }
  const Strings all = row_names();
  ASSERT_GE(all.size(), 3u);
  EXPECT_EQ(Strings(all.begin(), all.begin() + 3), (Strings{"subinterp", "subprocess", "thread"}));
  EXPECT_EQ(backend_names(), row_names(RowKind::kBackend));
}

TEST(RowCatalogueTest, MethodsExpandIntoLabels) {
  EXPECT_EQ(row_labels(*find_row("subprocess")),
            (Strings{"subprocess", "subprocess-fork", "subprocess-zygote"}));
  EXPECT_EQ(row_labels(*find_row("subinterp")),
            (Strings{"subinterp", "subinterp-shared", "subinterp-legacy"}));
  EXPECT_EQ(row_labels(*find_row("py-multiprocessing")),
            (Strings{"py-multiprocessing-fork", "py-multiprocessing-forkserver",
                     "py-multiprocessing-spawn"}));
  EXPECT_EQ(row_labels(*find_row("thread")), (Strings{"thread"}));
  EXPECT_EQ(planned_labels({"subprocess"}, "pingpong", Strings{"exec", "fork", "zygote"}),
            (Strings{"subprocess", "subprocess-fork", "subprocess-zygote"}));
  EXPECT_EQ(planned_labels({"subinterp"}, "pingpong"),
            (Strings{"subinterp", "subinterp-shared", "subinterp-legacy"}));
  EXPECT_EQ(planned_labels({"py-multiprocessing"}, "pingpong"), (Strings{"py-multiprocessing-fork"}));
}

TEST(RowCatalogueTest, CppOnlyRowsRunOnlyTheirWorkloads) {
  EXPECT_EQ(planned_labels({"floor", "memcpy", "bare-interp"}, "pingpong"), (Strings{"floor"}));
  EXPECT_EQ(planned_labels({"floor", "memcpy", "bare-interp"}, "stream"), (Strings{"floor", "memcpy"}));
  EXPECT_EQ(planned_labels({"floor", "memcpy", "bare-interp"}, "startup"), (Strings{"bare-interp"}));
  EXPECT_TRUE(runs_workload(*find_row("thread"), "anything"));
}

TEST(RowCatalogueTest, FindsRowsByLabel) {
  EXPECT_EQ(find_row("subprocess-zygote")->name, "subprocess");
  EXPECT_EQ(find_row("py-multiprocessing-spawn")->name, "py-multiprocessing");
  EXPECT_EQ(find_row("subinterp-legacy")->name, "subinterp");
  EXPECT_EQ(find_row("subinterp-shared")->kind, RowKind::kBackend);
  for (const char* unknown : {"", "subinterp-", "subprocess-exec", "py-threading-fork", "fibers"})
    EXPECT_EQ(find_row(unknown), nullptr) << unknown;
}

TEST(RowCatalogueTest, SaysWhichRowsShareOneProcess) {
  for (const char* label : {"subinterp", "subinterp-shared", "subinterp-legacy", "thread",
                            "py-threading", "py-interpreters", "py-interpreters-poll"})
    EXPECT_TRUE(runs_in_one_process(label)) << label;
  for (const char* label : {"subprocess", "subprocess-fork", "subprocess-zygote",
                            "py-multiprocessing-fork", "py-multiprocessing-spawn", "floor", "memcpy",
                            "bare-interp", "fibers"})
    EXPECT_FALSE(runs_in_one_process(label)) << label;
}

TEST(RowCatalogueTest, MethodsMatchTheirImplementations) {
  Strings start_methods(kStartMethodNames.begin(), kStartMethodNames.end());
  Strings catalogue(find_row("subprocess")->method_names.begin(), find_row("subprocess")->method_names.end());
  EXPECT_EQ(catalogue, start_methods);
  Strings modes;
  for (const auto& m : subinterp_modes(Strings{"own", "shared"}, Strings{"isolated", "legacy"}))
    modes.push_back(m.method);
  catalogue.assign(find_row("subinterp")->method_names.begin(), find_row("subinterp")->method_names.end());
  EXPECT_EQ(catalogue, modes);
}

// runners/reference/ implements every reference row of the catalogue, with its start methods.
TEST(RowCatalogueTest, ReferencePackageRunsTheCataloguesReferenceRows) {
  SpawnOptions spawn;
  spawn.executable = python_executable();
  spawn.args = {"-c",
                "import sys; sys.path.insert(0, sys.argv[1]); from reference import rows; "
                "print(*rows.all_rows()); print(*rows.all_rows()['py-multiprocessing'].methods)",
                reference_script().parent_path().string()};
  spawn.stdout_mode = SpawnOptions::Output::kCapture;
  const Captured run = run_captured(spawn, std::chrono::seconds(30));
  ASSERT_TRUE(run.status.success()) << run.stderr_tail;
  const auto newline = run.out.find('\n');
  EXPECT_EQ(words(run.out.substr(0, newline)), row_names(RowKind::kReference));
  const RowInfo& mp = *find_row("py-multiprocessing");
  EXPECT_EQ(words(run.out.substr(newline + 1)), Strings(mp.method_names.begin(), mp.method_names.end()));
}

}  // namespace
}  // namespace interpbench
