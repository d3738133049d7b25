#pragma once
// Runs of several Pythons in one report (scripts/run --python 3.11,3.12,3.13, or `interpbench
// report a.json b.json`): when the runs differ in Python version, every row is labelled with its
// run's Python, "subinterp · 3.12", wherever it appears: console, CSV, Markdown, the HTML tables
// and the plot legends (reports/report_view writes these labels for the render script).
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace interpbench {

// "3.12.1" ("3.13.0t" when free-threaded) from a run report's environment, else from its first
// row that names one; "" when the report doesn't say.
std::string run_python_version(const nlohmann::json& report);

// One label per run: all "" when fewer than two distinct versions (or some run doesn't know its
// version); else each run's major.minor ("3.12", "3.13t"), or its full version ("3.12.1") when
// two runs of different versions share a major.minor.
std::vector<std::string> python_labels(const std::vector<const nlohmann::json*>& runs);

// Marks every row of `report` with "python_label" (row_display_name appends " · <label>");
// nothing for an empty label.
void label_rows(nlohmann::json& report, const std::string& label);

// Several runs as one report for the console (print_console_report): every row of every run,
// labelled; the first run's environment and options plus "environments" (one per run); each run's
// warnings, verdict and targets lines under its Python ("Python 3.12.1: ..."); incomplete if any was.
nlohmann::json merge_runs(const std::vector<nlohmann::json>& runs,
                          const std::vector<std::string>& labels);

}  // namespace interpbench
