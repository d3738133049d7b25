#include "reports/export.h"

#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "reports/ext_matrix.h"
#include "core/human_units.h"
#include "reports/shared_gil.h"

namespace interpbench {
namespace {

const char* kColumns[] = {"row", "workload", "name", "metric", "unit",
                          "n", "mean", "stddev", "median", "p99", "gil", "config", "status"};

std::string text(const nlohmann::json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const auto& v = j[key];
  return v.is_string() ? v.get<std::string>() : v.is_null() ? "" : v.dump();
}

std::optional<double> figure(const nlohmann::json& summary, const char* key) {
  if (!summary.is_object() || !summary.contains(key) || !summary[key].is_number())
    return std::nullopt;
  return summary[key].get<double>();
}

// Calls emit(row, result) for every result of the report, in file order.
template <typename F>
void each_result(const nlohmann::json& report, F emit) {
  if (!report.contains("interpbench") || !report["interpbench"].contains("rows")) return;
  for (const auto& row : report["interpbench"]["rows"])
    if (row.contains("results") && row["results"].is_array())
      for (const auto& r : row["results"]) emit(row, r);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void csv_lines(const nlohmann::json& report, const std::string* label, std::string& out) {
  each_result(report, [&](const nlohmann::json& row, const nlohmann::json& r) {
    std::vector<std::string> cells;
    if (label) cells.push_back(*label);
    // A subinterp row sharing one GIL reads "subinterp (shared GIL: Python 3.11)": never mistaken
    // for own-GIL figures when runs are pooled in a spreadsheet.
    cells.push_back(row_display_name(row));
    cells.push_back(text(row, "workload"));
    for (const char* key : {"name", "metric", "unit"}) cells.push_back(text(r, key));
    const auto& s = r.contains("summary") ? r["summary"] : nlohmann::json();
    for (const char* key : {"n", "mean", "stddev", "median", "p99"}) {
      const auto v = figure(s, key);
      cells.push_back(v ? fmt::format("{}", *v) : "");  // shortest round-trip form
    }
    // The row's interpreter mode, and extcompat's outcome (reports/ext_matrix.h).
    for (const char* key : {"gil", "config"}) cells.push_back(text(row, key));
    cells.push_back(text(r, "status"));
    for (std::size_t i = 0; i < cells.size(); ++i)
      out += (i ? "," : "") + csv_field(cells[i]);
    out += "\r\n";
  });
}

std::string csv_header(bool with_run) {
  std::string h = with_run ? "run" : "";
  for (const char* c : kColumns) h += (h.empty() ? "" : ",") + std::string(c);
  return h + "\r\n";
}

std::string md_cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out += c;
  }
  return out;
}

}  // namespace

std::string export_csv(const nlohmann::json& report) {
  std::string out = csv_header(false);
  csv_lines(report, nullptr, out);
  return out;
}

std::string export_csv(const std::vector<std::pair<std::string, const nlohmann::json*>>& runs) {
  std::string out = csv_header(true);
  for (const auto& [label, report] : runs) csv_lines(*report, &label, out);
  return out;
}

std::string export_md(const nlohmann::json& report) {
  std::string out =
      "| row | workload | name | metric | n | mean | σ | median | p99 |\n"
      "|---|---|---|---|---:|---:|---:|---:|---:|\n";
  each_result(report, [&](const nlohmann::json& row, const nlohmann::json& r) {
    const auto unit = text(r, "unit");
    const auto& s = r.contains("summary") ? r["summary"] : nlohmann::json();
    auto fig = [&](const char* key) {
      const auto v = figure(s, key);
      return v ? format_value(*v, unit) : std::string();
    };
    const auto n = figure(s, "n");
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                       md_cell(row_display_name(row)), md_cell(text(row, "workload")),
                       md_cell(text(r, "name")),
                       // An outcome (extcompat) says what happened where the metric would be.
                       md_cell(report::is_status_result(r) ? text(r, "metric") + ": " + ext_cell(report::load_result(r)) : text(r, "metric")),
                       n ? fmt::format("{:.0f}", *n) : "", fig("mean"), fig("stddev"),
                       fig("median"), fig("p99"));
  });
  std::string problems;
  if (report.contains("interpbench") && report["interpbench"].contains("rows"))
    for (const auto& row : report["interpbench"]["rows"]) {
      for (const char* key : {"error", "skipped"})
        if (row.contains(key) && row[key].is_string())
          problems += fmt::format("- {} `{}` on `{}`: {}\n", key == std::string("error") ? "⚠ error" : "skipped",
                                  md_cell(row_display_name(row)), md_cell(text(row, "workload")),
                                  md_cell(row[key].get<std::string>()));
    }
  if (!problems.empty()) out += "\n" + problems;
  return out;
}

}  // namespace interpbench
