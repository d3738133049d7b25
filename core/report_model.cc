#include "core/report_model.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include <fmt/format.h>

#include "core/errors.h"
#include "core/utf8.h"

namespace interpbench {

using json = nlohmann::json;

json load_report(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BadInput(fmt::format("{}: cannot read: {}", path.string(), std::strerror(errno)));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  json report;
  try {
    report = json::parse(text);
  } catch (const json::parse_error& e) {
    // Distinguish a cut-off file (a run killed while writing, a partial copy) from non-JSON:
    // the parser ran into the end of the input rather than into a wrong character.
    const auto last = text.find_last_not_of(" \t\r\n");
    const bool truncated = last != std::string::npos && e.byte >= last + 1;
    throw BadInput(fmt::format("{}: {} (byte {})", path.string(),
                               truncated ? "truncated JSON" : "not JSON", e.byte));
  }
  if (!report.is_object() || !report.contains("interpbench") || !report["interpbench"].is_object())
    throw BadInput(fmt::format("{}: not an interpbench report (no 'interpbench' section)",
                               path.string()));
  const json& ib = report["interpbench"];
  if (!ib.contains("schema_version") || !ib["schema_version"].is_number_integer())
    throw BadInput(fmt::format("{}: no schema_version", path.string()));
  const int version = ib["schema_version"].get<int>();
  if (version != kReportSchemaVersion)
    throw BadInput(fmt::format("{}: schema_version {}, this interpbench reads {}", path.string(),
                               version, kReportSchemaVersion));
  if (!ib.contains("rows") || !ib["rows"].is_array())
    throw BadInput(fmt::format("{}: 'interpbench.rows' missing or not a list", path.string()));
  for (const auto& row : ib["rows"])
    if (!row.is_object() || !row.contains("results") || !row["results"].is_array())
      throw BadInput(fmt::format("{}: a row has no 'results' list", path.string()));
  if (!report.contains("benchmarks") || !report["benchmarks"].is_array() ||
      !report.contains("context") || !report["context"].is_object())
    throw BadInput(fmt::format("{}: 'context' or 'benchmarks' missing", path.string()));
  return report;
}

namespace report {
namespace {

// Lenient accessors: a missing field or one of another type gives the default.
std::string text(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}
double number(const json& j, const char* key, double fallback = 0) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : fallback;
}
std::int64_t integer(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<std::int64_t>() : 0;
}
const json& object_at(const json& j, const char* key) {
  static const json kEmpty = json::object();
  return j.is_object() && j.contains(key) && j[key].is_object() ? j[key] : kEmpty;
}
// Each listed string field of `j` into its member of `out` ("row" -> &Row::row).
template <class T>
void read_texts(const json& j, T& out,
                std::initializer_list<std::pair<const char*, std::string T::*>> fields) {
  for (const auto& [key, member] : fields) out.*member = text(j, key);
}
std::vector<double> numbers(const json& list) {
  std::vector<double> out;
  for (const auto& v : list)
    out.push_back(v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN());
  return out;
}

// The fields the model types strictly: the wrong type is bad input, naming the result.
void check_types(const json& r) {
  const auto bad = [&](const char* what) {
    return BadInput(fmt::format(
        "result {}: {}", r.is_object() && r.contains("benchmark_name") ? r["benchmark_name"].dump() : "?",
        what));
  };
  if (!r.is_object() || (r.contains("benchmark_name") && !r["benchmark_name"].is_string()))
    throw bad("no 'benchmark_name' string");
  for (const char* key : {"metric", "unit"})
    if (r.contains(key) && !r[key].is_string()) throw bad("'metric'/'unit' is not a string");
  for (const char* key : {"name", "timed", "status", "detail"})
    if (r.contains(key) && !r[key].is_string()) throw bad(fmt::format("'{}' is not a string", key).c_str());
  // Identity fields reach terminals and tables verbatim: a control character in one is refused
  // (a run never writes one: runners/child_result_check refuses it from a workload).
  for (const char* key : {"name", "metric", "unit", "benchmark_name"})
    if (r.contains(key) && find_control_char(r[key].get<std::string>()) != std::string::npos)
      throw bad(fmt::format("'{}' contains a control character", key).c_str());
  if (r.contains("higher_is_better") && !r["higher_is_better"].is_boolean())
    throw bad("'higher_is_better' is not true/false");
  if (r.contains("summary") && !r["summary"].is_object()) throw bad("'summary' is not an object");
  if (r.contains("repetition_means") && !r["repetition_means"].is_array())
    throw bad("'repetition_means' is not a list");
  if (r.contains("rounds") &&
      (!r["rounds"].is_object() || (r["rounds"].contains("values") && !r["rounds"]["values"].is_array())))
    throw bad("'rounds' is not an object with a 'values' list");
}

// The one place that decides which figure stands for a result: the rounds when the report has
// them (the round is the unit of evidence, docs/design.md "Rounds"), else the sample summary's
// median and the repetition means (reports from before rounds).
void choose_figure(const json& r, Result& out) {
  const json& rounds = object_at(r, "rounds");
  out.rounds = integer(rounds, "n");
  out.rounds_cv = number(rounds, "cv");
  if (rounds.contains("values") && rounds["values"].is_array())
    out.by_round = numbers(rounds["values"]);
  else if (r.contains("repetition_means"))
    out.by_round = numbers(r["repetition_means"]);
  if (out.rounds > 0)
    out.figure = number(rounds, "median");
  else
    out.figure = out.summary.median;
}

}  // namespace

Result load_result(const json& r) {
  check_types(r);
  Result out;
  read_texts<Result>(r, out, {{"name", &Result::name}, {"metric", &Result::metric},
                              {"unit", &Result::unit}, {"timed", &Result::timed},
                              {"benchmark_name", &Result::benchmark_name},
                              {"status", &Result::status}, {"detail", &Result::detail}});
  out.higher_is_better = r.contains("higher_is_better") && r["higher_is_better"].get<bool>();
  if (r.contains("params") && r["params"].is_object()) out.params = r["params"];
  if (out.params.contains("workers") && out.params["workers"].is_number())
    out.workers = out.params["workers"].get<double>();
  out.bytes_per_op = number(r, "bytes_per_op");
  out.outcome = is_status_result(r);
  const json& s = object_at(r, "summary");
  out.summary = {integer(s, "n"), number(s, "mean"), number(s, "stddev"), number(s, "median"),
                 number(s, "p50"), number(s, "p99")};
  choose_figure(r, out);
  if (r.contains("repetition_counts") && r["repetition_counts"].is_array())
    for (const auto& c : r["repetition_counts"])
      out.repetition_counts.push_back(c.is_number() ? c.get<std::int64_t>() : 0);
  if (r.contains("pinned") && r["pinned"].is_boolean()) out.pinned = r["pinned"].get<bool>();
  const json& cpu = object_at(r, "shared_cpu");
  out.shared_cpu_repetitions = static_cast<int>(integer(cpu, "repetitions"));
  out.shared_cpu_sampled = static_cast<int>(integer(cpu, "sampled"));
  if (r.contains("throughput") && r["throughput"].is_object())
    out.throughput_mean = number(r["throughput"], "mean");
  return out;
}

std::size_t Result::rounds_with_value() const {
  return static_cast<std::size_t>(
      std::count_if(by_round.begin(), by_round.end(), [](double x) { return std::isfinite(x); }));
}

const Result* find_result(const Run& run, std::string_view row, std::string_view name,
                          std::string_view metric) {
  for (const Row& r : run.rows) {
    if (r.row != row) continue;
    for (const Result& res : r.results)
      if (res.name == name && res.metric == metric && !res.is_status() && res.figure > 0) return &res;
  }
  return nullptr;
}

bool is_status_result(const json& result) {
  return result.is_object() && result.contains("status") && result["status"].is_string();
}

Row load_row_header(const json& row) {
  Row out;
  read_texts<Row>(row, out, {{"row", &Row::row}, {"kind", &Row::kind}, {"workload", &Row::workload},
                            {"gil", &Row::gil}, {"config", &Row::config}, {"python", &Row::python},
                            {"python_label", &Row::python_label}});
  if (row.contains("error") && row["error"].is_string()) out.error = row["error"].get<std::string>();
  if (row.contains("skipped") && row["skipped"].is_string())
    out.skipped = row["skipped"].get<std::string>();
  const json& exit = object_at(row, "exit");
  out.signal = text(exit, "signal");
  out.stderr_tail = text(exit, "stderr_tail");
  if (row.contains("worker_errors") && row["worker_errors"].is_array())
    for (const auto& we : row["worker_errors"])
      out.worker_errors.push_back({static_cast<int>(number(we, "worker", -1)), text(we, "error")});
  return out;
}

namespace {

// A row's identity fields and the run's sections, typed strictly: a report whose row name is a
// number or null, or whose options are a list, is bad input, not an empty default.
void check_row_types(const json& row, std::size_t index) {
  if (!row.is_object()) throw BadInput(fmt::format("row {}: not an object", index));
  // null: the writer's "not applicable" (a floor row's config); the row's name is never null.
  for (const char* key : {"row", "kind", "workload", "gil", "config", "python", "python_label"})
    if (row.contains(key) && !row[key].is_string() && !(row[key].is_null() && key != std::string("row")))
      throw BadInput(fmt::format("row {}: '{}' is not a string", index, key));
    else if (row.contains(key) && row[key].is_string() &&
             find_control_char(row[key].get<std::string>()) != std::string::npos)
      throw BadInput(fmt::format("row {}: '{}' contains a control character", index, key));
  if (row.contains("results") && !row["results"].is_array())
    throw BadInput(fmt::format("row {}: 'results' is not a list", index));
}

void check_run_types(const json& ib) {
  for (const char* key : {"environment", "options", "verdict", "targets", "answer"})
    if (ib.contains(key) && !ib[key].is_object())
      throw BadInput(fmt::format("'interpbench.{}' is not an object", key));
  if (ib.contains("rows") && !ib["rows"].is_array()) throw BadInput("'interpbench.rows' is not a list");
}

}  // namespace

Run load_interpbench(const json& ib) {
  Run run;
  if (!ib.is_object()) throw BadInput("not an interpbench report (no 'interpbench' section)");
  check_run_types(ib);
  if (ib.contains("rows") && ib["rows"].is_array()) {
    std::size_t index = 0;
    for (const auto& row : ib["rows"]) {
      check_row_types(row, index++);
      Row r = load_row_header(row);
      if (row.contains("results") && row["results"].is_array())
        for (const auto& result : row["results"]) r.results.push_back(load_result(result));
      run.rows.push_back(std::move(r));
    }
  }
  run.environment = object_at(ib, "environment");
  run.options = object_at(ib, "options");
  run.num_cpus = static_cast<int>(integer(run.environment, "num_cpus"));
  if (ib.contains("warnings") && ib["warnings"].is_array())
    for (const auto& w : ib["warnings"])
      if (w.is_string()) run.warnings.push_back(escape_control_chars(w.get<std::string>()));
  run.incomplete = ib.contains("incomplete") && ib["incomplete"].is_boolean() && ib["incomplete"].get<bool>();
  run.incomplete_reason = text(ib, "incomplete_reason");
  const auto lines_of = [&](const char* key, std::vector<std::string>& into) {
    const json& section = object_at(ib, key);
    if (section.contains("lines") && section["lines"].is_array())
      for (const auto& l : section["lines"])
        if (l.is_string()) into.push_back(escape_control_chars(l.get<std::string>()));
  };
  lines_of("answer", run.answer_lines);
  lines_of("verdict", run.verdict_lines);
  lines_of("targets", run.targets_lines);
  return run;
}

Run load_run(const json& report) {
  if (!report.is_object() || !report.contains("interpbench"))
    throw BadInput("not an interpbench report (no 'interpbench' section)");
  return load_interpbench(report["interpbench"]);
}

Run load_run(const std::filesystem::path& path) {
  const json report = load_report(path);
  try {
    return load_run(report);
  } catch (const BadInput& e) {
    throw BadInput(fmt::format("{}: {}", path.string(), e.what()));
  }
}

}  // namespace report
}  // namespace interpbench
