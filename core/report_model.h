#pragma once
// A run report (docs/json-schema.md), parsed once into typed rows and results. The verdict, the
// console, compare, the targets and the extension matrix read this model, never the raw JSON;
// which figure stands for a result (rounds vs the sample summary) is decided here only.
// (core/run_model.h is the other direction: the supervisor's raw run before it is reported.)
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace interpbench {

inline constexpr int kReportSchemaVersion = 1;

// Reads and validates a run JSON file. Throws BadInput "<path>: <problem>" when the file can't
// be read, is not JSON (or truncated), is not an interpbench report, or has another
// schema_version.
nlohmann::json load_report(const std::filesystem::path& path);

namespace report {

// The sample summary of a result: every sample of every repetition pooled.
struct SampleSummary {
  std::int64_t n = 0;
  double mean = 0, stddev = 0, median = 0, p50 = 0, p99 = 0;
};

struct WorkerError {
  int worker = -1;
  std::string error;
};

// One result of one row, with its figure chosen (figure(), by_round).
struct Result {
  std::string name, metric, unit, timed;
  std::string benchmark_name;  // "" when the report has none
  bool higher_is_better = false;
  nlohmann::json params = nlohmann::json::object();  // the workload's free-form parameters
  std::optional<double> workers;                     // params.workers, when a number
  double bytes_per_op = 0;  // > 0 when the result moves bytes
  // An outcome (workloads/extcompat.py: ok | import_error | error | crash), not a figure.
  bool outcome = false;  // "status" present
  std::string status, detail;

  // The figure: the median over rounds; without rounds (an old report) the sample median.
  double figure = 0;
  // The value in each round (NaN where a round has none), which paired ratios pair by round;
  // without rounds, the repetition means, each its own round.
  std::vector<double> by_round;
  std::int64_t rounds = 0;  // rounds.n: rounds with a value
  double rounds_cv = 0;     // spread between rounds

  SampleSummary summary;
  std::vector<std::int64_t> repetition_counts;  // samples per repetition
  std::optional<bool> pinned;                   // null: the child recorded nothing
  int shared_cpu_repetitions = 0, shared_cpu_sampled = 0;
  std::optional<double> throughput_mean;  // B/s, for a time that moves bytes

  bool is_status() const { return outcome; }
  // Rounds with a finite value.
  std::size_t rounds_with_value() const;
};

struct Row {
  std::string row, kind, workload;
  std::string gil, config, python;  // "" when the report has none
  std::string python_label;         // set when runs of several Pythons share a report
  std::optional<std::string> error, skipped;
  std::string signal, stderr_tail;  // from "exit"
  std::vector<WorkerError> worker_errors;
  std::vector<Result> results;
};

struct Run {
  std::vector<Row> rows;
  nlohmann::json environment = nlohmann::json::object();  // free-form host metadata
  nlohmann::json options = nlohmann::json::object();
  int num_cpus = 0;  // environment.num_cpus
  std::vector<std::string> warnings;
  bool incomplete = false;
  std::string incomplete_reason;
  std::vector<std::string> answer_lines, verdict_lines, targets_lines;  // as the run computed them
};

// A whole report ({"interpbench": ...}) or its "interpbench" section alone. Missing fields take
// their defaults; a field of the wrong type is BadInput naming it ("result 'x': 'unit' is not a
// string").
Run load_run(const nlohmann::json& report);
Run load_interpbench(const nlohmann::json& interpbench);
// load_report(path), then load_run; BadInput is prefixed with the path.
Run load_run(const std::filesystem::path& path);

// A row's identity alone (no results), and one result: for code that still holds raw JSON.
Row load_row_header(const nlohmann::json& row);
Result load_result(const nlohmann::json& result);
// A result that records an outcome ("status": "ok" ...) rather than a measurement.
bool is_status_result(const nlohmann::json& result);

// The measured result `name` with `metric` of the row labelled `row` (a figure > 0, not an
// outcome), or nullptr: what every ratio between two rows starts from.
const Result* find_result(const Run& run, std::string_view row, std::string_view name,
                          std::string_view metric);

}  // namespace report
}  // namespace interpbench
