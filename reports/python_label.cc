#include "reports/python_label.h"

#include <set>

#include <fmt/format.h>

namespace interpbench {
namespace {

using json = nlohmann::json;

std::string text(const json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// "3.12.1" -> "3.12", "3.13.0t" -> "3.13t".
std::string major_minor(const std::string& version) {
  const auto first = version.find('.');
  const auto second = first == std::string::npos ? first : version.find('.', first + 1);
  if (second == std::string::npos) return version;
  const bool free_threaded = !version.empty() && version.back() == 't';
  return version.substr(0, second) + (free_threaded ? "t" : "");
}

// Appends run[section].lines to `into`, its title "Verdict (...)" made "Verdict, Python 3.12.1
// (...)" (`who`); lines without that title get one.
void append_titled(const json& run, const char* section, const std::string& title,
                   const std::string& who, json& into) {
  if (!run.contains(section) || !run[section].is_object()) return;
  const json lines = run[section].value("lines", json::array());
  for (std::size_t k = 0; k < lines.size(); ++k) {
    std::string l = lines[k].get<std::string>();
    if (k == 0 && !who.empty()) {
      if (l.rfind(title, 0) == 0) l = title + ", " + who + l.substr(title.size());
      else into.push_back(title + ", " + who);
    }
    into.push_back(l);
  }
}

}  // namespace

std::string run_python_version(const json& report) {
  if (!report.is_object() || !report.contains("interpbench")) return "";
  const json& ib = report["interpbench"];
  if (ib.contains("environment") && ib["environment"].contains("python")) {
    const json& py = ib["environment"]["python"];
    std::string v = text(py, "version_info");
    if (py.contains("version_info") && py["version_info"].is_array())  // [3, 13, 0]: older runs
      for (const auto& part : py["version_info"])
        if (part.is_number_integer()) v += (v.empty() ? "" : ".") + std::to_string(part.get<int>());
    if (!v.empty()) return py.value("gil_disabled", false) ? v + "t" : v;
  }
  if (ib.contains("rows") && ib["rows"].is_array())
    for (const auto& row : ib["rows"])
      if (std::string v = text(row, "python"); !v.empty()) return v;
  return "";
}

std::vector<std::string> python_labels(const std::vector<const json*>& runs) {
  std::vector<std::string> versions;
  for (const json* run : runs) versions.push_back(run_python_version(*run));
  const std::set<std::string> distinct(versions.begin(), versions.end());
  if (distinct.size() < 2 || distinct.count("")) return std::vector<std::string>(runs.size());
  std::set<std::string> short_forms;
  for (const auto& v : distinct) short_forms.insert(major_minor(v));
  // 3.12.1 next to 3.12.4: only the full versions tell them apart.
  const bool full = short_forms.size() < distinct.size();
  std::vector<std::string> labels;
  for (const auto& v : versions) labels.push_back(full ? v : major_minor(v));
  return labels;
}

void label_rows(json& report, const std::string& label) {
  if (label.empty() || !report.contains("interpbench") || !report["interpbench"].contains("rows")) return;
  for (auto& row : report["interpbench"]["rows"]) row["python_label"] = label;
}

json merge_runs(const std::vector<json>& runs, const std::vector<std::string>& labels) {
  json merged = runs.at(0);
  json& ib = merged["interpbench"];
  ib["rows"] = json::array();
  ib["warnings"] = json::array();
  ib["environments"] = json::array();
  // Each run's verdict, then its targets, then the next run's: what one Python says reads as one.
  json lines = json::array(), answers = json::array();
  bool incomplete = false;
  std::vector<std::string> reasons;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    json run = runs[i];
    label_rows(run, labels.at(i));
    const json& r = run["interpbench"];
    const std::string version = run_python_version(run);
    // Each run's own warnings and verdict, named by its Python when the runs differ in one.
    const std::string who = labels[i].empty() ? "" : fmt::format("Python {}", version);
    for (auto& row : r.value("rows", json::array())) ib["rows"].push_back(row);
    for (auto& w : r.value("warnings", json::array()))
      ib["warnings"].push_back(who.empty() ? w : json(who + ": " + w.get<std::string>()));
    ib["environments"].push_back(r.value("environment", json::object()));
    append_titled(r, "answer", "The answer", who, answers);
    append_titled(r, "verdict", "Verdict", who, lines);
    append_titled(r, "targets", "Targets", who, lines);
    if (r.value("incomplete", false)) {
      incomplete = true;
      const std::string why = r.value("incomplete_reason", std::string("interrupted"));
      reasons.push_back(who.empty() ? why : who + ": " + why);
    }
  }
  // Each run's answer, named by its Python; the first run's must not stand for all of them.
  ib["answer"] = {{"lines", answers}};
  ib.erase("cost_model");  // fitted per run: rows of several Pythons are not one model
  ib["verdict"] = {{"findings", json::array()}, {"lines", lines}};
  ib["targets"] = {{"targets", json::array()}, {"lines", json::array()}};
  ib["incomplete"] = incomplete;
  ib["incomplete_reason"] = fmt::format("{}", fmt::join(reasons, "; "));
  return merged;
}

}  // namespace interpbench
