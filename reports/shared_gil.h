#pragma once
// Subinterpreters that share one GIL (Python 3.11, which has no per-interpreter GIL, or
// --shared-gil, the legacy config) measure something else than PEP 684's own-GIL ones: every
// output names such a row apart, from its "gil" and "python" fields in the run report.
#include <string>

#include <nlohmann/json.hpp>

#include "core/report_model.h"

namespace interpbench {

// Why this run-report row's subinterpreters share one GIL: "Python 3.11", "--gil shared"
// (subinterp-shared), "--config legacy" (subinterp-legacy) or "--shared-gil" (a `subinterp` row
// of a run from before the modes had names); "" for an own-GIL subinterp row and for every other
// row (threads sharing a GIL is their nature).
std::string shared_gil_reason(const report::Row& row);

// The row's name, "subinterp", or "subinterp · 3.12" for a row labelled with its Python
// (reports/python_label.h).
std::string row_name(const report::Row& row);

// "subinterp (shared GIL: Python 3.11)"; any other row (subinterp-legacy included: its name
// says it): its name. A row labelled with its Python (reports/python_label.h) reads
// "subinterp · 3.11 (shared GIL: Python 3.11)".
std::string row_display_name(const report::Row& row);

// The same for a raw run-report row (report::load_row_header).
std::string shared_gil_reason(const nlohmann::json& row);
std::string row_display_name(const nlohmann::json& row);

}  // namespace interpbench
