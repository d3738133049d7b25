#pragma once
// What `run --format` prints on stdout: the console report (table), the report JSON, or the
// CSV / Markdown / Bencher Metric Format exports. Progress and warnings go to stderr elsewhere.
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

namespace interpbench {

// `report` is make_json_report()'s output; `format` one of table | json | csv | md | bmf.
// `verbose`: the table has a block per result and a summary per variant besides its
// per-workload tables.
void print_run_output(const nlohmann::json& report, const std::string& format, bool verbose,
                      std::ostream& out);

}  // namespace interpbench
