#include "core/row_catalogue.h"

#include <algorithm>
#include <array>

namespace interpbench {
namespace {

// backends/backend.h's StartMethod, runners/subinterp_modes.h's modes, and the start methods
// of runners/reference/ (tests/row_catalogue_test.cc checks each against its source).
constexpr std::string_view kStartMethods[] = {"exec", "fork", "zygote"};
constexpr std::string_view kSubinterpModes[] = {"", "shared", "legacy"};
constexpr std::string_view kMpStartMethods[] = {"fork", "forkserver", "spawn"};

// Workloads the C++-only rows implement (backends/floor.h); elsewhere they have no meaning.
constexpr std::string_view kFloorWorkloads[] = {"pingpong", "stream"};
constexpr std::string_view kMemcpyWorkloads[] = {"stream"};
constexpr std::string_view kLineWorkloads[] = {"pingpong"};
// py-interpreters' documented queue API costs ~10 ms a message (its get() sleeps between polls):
// latency shows that, and the applications show what it costs real work (in fewer rounds, see
// the suites' row_rounds_cap); the rest would take minutes per row, and its startup is the same
// interpreters.create() as py-interpreters-poll's (which runs them all).
constexpr std::string_view kInterpretersApiWorkloads[] = {"pingpong", "apps"};
// An executor runs functions: the workloads that define task(message) (task farms).
constexpr std::string_view kExecutorWorkloads[] = {"taskfarm", "scaling", "apps"};
// bare-interp is the floor under startup's figures.
constexpr std::string_view kBaselineWorkloads[] = {"startup"};

const std::array kRows = {
    RowInfo{.name = "subinterp",
            .kind = RowKind::kBackend,
            .description = "each worker a subinterpreter with its own GIL, on its own thread; --gil shared: "
                           "subinterp-shared, --config legacy: subinterp-legacy (Python 3.11: one GIL for all)",
            .in_process = true,
            .methods = RowMethods::kSubinterpModes,
            .method_names = kSubinterpModes},
    RowInfo{.name = "subprocess",
            .kind = RowKind::kBackend,
            .description = "each worker a process (interpbench-worker) on shared-memory channels; one row "
                           "per start method: subprocess (exec), subprocess-fork, subprocess-zygote",
            .methods = RowMethods::kStartMethods,
            .method_names = kStartMethods,
            .plain_method = "exec"},
    RowInfo{.name = "thread",
            .kind = RowKind::kBackend,
            .description = "each worker a thread of the main interpreter, sharing its GIL",
            .in_process = true},
    RowInfo{.name = "py-threading",
            .kind = RowKind::kReference,
            .description = "reference: threading + queue.Queue",
            .in_process = true},
    RowInfo{.name = "py-multiprocessing",
            .kind = RowKind::kReference,
            .description = "reference: multiprocessing + Pipe, one row per start method of the suite",
            .methods = RowMethods::kMpStartMethods,
            .method_names = kMpStartMethods},
    RowInfo{.name = "py-interpreters",
            .kind = RowKind::kReference,
            .description = "reference: the documented interpreters API with blocking Queue.get()/put() "
                           "(3.13 test.support.interpreters, 3.14 concurrent.interpreters); get() sleeps "
                           "10 ms between polls (CPython gh-143017)",
            .in_process = true,
            .workloads = kInterpretersApiWorkloads},
    RowInfo{.name = "py-interpreters-poll",
            .kind = RowKind::kReference,
            .description = "reference, tuned: the low-level _interpreters + _interpqueues (3.12: "
                           "_xxsubinterpreters + _xxinterpchannels) polled by a spin-then-sleep loop",
            .in_process = true},
    RowInfo{.name = "py-executor-thread",
            .kind = RowKind::kReference,
            .description = "reference: concurrent.futures.ThreadPoolExecutor, submit + Future.result "
                           "(taskfarm, scaling, apps)",
            .in_process = true,
            .workloads = kExecutorWorkloads},
    RowInfo{.name = "py-executor-process",
            .kind = RowKind::kReference,
            .description = "reference: concurrent.futures.ProcessPoolExecutor per start method of the "
                           "suite, submit + Future.result (taskfarm, scaling, apps)",
            .methods = RowMethods::kMpStartMethods,
            .method_names = kMpStartMethods,
            .workloads = kExecutorWorkloads},
    RowInfo{.name = "py-executor-interp",
            .kind = RowKind::kReference,
            .description = "reference: concurrent.futures.InterpreterPoolExecutor (3.14+; skipped "
                           "before), submit + Future.result (taskfarm, scaling, apps)",
            .in_process = true,
            .workloads = kExecutorWorkloads},
    RowInfo{.name = "floor",
            .kind = RowKind::kFloor,
            .description = "C++ only, no Python (pingpong, stream): what the hardware allows",
            .workloads = kFloorWorkloads},
    RowInfo{.name = "floor-line",
            .kind = RowKind::kFloor,
            .description = "C++ only (pingpong, up to 52 B): one cache line bounced between two CPUs, "
                           "the physical limit of a round trip",
            .workloads = kLineWorkloads,
            .measures_the_machine = true},
    RowInfo{.name = "memcpy",
            .kind = RowKind::kFloor,
            .description = "C++ only (stream): one thread's memcpy, the memory bandwidth reference line",
            .workloads = kMemcpyWorkloads,
            .measures_the_machine = true},
    RowInfo{.name = "bare-interp",
            .kind = RowKind::kBaseline,
            .description = "baseline (startup): a thread + a subinterpreter with subinterp's config + "
                           "import _interpbench, timed in C++",
            .workloads = kBaselineWorkloads},
};

}  // namespace

std::string_view to_string(RowKind kind) {
  switch (kind) {
    case RowKind::kBackend: return "backend";
    case RowKind::kReference: return "reference";
    case RowKind::kFloor: return "floor";
    case RowKind::kBaseline: return "baseline";
  }
  return "backend";
}

std::string RowSpec::label() const { return method.empty() ? name : name + "-" + method; }

RowSpec row_spec(const RowInfo& row, std::string_view method) {
  return {std::string(row.name), row.kind, method == row.plain_method ? "" : std::string(method)};
}

std::span<const RowInfo> row_catalogue() { return kRows; }

std::vector<std::string> row_names() {
  std::vector<std::string> names;
  for (const auto& row : kRows) names.emplace_back(row.name);
  return names;
}

std::vector<std::string> row_names(RowKind kind) {
  std::vector<std::string> names;
  for (const auto& row : kRows)
    if (row.kind == kind) names.emplace_back(row.name);
  return names;
}

const RowInfo* find_row(std::string_view name_or_label) {
  for (const auto& row : kRows) {
    if (row.name == name_or_label) return &row;
    const auto labels = row_labels(row);
    if (std::find(labels.begin(), labels.end(), name_or_label) != labels.end()) return &row;
  }
  return nullptr;
}

bool runs_in_one_process(std::string_view name_or_label) {
  const RowInfo* row = find_row(name_or_label);
  return row != nullptr && row->in_process;
}

bool measures_the_machine(std::string_view name_or_label) {
  const RowInfo* row = find_row(name_or_label);
  return row != nullptr && row->measures_the_machine;
}

bool runs_workload(const RowInfo& row, std::string_view workload) {
  return row.workloads.empty() ||
         std::find(row.workloads.begin(), row.workloads.end(), workload) != row.workloads.end();
}

std::string row_label(const RowInfo& row, std::string_view method) {
  if (method.empty() || method == row.plain_method) return std::string(row.name);
  return std::string(row.name) + "-" + std::string(method);
}

std::vector<std::string> row_labels(const RowInfo& row) {
  if (row.method_names.empty()) return {std::string(row.name)};
  std::vector<std::string> labels;
  for (auto method : row.method_names) labels.push_back(row_label(row, method));
  return labels;
}

}  // namespace interpbench
