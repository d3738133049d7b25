#include "reports/applications.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "core/human_units.h"
#include "reports/paired.h"

namespace interpbench {
namespace {

using report::find_result;
using report::Result;
using report::Row;
using report::Run;

constexpr std::string_view kPrefix = "apps/";

// "apps/<app>/<N>" -> {app, N}; nullopt for the startup and memory results ("apps/x/2/uss").
std::optional<std::pair<std::string, int>> parse_name(const std::string& name) {
  if (name.rfind(kPrefix, 0) != 0) return std::nullopt;
  const std::string rest = name.substr(kPrefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string::npos || slash == 0) return std::nullopt;
  const std::string n = rest.substr(slash + 1);
  if (n.empty() || n.size() > 6 || n.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::pair{rest.substr(0, slash), std::stoi(n)};
}

}  // namespace

std::string ApplicationCell::text() const {
  if (!speedup) return "—";
  return fmt::format("{:.2f}x [{:.2f}, {:.2f}]", speedup->ratio, speedup->low, speedup->high);
}

Scaling scaling_of(const ApplicationCell& cell) {
  constexpr double kThreshold = 1.1;
  if (!cell.speedup || cell.speedup->n == 0) return Scaling::kUnknown;
  if (cell.speedup->low > kThreshold) return Scaling::kScales;
  if (cell.speedup->ratio < kThreshold) return Scaling::kFlat;
  return Scaling::kUndecided;
}

const ApplicationCell* ApplicationLine::cell(const std::string& row) const {
  for (const auto& c : cells)
    if (c.row == row) return &c;
  return nullptr;
}

std::string application_result(const std::string& app, int workers) {
  return fmt::format("{}{}/{}", kPrefix, app, workers);
}

Applications make_applications(const Run& run) {
  Applications a;
  a.cores = std::max(1, run.num_cpus);
  // Applications in the order the workload ran them, with every N any row measured.
  std::vector<std::string> apps;
  std::map<std::string, std::vector<int>> counts;
  for (const Row& row : run.rows)
    for (const Result& r : row.results) {
      if (r.metric != "task_throughput") continue;
      const auto parsed = parse_name(r.name);
      if (!parsed) continue;
      if (std::find(apps.begin(), apps.end(), parsed->first) == apps.end()) apps.push_back(parsed->first);
      counts[parsed->first].push_back(parsed->second);
    }
  for (const auto& app : apps) {
    ApplicationLine line{.app = app};
    // N = cores where measured, else the largest N below it (a run with --workers 1,4 on 8).
    for (int n : counts[app])
      if (n <= a.cores) line.workers = std::max(line.workers, n);
    if (line.workers == 0) continue;
    for (const Row& row : run.rows) {
      if (std::any_of(line.cells.begin(), line.cells.end(), [&](auto& c) { return c.row == row.row; }))
        continue;
      const Result* many = find_result(run, row.row, application_result(app, line.workers), "task_throughput");
      if (!many) continue;
      ApplicationCell cell{.row = row.row, .throughput = many->figure};
      if (const Result* one = find_result(run, row.row, application_result(app, 1), "task_throughput"))
        cell.speedup = line.workers == 1 ? RatioEstimate{} : paired_ratio(many->by_round, one->by_round);
      line.cells.push_back(cell);
      if (std::find(a.rows.begin(), a.rows.end(), row.row) == a.rows.end()) a.rows.push_back(row.row);
    }
    if (!line.cells.empty()) a.apps.push_back(std::move(line));
  }
  return a;
}

nlohmann::json applications_json(const Applications& a) {
  nlohmann::json apps = nlohmann::json::array();
  for (const auto& line : a.apps) {
    nlohmann::json cells = nlohmann::json::object();
    for (const auto& c : line.cells)
      cells[c.row] = {{"throughput", c.throughput},
                      {"throughput_text", format_value(c.throughput, "items/s")},
                      {"speedup", c.speedup ? ratio_json(*c.speedup) : nlohmann::json(nullptr)},
                      {"text", c.text()}};
    apps.push_back({{"app", line.app}, {"workers", line.workers}, {"cells", cells}});
  }
  return {{"cores", a.cores}, {"rows", a.rows}, {"apps", apps}};
}

std::vector<std::string> applications_lines(const Applications& a) {
  if (a.empty()) return {};
  std::vector<std::string> lines = {fmt::format(
      "Applications (workloads/apps.py): speedup at N = {} (cores) over N = 1, tasks/s at N over "
      "tasks/s at 1, median of per-round ratios [95% interval]",
      a.cores)};
  constexpr std::size_t kWidth = 22;
  std::string header = fmt::format("  {:<12}", "application");
  for (const auto& row : a.rows) header += fmt::format(" {:<{}}", row, kWidth);
  lines.push_back(header);
  for (const auto& line : a.apps) {
    std::string text = fmt::format("  {:<12}", line.workers == a.cores ? line.app
                                                : fmt::format("{} (N={})", line.app, line.workers));
    for (const auto& row : a.rows) {
      const ApplicationCell* c = line.cell(row);
      const std::string cell = c ? c->text() : "";
      text += " " + cell + std::string(kWidth > display_width(cell) ? kWidth - display_width(cell) : 1, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    lines.push_back(text);
  }
  return lines;
}

}  // namespace interpbench
