#pragma once
// The row catalogue: every row interpbench runs (a thing that runs a workload), one entry each,
// in report order. The planner, the CLI, the child, the supervisor, the backends' registry, the
// reports and the tests read it: a new row is one entry here plus its implementation.
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace interpbench {

// kBackend: ours; kReference: the standard library's (runners/reference/); kFloor: C++ only,
// no Python; kBaseline: a C++ measurement of what one of our rows can't go below, with Python.
enum class RowKind { kBackend, kReference, kFloor, kBaseline };

std::string_view to_string(RowKind kind);  // "backend" | "reference" | "floor" | "baseline"

// Where a plan takes a row's methods from; each method is a row of its own in the report.
enum class RowMethods {
  kNone,
  kSubinterpModes,  // --gil x --config (runners/subinterp_modes.h)
  kStartMethods,    // --start-method, else the suite's subprocess start methods
  kMpStartMethods,  // the suite's multiprocessing start methods
};

// One row of the catalogue.
struct RowInfo {
  std::string_view name;  // what --backend accepts: "subinterp", "py-multiprocessing", "floor"
  RowKind kind = RowKind::kBackend;
  std::string_view description;  // one line, for `interpbench list`
  // The driver and every worker share one process: a crash takes them all down together.
  bool in_process = false;
  RowMethods methods = RowMethods::kNone;
  // Every method, in report order. The `plain_method` keeps the bare name as its label
  // ("exec": "subprocess", "": "subinterp"); another is appended ("subprocess-zygote").
  std::span<const std::string_view> method_names;
  std::string_view plain_method;
  std::span<const std::string_view> workloads;  // the only workloads it runs; empty: every one
  // No interpbench code on its timed path (a cache line bounced, a memcpy): its figures are the
  // machine's, so a change between two runs is the machine's too (compare says so, never gates).
  bool measures_the_machine = false;
};

// A planned row: a catalogue row with one of its methods ("" for the plain one).
struct RowSpec {
  std::string name;
  RowKind kind = RowKind::kBackend;
  std::string method;
  // What reports call it (docs/json-schema.md): "subinterp-legacy", "py-multiprocessing-spawn".
  std::string label() const;
};

// `row` with `method`; its plain method becomes "" (subprocess's "exec").
RowSpec row_spec(const RowInfo& row, std::string_view method);

// Every row, in report order.
std::span<const RowInfo> row_catalogue();
// Every row name the CLI accepts for --backend, in report order; or those of one kind.
std::vector<std::string> row_names();
std::vector<std::string> row_names(RowKind kind);

// The row of a name or a label ("subprocess-zygote", "py-multiprocessing-spawn",
// "subinterp-legacy"); nullptr for anything else.
const RowInfo* find_row(std::string_view name_or_label);
// Whether that row's driver and workers share one process; false for an unknown row.
bool runs_in_one_process(std::string_view name_or_label);
// Whether that row's figures are the machine's alone (RowInfo::measures_the_machine); false for an
// unknown row.
bool measures_the_machine(std::string_view name_or_label);
// Whether `row` runs `workload` at all.
bool runs_workload(const RowInfo& row, std::string_view workload);

// "subprocess" + "zygote" -> "subprocess-zygote"; the plain method (or "") -> "subprocess".
std::string row_label(const RowInfo& row, std::string_view method);
// Every label the row can have, in report order.
std::vector<std::string> row_labels(const RowInfo& row);

}  // namespace interpbench
