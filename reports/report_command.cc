#include "reports/report_command.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include <fmt/format.h>

#include "platform/run_captured.h"
#include "reports/bmf_export.h"
#include "reports/console_report.h"
#include "reports/export.h"
#include "reports/json_report.h"
#include "reports/python_label.h"
#include "reports/report_view.h"
#include "core/errors.h"
#include "core/paths.h"

namespace interpbench {
namespace {

// render_report.py exits 3 when matplotlib can't be imported.
constexpr int kExitNoMatplotlib = 3;

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.flush();
  if (!f) throw BadInput(fmt::format("cannot write '{}'", path.string()));
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The report view for the script, removed when the report is done or has failed.
struct ViewFile {
  std::filesystem::path path;
  ViewFile(std::filesystem::path p, const nlohmann::json& view) : path(std::move(p)) {
    write_text(path, view.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  ~ViewFile() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  ViewFile(const ViewFile&) = delete;
  ViewFile& operator=(const ViewFile&) = delete;
};

// The report is written into a hidden directory beside DIR and moved into DIR only when it is
// complete: a failure (matplotlib, a timeout, a full disk, an interrupt) leaves no partial
// report, and an existing DIR keeps its old report.
class StagingDir {
 public:
  explicit StagingDir(const std::filesystem::path& dir) : dir_(dir) {
    const std::filesystem::path named = dir.has_filename() ? dir : dir.parent_path();  // "a/b/"
    path_ = named.parent_path() /
            fmt::format(".{}.partial-{}", named.filename().string(), static_cast<long>(::getpid()));
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (!std::filesystem::create_directory(path_, ec))
      throw BadInput(fmt::format("cannot create report directory '{}': {}", dir.string(),
                                 ec ? ec.message() : "it exists"));
  }
  ~StagingDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Into place: DIR is the staging directory renamed, or, when DIR exists, gets each file of it
  // (a file the new report also writes is replaced; others stay).
  void commit() {
    std::error_code ec;
    if (!std::filesystem::exists(dir_, ec)) {
      std::filesystem::rename(path_, dir_, ec);
      if (ec)
        throw RunFailed(fmt::format("cannot move the report into '{}': {}", dir_.string(), ec.message()));
      return;
    }
    for (const auto& entry : std::filesystem::directory_iterator(path_)) {
      const auto target = dir_ / entry.path().filename();
      if (std::filesystem::is_directory(target, ec) && !std::filesystem::is_symlink(target, ec))
        std::filesystem::remove_all(target, ec);
      std::filesystem::rename(entry.path(), target, ec);
      if (ec)
        throw RunFailed(fmt::format("cannot move '{}' into '{}': {}", entry.path().filename().string(),
                                    dir_.string(), ec.message()));
    }
  }

 private:
  std::filesystem::path dir_, path_;
};

}  // namespace

std::filesystem::path render_script() {
  std::error_code ec;
  const auto beside =
      self_executable().parent_path().parent_path() / "reports" / "render_report.py";
  if (std::filesystem::exists(beside, ec)) return beside;
  return std::filesystem::path(INTERPBENCH_SOURCE_DIR) / "reports" / "render_report.py";
}

std::filesystem::path plot_python() {
  if (const char* p = std::getenv("INTERPBENCH_PLOT_PYTHON"); p && *p) return p;
  return "/usr/bin/python3";
}

// Like `run --out`: DIR may be new, its parent must exist (a typo in the parent is refused, not
// created).
static void check_report_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return;
  if (std::filesystem::exists(dir, ec))
    throw BadInput(fmt::format("cannot create report directory '{}': not a directory", dir.string()));
  const std::filesystem::path named = dir.has_filename() ? dir : dir.parent_path();  // "a/b/"
  const std::filesystem::path parent = named.has_parent_path() ? named.parent_path() : ".";
  if (!std::filesystem::is_directory(parent, ec)) {
    const bool exists = std::filesystem::exists(parent, ec);
    throw BadInput(fmt::format("cannot create report directory '{}': {}'{}' {}", dir.string(),
                               exists ? "" : "directory ", parent.string(),
                               exists ? "is not a directory" : "does not exist"));
  }
}

int run_report(const ReportOptions& options, std::ostream& out) {
  if (options.format != "html" && options.format != "md" && options.format != "csv" &&
      options.format != "bmf" && options.format != "table")
    throw BadInput(fmt::format("unknown report format '{}': expected html, md, csv, bmf or table",
                               options.format));
  if (options.inputs.empty()) throw BadInput("report needs at least one run JSON file");
  // BMF names a benchmark as `benchmarks` does, and two runs have the same names.
  if (options.format == "bmf" && options.inputs.size() > 1)
    throw BadInput(fmt::format("--format bmf exports one run, not {}: give one run JSON file",
                               options.inputs.size()));
  if (options.out_dir.empty()) throw BadInput("report needs --out DIR");
  check_report_dir(options.out_dir);

  // Validate every input before writing anything.
  std::vector<nlohmann::json> runs;
  for (const auto& path : options.inputs) {
    runs.push_back(load_report(path));
    try {
      report::load_run(runs.back());  // every type checked before anything is written
    } catch (const BadInput& e) {
      throw BadInput(fmt::format("{}: {}", path, e.what()));
    }
  }
  // Runs of different Pythons: every row says which ("subinterp · 3.12"), in every output.
  std::vector<const nlohmann::json*> pointers;
  for (const auto& run : runs) pointers.push_back(&run);
  const auto labels = python_labels(pointers);
  const auto names = run_labels(pointers, options.inputs);
  for (std::size_t i = 0; i < runs.size(); ++i) label_rows(runs[i], labels[i]);

  std::error_code ec;
  const auto python = plot_python();
  const auto script = render_script();
  if (!std::filesystem::exists(python, ec))
    throw RunFailed(fmt::format("cannot draw the plots: {} not found; install python3 and "
                                "python3-matplotlib (scripts/setup)",
                                python.string()));
  if (!std::filesystem::exists(script, ec))
    throw RunFailed(fmt::format("cannot draw the plots: {} not found", script.string()));

  StagingDir staging(options.out_dir);
  const std::filesystem::path& dir = staging.path();

  if (runs.size() == 1) {
    write_text(dir / "results.csv", export_csv(runs[0]));
  } else {
    std::vector<std::pair<std::string, const nlohmann::json*>> labelled;
    for (std::size_t i = 0; i < runs.size(); ++i)
      labelled.emplace_back(options.inputs[i], &runs[i]);
    write_text(dir / "results.csv", export_csv(labelled));
  }
  if (options.format == "bmf")
    write_text(dir / "results.bmf.json", export_bmf(report::load_run(runs[0])).dump(2) + "\n");

  // The script reads the runs with their labels and figures as C++ writes them (report_view.h).
  nlohmann::json view = {{"runs", nlohmann::json::array()}};
  for (std::size_t i = 0; i < runs.size(); ++i) {
    view["runs"].push_back(runs[i]);
    add_report_view(view["runs"].back(), options.inputs[i], names[i], labels[i]);
  }
  {
    const ViewFile view_file(dir / ".report-view.json", view);
    SpawnOptions spawn;
    spawn.executable = python;
    // -I: ignore user site/env
    spawn.args = {"-I", script.string(), "--out", dir.string(), view_file.path.string()};
    spawn.env = {"MPLBACKEND=Agg"};
    spawn.stdout_mode = SpawnOptions::Output::kNull;
    spawn.capture_stderr = true;
    spawn.stderr_tail_lines = 40;
    const Captured child = run_captured(
        std::move(spawn), std::chrono::milliseconds(static_cast<long long>(options.timeout_s * 1000)));
    if (child.timed_out) {
      throw RunFailed(fmt::format("drawing the plots timed out after {:.0f} s ({})",
                                  options.timeout_s, script.string()));
    }
    if (child.status.signal == 0 && child.status.exit_code == kExitNoMatplotlib)
      throw RunFailed(last_line(child.stderr_tail));
    if (!child.status.success())
      throw RunFailed(fmt::format("drawing the plots failed ({}): {}", child.status.describe(),
                                  last_line(child.stderr_tail)));
    // The script's notes ("no data for ...") are warnings: pass them on.
    std::istringstream notes(child.stderr_tail);
    for (std::string line; std::getline(notes, line);)
      if (line.rfind("note: ", 0) == 0) std::cerr << "interpbench: " << line.substr(6) << "\n";
    if (!std::filesystem::exists(dir / "index.html", ec))
      throw RunFailed(fmt::format("drawing the plots wrote no index.html for '{}'", options.out_dir));
  }
  staging.commit();
  const std::filesystem::path final_dir = options.out_dir;

  if (options.format == "table") {
    // What `interpbench run` prints, for every run at once: a line per row and Python in each
    // workload's table; with -v, blocks and summaries that rank them all ("subinterp · 3.13 1.2
    // times faster than subinterp · 3.11").
    print_console_report(runs.size() == 1 ? runs[0] : merge_runs(runs, labels), out, std::cerr,
                         options.verbose);
  } else if (options.format == "md")
    out << read_text(final_dir / "report.md");
  else if (options.format == "csv")
    out << read_text(final_dir / "results.csv");
  else if (options.format == "bmf")
    out << read_text(final_dir / "results.bmf.json");
  else
    out << (std::filesystem::absolute(final_dir) / "index.html").string() << "\n";
  return 0;
}

}  // namespace interpbench
