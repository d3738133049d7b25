#pragma once
// What `interpbench report` hands reports/render_report.py besides the runs themselves: every
// label, unit and figure the HTML, Markdown and plots show, as C++ writes them (console, CSV),
// so that the script formats nothing and the documents agree with the console to the character.
// docs/json-schema.md, "The report view".
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace interpbench {

// One label per run for headings and legends: "Python 3.12.1" when every run knows its Python
// and they all differ; else the file stem ("run 2: quick" when two stems are equal); the file
// name for a single run.
std::vector<std::string> run_labels(const std::vector<const nlohmann::json*>& runs,
                                    const std::vector<std::string>& paths);

// Adds the view fields to `run` (rows already labelled by label_rows): interpbench.view {label,
// file, python_label, python_version, shared_gil}; each row's display_name, display_name_in_run
// and shared_gil_reason; each result's figures (or cell, for an outcome) and params_text.
void add_report_view(nlohmann::json& run, const std::string& path, const std::string& label,
                     const std::string& python_label);

}  // namespace interpbench
