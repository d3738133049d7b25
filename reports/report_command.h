#pragma once
// `interpbench report RUN.json [RUN2.json ...] --out DIR [--format html|md|csv|bmf|table]`: validates the
// runs (load_report), writes DIR/results.csv, and runs reports/render_report.py with Debian's
// python3 + matplotlib (not the embedded Python) under a timeout to write DIR/index.html,
// DIR/report.md and a PNG + SVG per plot.
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace interpbench {

struct ReportOptions {
  std::vector<std::string> inputs;  // run JSON files; several overlay in every plot
  std::string out_dir;
  // What goes to stdout once DIR is written: html = the path of DIR/index.html; md = report.md
  // (for a PR comment); csv = results.csv; bmf = results.bmf.json (Bencher Metric Format,
  // reports/bmf_export.h; written for this format only, which takes one run); table = the
  // console table of every run at once (rows labelled by Python when the runs differ in one;
  // warnings to stderr).
  std::string format = "html";
  bool verbose = false;  // table: a block per result and a summary per variant too
  double timeout_s = 180;
};

// The plotting script: <exe dir>/../reports/render_report.py, else the source tree's.
std::filesystem::path render_script();
// $INTERPBENCH_PLOT_PYTHON, else /usr/bin/python3 (the Python that has python3-matplotlib).
std::filesystem::path plot_python();

// Returns 0 once DIR is complete. Bad input (unreadable or foreign run file, unknown format,
// unwritable DIR) throws BadInput; a plotting failure (no matplotlib, script error, timeout)
// throws RunFailed with one line saying why and what to do.
int run_report(const ReportOptions& options, std::ostream& out);

}  // namespace interpbench
