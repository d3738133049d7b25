#include "runners/run_output.h"

#include <iostream>

#include "reports/bmf_export.h"
#include "reports/console_report.h"
#include "reports/export.h"

namespace interpbench {

void print_run_output(const nlohmann::json& report, const std::string& format, bool verbose,
                      std::ostream& out) {
  if (format == "json") {
    out << report.dump(2) << "\n";
  } else if (format == "csv") {
    out << export_csv(report);
  } else if (format == "md") {
    out << export_md(report);
  } else if (format == "bmf") {
    out << export_bmf(report::load_run(report)).dump(2) << "\n";
  } else {
    print_console_report(report, out, std::cerr, verbose);
  }
}

}  // namespace interpbench
