#include "reports/shared_gil.h"

#include <cstdio>

namespace interpbench {

std::string shared_gil_reason(const nlohmann::json& row) {
  auto text = [&](const char* key) {
    return row.contains(key) && row[key].is_string() ? row[key].get<std::string>() : std::string();
  };
  const std::string name = text("row");
  if (name.rfind("subinterp", 0) != 0 || text("gil") != "shared") return "";
  // "3.11.7" -> "Python 3.11"; 3.12+ share a GIL only when asked to.
  int major = 0, minor = 0;
  if (std::sscanf(text("python").c_str(), "%d.%d", &major, &minor) == 2 && major == 3 && minor < 12)
    return "Python 3." + std::to_string(minor);
  if (name == "subinterp-shared") return "--gil shared";
  if (name == "subinterp-legacy") return "--config legacy";
  return "--shared-gil";  // a run from before the modes had names: the legacy config
}

std::string row_name(const nlohmann::json& row) {
  std::string name = row.contains("row") && row["row"].is_string() ? row["row"].get<std::string>() : "?";
  // Set by label_rows (reports/python_label.h) when runs of several Pythons share one report.
  if (row.contains("python_label") && row["python_label"].is_string())
    name += " · " + row["python_label"].get<std::string>();
  return name;
}

std::string row_display_name(const nlohmann::json& row) {
  const std::string name = row_name(row);
  const std::string why = shared_gil_reason(row);
  // subinterp-shared and subinterp-legacy say their mode in their name already.
  const bool named_for_mode = row.value("row", "") != "subinterp";
  return why.empty() || named_for_mode ? name : name + " (shared GIL: " + why + ")";
}

}  // namespace interpbench
