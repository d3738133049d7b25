#include "reports/answer.h"
#include "reports/cost_model.h"
#include "reports/report_view.h"

#include <filesystem>
#include <set>

#include "reports/ext_matrix.h"
#include "core/human_units.h"
#include "reports/python_label.h"
#include "reports/shared_gil.h"

namespace interpbench {
namespace {

using json = nlohmann::json;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Parameters whose names carry a unit ("payload_bytes", "compute_us"), as text: axis labels.
json params_text(const json& params) {
  json out = json::object();
  if (!params.is_object()) return out;
  for (const auto& [key, value] : params.items()) {
    if (!value.is_number() || value.is_boolean()) continue;
    if (ends_with(key, "_bytes")) out[key] = format_value(value.get<double>(), "B");
    if (ends_with(key, "_us")) out[key] = format_value(value.get<double>() * 1e3, "ns");
  }
  return out;
}

// mean, stddev, median and p99 of the summary, each in the result's unit ("1.83 µs").
json figures(const json& result) {
  const std::string unit = result.value("unit", "");
  const json summary = result.value("summary", json::object());
  json out = json::object();
  for (const char* key : {"mean", "stddev", "median", "p99"})
    if (summary.contains(key) && summary[key].is_number())
      out[key] = format_value(summary[key].get<double>(), unit);
  return out;
}

}  // namespace

std::vector<std::string> run_labels(const std::vector<const json*>& runs,
                                    const std::vector<std::string>& paths) {
  std::vector<std::string> labels;
  if (runs.size() == 1) return {std::filesystem::path(paths.at(0)).filename().string()};
  std::set<std::string> distinct;
  bool all_known = true;
  for (const json* run : runs) {
    const std::string v = run_python_version(*run);
    all_known = all_known && !v.empty();
    distinct.insert(v);
    labels.push_back("Python " + v);
  }
  if (all_known && distinct.size() == runs.size()) return labels;
  labels.clear();
  std::set<std::string> stems;
  for (const auto& path : paths) {
    labels.push_back(std::filesystem::path(path).stem().string());
    stems.insert(labels.back());
  }
  if (stems.size() < labels.size())
    for (std::size_t i = 0; i < labels.size(); ++i)
      labels[i] = "run " + std::to_string(i + 1) + ": " + labels[i];
  return labels;
}

void add_report_view(json& run, const std::string& path, const std::string& label,
                     const std::string& python_label) {
  json& ib = run["interpbench"];
  std::set<std::string> shared_gil;  // "subinterp-legacy: --config legacy", sorted
  for (auto& row : ib["rows"]) {
    json unlabelled = row;
    unlabelled.erase("python_label");
    row["display_name"] = row_display_name(row);
    row["display_name_in_run"] = row_display_name(unlabelled);  // where the run is named already
    row["shared_gil_reason"] = shared_gil_reason(row);
    if (const std::string why = shared_gil_reason(row); !why.empty())
      shared_gil.insert(row.value("row", "") + ": " + why);
    for (auto& result : row["results"]) {
      if (report::is_status_result(result)) result["cell"] = ext_cell(report::load_result(result));
      else result["figures"] = figures(result);
      result["params_text"] = params_text(result.value("params", json::object()));
    }
  }
  // A report written before the answer existed gets it from its own figures.
  if (!ib.contains("answer")) ib["answer"] = answer_json(make_answer(report::load_interpbench(ib)));
  // ... and its cost model (the crossover map draws the predicted boundaries from it).
  if (!ib.contains("cost_model")) {
    const report::Run model = report::load_interpbench(ib);
    const auto models = fit_cost_models(model);
    ib["cost_model"] = cost_model_json(models, validate(model, models));
  }
  ib["view"] = {{"label", label},
                {"file", std::filesystem::path(path).filename().string()},
                {"python_label", python_label},
                {"python_version", run_python_version(run)},
                {"shared_gil", shared_gil}};
}

}  // namespace interpbench
