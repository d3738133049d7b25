#include "reports/shared_gil.h"

#include <cstdio>

namespace interpbench {

std::string shared_gil_reason(const report::Row& row) {
  if (row.row.rfind("subinterp", 0) != 0 || row.gil != "shared") return "";
  // "3.11.7" -> "Python 3.11"; 3.12+ share a GIL only when asked to.
  int major = 0, minor = 0;
  if (std::sscanf(row.python.c_str(), "%d.%d", &major, &minor) == 2 && major == 3 && minor < 12)
    return "Python 3." + std::to_string(minor);
  if (row.row == "subinterp-shared") return "--gil shared";
  if (row.row == "subinterp-legacy") return "--config legacy";
  return "--shared-gil";  // a run from before the modes had names: the legacy config
}

std::string row_name(const report::Row& row) {
  std::string name = row.row.empty() ? "?" : row.row;
  // Set by label_rows (reports/python_label.h) when runs of several Pythons share one report.
  if (!row.python_label.empty()) name += " · " + row.python_label;
  return name;
}

std::string row_display_name(const report::Row& row) {
  const std::string name = row_name(row);
  const std::string why = shared_gil_reason(row);
  // subinterp-shared and subinterp-legacy say their mode in their name already.
  const bool named_for_mode = row.row != "subinterp";
  return why.empty() || named_for_mode ? name : name + " (shared GIL: " + why + ")";
}

std::string shared_gil_reason(const nlohmann::json& row) {
  return shared_gil_reason(report::load_row_header(row));
}

std::string row_display_name(const nlohmann::json& row) {
  return row_display_name(report::load_row_header(row));
}

}  // namespace interpbench
