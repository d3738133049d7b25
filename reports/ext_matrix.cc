#include "reports/ext_matrix.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/human_units.h"

namespace interpbench {
namespace {

using json = nlohmann::json;

std::string module_of(const report::Result& r) {
  if (r.params.contains("module") && r.params["module"].is_string())
    if (const std::string m = r.params["module"].get<std::string>(); !m.empty()) return m;
  return r.name.substr(r.name.find('/') + 1);
}

}  // namespace

std::string ext_cell(const report::Result& r) {
  const std::string& status = r.status;
  const std::string& detail = r.detail;
  if (status == "ok") return "ok";
  if (status == "import_error") return "ImportError";
  if (status == "hang") return "hang";
  if (status == "crash") {
    const std::string prefix = "killed by ";
    return "crash: " + (detail.rfind(prefix, 0) == 0 ? detail.substr(prefix.size()) : detail);
  }
  return "error: " + detail.substr(0, detail.find(':'));
}

std::vector<std::string> status_workloads(const report::Run& run) {
  std::vector<std::string> out;
  for (const auto& row : run.rows) {
    if (std::find(out.begin(), out.end(), row.workload) != out.end()) continue;
    if (std::any_of(row.results.begin(), row.results.end(),
                    [](const report::Result& r) { return r.is_status(); }))
      out.push_back(row.workload);
  }
  return out;
}

ExtMatrix ext_matrix(const report::Run& run, const std::string& workload) {
  ExtMatrix m;
  for (const auto& row : run.rows) {
    if (row.workload != workload) continue;
    const std::string& label = row.row;
    for (const auto& r : row.results) {
      if (!r.is_status()) continue;
      const std::string module = module_of(r);
      if (!m.cells.count(module)) m.modules.push_back(module);
      m.cells[module][label] = &r;
      if (std::find(m.rows.begin(), m.rows.end(), label) == m.rows.end()) m.rows.push_back(label);
    }
  }
  for (const auto& module : m.modules) {
    const auto& by_row = m.cells[module];
    const auto a = by_row.find("subprocess"), b = by_row.find("subinterp");
    if (a != by_row.end() && b != by_row.end() && ext_cell(*a->second) != ext_cell(*b->second))
      m.subprocess_only.push_back(module);
  }
  return m;
}

void print_ext_matrix(const ExtMatrix& m, std::ostream& out, bool verbose) {
  if (m.modules.empty()) return;
  std::vector<std::string> differ, everywhere;
  for (const auto& module : m.modules) {
    const auto& by_row = m.cells.at(module);
    bool all_ok = by_row.size() == m.rows.size();
    std::string first;
    bool same = true;
    for (const auto& [row, r] : by_row) {
      const std::string cell = ext_cell(*r);
      all_ok = all_ok && cell == "ok";
      if (first.empty()) first = cell;
      same = same && cell == first;
    }
    (all_ok ? everywhere : differ).push_back(module);
  }
  out << fmt::format("Extension modules: {} imported on {} rows; {} import on every row\n",
                     m.modules.size(), m.rows.size(), everywhere.size());
  if (!differ.empty() && !verbose) {
    out << fmt::format("  {} import differently between rows: {} (-v: the matrix)\n", differ.size(),
                       first_few(differ, 8));
    return;
  }
  if (!differ.empty()) {
    std::size_t module_w = 6;
    for (const auto& d : differ) module_w = std::max(module_w, d.size() + 2);
    std::vector<std::size_t> col_w;
    for (const auto& row : m.rows) {
      std::size_t w = row.size();
      for (const auto& d : differ) {
        const auto it = m.cells.at(d).find(row);
        if (it != m.cells.at(d).end()) w = std::max(w, ext_cell(*it->second).size());
      }
      col_w.push_back(w);
    }
    auto put_line = [&](std::string line) {
      line.erase(line.find_last_not_of(' ') + 1);
      out << line << '\n';
    };
    std::string header = fmt::format("  {:<{}}", "module", module_w);
    for (std::size_t i = 0; i < m.rows.size(); ++i) header += fmt::format("  {:<{}}", m.rows[i], col_w[i]);
    put_line(header);
    for (const auto& d : differ) {
      const bool marked = std::find(m.subprocess_only.begin(), m.subprocess_only.end(), d) !=
                          m.subprocess_only.end();
      std::string line = fmt::format("  {:<{}}", (marked ? "* " : "  ") + d, module_w);
      for (std::size_t i = 0; i < m.rows.size(); ++i) {
        const auto it = m.cells.at(d).find(m.rows[i]);
        line += fmt::format("  {:<{}}", it == m.cells.at(d).end() ? "-" : ext_cell(*it->second), col_w[i]);
      }
      put_line(line);
    }
    if (!m.subprocess_only.empty())
      out << "  * imports differently in subprocess and in an isolated subinterp (subinterp)\n";
    // The texts behind the cells, each once with the modules that gave it.
    std::vector<std::string> texts;
    std::map<std::string, std::vector<std::string>> who;
    for (const auto& d : differ) {
      for (const auto& [row, r] : m.cells.at(d)) {
        if (r->status == "ok") continue;
        std::string text = r->detail;
        // "module X does not support ..." reads the same for every module without its name.
        const std::string named = "module " + d + " ";
        if (text.find(named) != std::string::npos) text.replace(text.find(named), named.size(), "module ");
        auto& mods = who[text];
        if (mods.empty()) texts.push_back(text);
        if (std::find(mods.begin(), mods.end(), d) == mods.end()) mods.push_back(d);
      }
    }
    for (const auto& t : texts) out << fmt::format("  {}: {}\n", t, first_few(who[t], 12));
  }
  if (!everywhere.empty()) out << fmt::format("  ok on every row: {}\n", first_few(everywhere, 12));
}

void extcompat_verdict(const report::Run& run, json& findings, std::vector<std::string>& lines) {
  for (const auto& w : status_workloads(run)) {
    const ExtMatrix m = ext_matrix(run, w);
    json per_row = json::object();
    std::vector<std::string> parts;
    for (const auto& row : m.rows) {
      std::vector<std::string> failed;
      std::size_t tried = 0;
      for (const auto& module : m.modules) {
        const auto it = m.cells.at(module).find(row);
        if (it == m.cells.at(module).end()) continue;
        ++tried;
        if (it->second->status != "ok") failed.push_back(module);
      }
      per_row[row] = {{"tried", tried}, {"failed", failed}};
      parts.push_back(failed.empty() ? fmt::format("{} all {}", row, tried)
                                     : fmt::format("{} {} of {} fail", row, failed.size(), tried));
    }
    findings.push_back({{"kind", "extcompat"}, {"workload", w}, {"rows", m.rows},
                        {"results", json::array()}, {"numbers", per_row},
                        {"subprocess_only", m.subprocess_only}});
    lines.push_back(fmt::format("  extension modules ({}): {}", w, fmt::join(parts, "; ")));
    if (!m.subprocess_only.empty())
      lines.push_back(fmt::format("  import in a process but not in an isolated subinterpreter: {}",
                                  first_few(m.subprocess_only, 20)));
  }
}

}  // namespace interpbench
