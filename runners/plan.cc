#include "runners/plan.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "backends/backend.h"
#include "core/errors.h"
#include "runners/subinterp_modes.h"

namespace interpbench {
namespace {

constexpr std::size_t kKiB = 1024;
constexpr std::size_t kMiB = 1024 * kKiB;
constexpr std::size_t kGiB = 1024 * kMiB;
constexpr std::size_t kMaxSize = kGiB;  // one message above 1 GiB is a typo, not a benchmark

// extcompat's child is started again after each crash (one module per crash), up to this many.
constexpr int kExtcompatRestarts = 50;
// A hang inside an import costs this much (the child is killed, then started again): a whole
// extcompat row takes seconds.
constexpr double kExtcompatWallLimitS = 120;

// Workloads that ask another question than the timing ones get other rows when the command line
// names none: extcompat (which extension modules import where) compares both subinterp configs
// with a thread, a process and the stdlib's interpreters.
struct WorkloadRows {
  std::vector<std::string> rows;
  std::vector<std::string> subinterp_methods;  // used when neither --gil nor --config is given
};
const std::map<std::string, WorkloadRows, std::less<>> kWorkloadRows = {
    {"extcompat", {{"subinterp", "subprocess", "thread", "py-interpreters-poll"}, {"", "legacy"}}}};

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Sizes from `lo` to `hi` multiplying by `factor`, plus `hi` itself when the steps miss it.
std::vector<std::size_t> geometric(std::size_t lo, std::size_t hi, std::size_t factor) {
  std::vector<std::size_t> out;
  for (std::size_t s = lo; s <= hi; s *= factor) out.push_back(s);
  if (out.back() != hi) out.push_back(hi);
  return out;
}

// 1 .. 2 x cores: every count on small machines, powers of two plus cores and 2 x cores above.
std::vector<int> scaling_workers(int cores) {
  const int top = 2 * std::max(cores, 1);
  std::set<int> counts;
  if (top <= 8) {
    for (int n = 1; n <= top; ++n) counts.insert(n);
  } else {
    for (int n = 1; n <= top; n *= 2) counts.insert(n);
    counts.insert(cores);
    counts.insert(top);
  }
  return {counts.begin(), counts.end()};
}

nlohmann::json json_list(const std::vector<std::size_t>& v) { return nlohmann::json(v); }

// workloads/apps.py: a share of the standard library's sources (files evenly spaced over the
// sorted list, each at most max_bytes; 0 and 0: every file) and the kernels' sizes.
nlohmann::json apps_params(int corpus_files, std::size_t max_bytes, int nbody_steps, int nbody_tasks,
                           int mandelbrot_size, int mandelbrot_iterations, nlohmann::json workers) {
  return {{"corpus_files", corpus_files},
          {"corpus_max_bytes", max_bytes},
          {"nbody_steps", nbody_steps},
          {"nbody_tasks", nbody_tasks},
          {"mandelbrot_size", mandelbrot_size},
          {"mandelbrot_rows", std::max(1, mandelbrot_size / 16)},
          {"mandelbrot_iterations", mandelbrot_iterations},
          {"workers", std::move(workers)}};
}

Suite quick_suite(int cores) {
  Suite s;
  s.name = "quick";
  s.description = "every workload x every row at tiny sizes, 4 rounds (a smoke test, ~30 s on 2 cores)";
  s.defaults = {{"sizes", json_list({8, 64 * kKiB})},
                {"repetitions", 2},
                {"warmup", 5},
                {"iterations", 50},
                {"workers", {1, 2}},
                {"timeout", 5.0},
                {"bytes_budget", 1 * kMiB}};
  s.per_workload["pingpong"] = {{"sizes", json_list({8, 1 * kKiB, 64 * kKiB})}};
  s.per_workload["stream"] = {{"sizes", json_list({64, 64 * kKiB})}};
  s.per_workload["objects"] = {{"sizes", json_list({16, 256})}, {"iterations", 20}};
  s.per_workload["startup"] = {{"iterations", 3}, {"workers", nlohmann::json::array({1})}};
  s.per_workload["memory"] = {{"workers", {1, 2}}, {"iterations", 1}};
  s.per_workload["scaling"] = {{"workers", {1, 2}}, {"iterations", 1}};
  s.per_workload["taskfarm"] = {{"sizes", json_list({8, 64 * kKiB})},
                                {"compute_us", {10, 1000}},
                                {"workers", nlohmann::json::array({std::max(cores, 1)})},
                                {"iterations", 20},
                                {"cell_budget_ms", 5}};
  s.per_workload["apps"] = apps_params(4, 16 * kKiB, 200, 4, 48, 20, {1, 2});
  // Quick: the modules the objection is about, not every extension of the build.
  s.per_workload["extcompat"] = {{"resume_after_crash", kExtcompatRestarts},
                                 {"workers", nlohmann::json::array({1})},
                                 {"wall_limit_s", kExtcompatWallLimitS},
                                 {"discover", false},
                                 {"modules", {"_decimal", "_datetime", "_sqlite3", "_ssl", "_ctypes",
                                              "readline", "_curses", "_tkinter", "_testsinglephase"}}};
  s.mp_methods = {"fork"};
  // The documented interpreters API: its apps child costs ~1-3 s (14 interpreters started).
  s.row_rounds_cap["py-interpreters/apps"] = 1;
  s.child_wall_s = 60;
  s.rounds = 4;
  s.defaults["repetitions"] = 1;
  return s;
}

Suite default_suite(int cores) {
  Suite s;
  s.name = "default";
  s.description = "the figures scripts/run reports: full size ranges, 6-12 interleaved rounds (~3 min on 2 idle cores)";
  // Byte budgets cap what one repetition moves, so 16 MiB messages cost seconds, not minutes.
  s.defaults = {{"sizes", json_list({8, 1 * kKiB, 64 * kKiB, 1 * kMiB})},
                {"repetitions", 5},
                {"warmup", 20},
                {"iterations", 200},
                {"workers", {1, 2, 4}},
                {"timeout", 10.0},
                {"bytes_budget", 8 * kMiB}};
  // Latency at the foundation's four sizes; bandwidth up to 16 MiB is stream's job here, and
  // `full` runs pingpong over every power of two from 8 B to 16 MiB.
  // Rounds per workload (docs/performance.md, "Reproducibility"): the cheap children get more
  // rounds, since a round's figure is one process in one spell of the host. pingpong 12 and
  // startup 10 (both 16 before issue 18): the applications' six rounds on nine rows took the
  // difference (docs/performance.md, "The default suite's time").
  s.per_workload["pingpong"] = {{"sizes", json_list({8, 1 * kKiB, 64 * kKiB, 1 * kMiB})},
                                {"iterations", 1000}, {"bytes_budget", 32 * kMiB}, {"rounds", 12}};
  // stream 24 rounds where a headline or a target stands on the row (subinterp, subprocess,
  // memcpy: ~0.1 s a child), 12 on the others: a 16 MiB copy here takes 0.9-2.0 ms by child and
  // minute (which physical pages it got, the host's memory traffic), so one round's
  // subinterp / subprocess ratio spread 0.74-1.37. The warm-up until 256 MiB moved keeps a
  // round's batches off the first copies into fresh memory (docs/performance.md, "The third
  // pass").
  s.per_workload["stream"] = {{"sizes", json_list(geometric(64, 16 * kMiB, 4))},
                              {"batches", 3},
                              {"bytes_budget", 4 * kMiB},
                              {"warmup_bytes", 256 * kMiB},
                              {"rounds", 24}};
  // objects: 4 warm-up messages per graph and codec, not 14: a child 0.51 -> 0.38 s.
  s.per_workload["objects"] = {{"sizes", json_list({16, 256, 4096})}, {"iterations", 14},
                               {"warmup", 4}, {"bytes_budget", 2 * kMiB}};
  s.per_workload["startup"] = {{"iterations", 4}, {"workers", nlohmann::json::array({1})},
                               {"rounds", 10}};
  s.per_workload["memory"] = {{"workers", {1, 2, 8}}, {"iterations", 1}};
  // 1 and cores (the full suite goes to 2 x cores); 1M loops: ~100 ms of one worker per round;
  // 12 rounds, since a slow spell of the host between N = 1 and N = cores moves one round's
  // efficiency by up to 40% (docs/performance.md, "Reproducibility").
  s.per_workload["scaling"] = {{"workers", {1, std::max(cores, 1)}}, {"iterations", 1},
                               {"loops", 1'000'000}, {"rounds", 12}};
  // Up to 400 tasks a cell and 32 MiB of payload: with 100 tasks and 8 MiB the short cells lasted
  // 1-2 ms (a 10 µs task) and a 1 MiB cell had 8 tasks, too few to average the host's wake-ups
  // out, and the cost model's median error over them was 15-39% (docs/performance.md). The
  // 10 ms cell budget bounds the long ones; ~2 s of the suite.
  s.per_workload["taskfarm"] = {{"sizes", json_list({8, 64 * kKiB, 1 * kMiB})},
                                {"compute_us", {10, 100, 1000, 10000}},
                                {"workers", nlohmann::json::array({std::max(cores, 1)})},
                                {"iterations", 400},
                                {"bytes_budget", 32 * kMiB},
                                {"cell_budget_ms", 10}};
  s.per_workload["extcompat"] = {{"resume_after_crash", kExtcompatRestarts},
                                 {"workers", nlohmann::json::array({1})},
                                 {"wall_limit_s", kExtcompatWallLimitS}};
  // Applications: six rounds (the paired 95% interval needs 6) on every row that runs them, the
  // executors included, in the suite's 3 minutes on 2 cores: a small corpus share (6 files) and
  // light kernels (nbody 6 x 1000 steps, a 96 x 96 mandelbrot), about 0.35 s of timed work per
  // child; `full` takes the whole library.
  s.per_workload["apps"] = apps_params(6, 40 * kKiB, 1000, 6, 96, 40, {1, std::max(cores, 1)});
  s.per_workload["apps"]["rounds"] = 6;
  // compress and json take a few ms over 6 files: their tasks run 8 and 16 times over.
  s.per_workload["apps"]["task_repeat"] = {{"compress", 8}, {"json", 16}};
  // The documented interpreters API runs every application too, in 1 round: a child costs
  // 3.5-3.7 s (14 interpreters started, get() sleeping 10 ms between polls); its figures are its
  // polls' (docs/performance.md), and the round went to taskfarm's longer cells.
  s.row_rounds_cap["py-interpreters/apps"] = 1;
  // Twelve scaling rounds where a headline ratio or a "Why not subprocesses?" pair stands on
  // the figure (subinterp, subprocess, py-interpreters-poll, py-multiprocessing); six, the least
  // for a 95% interval, for the rows whose workers share one GIL (their efficiency is about
  // 1 / N, far from any decision) and the executors. Together ~13 s of the suite's 3 minutes.
  // The documented interpreters API's pingpong (its 10 ms polling sleep, 0.45 s a child) runs
  // all 12 rounds: the headline subinterp / py-interpreters pairs rounds, and over 6 pairs a
  // median took subinterp's slow rounds in one run of three (max / min 1.15 over run Z).
  for (const char* row : {"thread", "py-threading", "py-executor-thread", "py-executor-process-fork"})
    s.row_rounds_cap[std::string(row) + "/scaling"] = 6;
  // py-multiprocessing's stream moves 16 MiB messages through a 64 KiB pipe: 0.9 s a child, the
  // suite's costliest; its ratios are the stdlib's, not a headline: six rounds.
  s.row_rounds_cap["py-multiprocessing-fork/stream"] = 6;
  for (const char* row : {"thread", "py-threading", "py-interpreters-poll", "floor"})
    s.row_rounds_cap[std::string(row) + "/stream"] = 12;
  // spawn where a worker's start is the figure; elsewhere it measures what fork does.
  s.mp_methods = {"fork"};
  s.per_workload_mp_methods["startup"] = {"fork", "spawn"};
  s.per_workload_mp_methods["memory"] = {"fork", "spawn"};
  // fork and zygote change how a worker process starts: startup and memory show it.
  s.per_workload_start_methods["startup"] = subprocess_start_methods();
  s.per_workload_start_methods["memory"] = subprocess_start_methods();
  s.child_wall_s = 300;
  // Six rounds of one repetition each (the 95% interval of a median needs 6): a row pair is
  // measured seconds apart six times rather than minutes apart once.
  s.rounds = 6;
  s.defaults["repetitions"] = 1;
  return s;
}

Suite full_suite(int cores) {
  Suite s = default_suite(cores);
  s.name = "full";
  s.description = "finer grids, 10 rounds of 2 repetitions, every multiprocessing start method (minutes)";
  s.defaults["repetitions"] = 10;
  s.defaults["iterations"] = 2000;
  s.defaults["warmup"] = 200;
  s.defaults["bytes_budget"] = 64 * kMiB;
  s.per_workload["pingpong"] = {{"sizes", json_list(geometric(8, 16 * kMiB, 2))}};
  s.per_workload["objects"] = {{"sizes", json_list({16, 256, 4096, 65536})}, {"iterations", 300}};
  s.per_workload["stream"] = {{"sizes", json_list(geometric(64, 16 * kMiB, 2))}, {"batches", 5}};
  s.per_workload["startup"] = {{"iterations", 30}, {"workers", nlohmann::json::array({1})}};
  s.per_workload["taskfarm"] = {
      {"sizes", json_list({8, 256, 8 * kKiB, 64 * kKiB, 256 * kKiB, 1 * kMiB})},
      {"compute_us", {10, 30, 100, 300, 1000, 3000, 10000, 100000}},
      {"workers", nlohmann::json::array({std::max(cores, 1)})},
      {"iterations", 200},
      {"cell_budget_ms", 50}};
  s.per_workload["scaling"] = {{"workers", scaling_workers(cores)}, {"iterations", 1},
                               {"loops", 1'000'000}};
  // The whole library (every non-test .py file), pool-party's 16 nbody simulations, a 600 x 600
  // mandelbrot; one repetition a round: a round is minutes per row.
  s.per_workload["apps"] = apps_params(0, 0, 20'000, 16, 600, 100, scaling_workers(cores));
  s.per_workload["apps"]["task_repeat"] = nlohmann::json::object();
  s.per_workload["apps"]["rounds"] = 6;
  s.per_workload["apps"]["repetitions"] = 1;
  s.mp_methods = {"fork", "forkserver", "spawn"};
  s.child_wall_s = 1200;
  s.rounds = 10;
  s.defaults["repetitions"] = 2;
  s.per_workload_mp_methods.clear();
  return s;
}

}  // namespace

std::size_t parse_size(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.empty()) throw BadInput("bad size '': empty");
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (end == t.data()) {
    throw BadInput(fmt::format("bad size '{}': expected a positive number of bytes such as 8, 1K, 64KiB, 1M", text));
  }
  if (ec == std::errc::result_out_of_range) throw BadInput(fmt::format("bad size '{}': too large", text));
  const std::string unit = lower(trim(std::string_view(end, t.data() + t.size() - end)));
  std::size_t scale = 0;
  if (unit.empty() || unit == "b") scale = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib") scale = kKiB;
  else if (unit == "m" || unit == "mb" || unit == "mib") scale = kMiB;
  else if (unit == "g" || unit == "gb" || unit == "gib") scale = kGiB;
  else throw BadInput(fmt::format("bad size '{}': unknown unit '{}' (use B, K, KiB, M, MiB, G, GiB)", text, std::string_view(end, t.data() + t.size() - end)));
  if (value == 0) throw BadInput(fmt::format("bad size '{}': must be at least 1 byte", text));
  if (value > kMaxSize / scale) throw BadInput(fmt::format("bad size '{}': above the 1 GiB limit", text));
  return value * scale;
}

std::vector<std::size_t> parse_sizes(std::string_view csv) {
  std::vector<std::size_t> out;
  if (trim(csv).empty()) throw BadInput("bad size '': --sizes needs at least one size");
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = csv.find(',', start);
    const std::string_view item = csv.substr(start, comma == std::string_view::npos ? csv.npos : comma - start);
    const std::size_t size = parse_size(item);
    if (std::find(out.begin(), out.end(), size) == out.end()) out.push_back(size);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

int parse_count(std::string_view text, std::string_view what) {
  const std::string_view t = trim(text);
  long long value = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || end != t.data() + t.size() || ec != std::errc{}) {
    throw BadInput(fmt::format("bad {} '{}': expected a whole number >= 1", what, text));
  }
  if (value < 1) throw BadInput(fmt::format("bad {} '{}': must be at least 1", what, text));
  if (value > 1'000'000'000) throw BadInput(fmt::format("bad {} '{}': too large", what, text));
  return static_cast<int>(value);
}

std::vector<int> parse_counts(std::string_view csv, std::string_view what) {
  std::vector<int> out;
  if (trim(csv).empty()) throw BadInput(fmt::format("bad {} '': needs at least one count", what));
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = csv.find(',', start);
    const int n = parse_count(csv.substr(start, comma == std::string_view::npos ? csv.npos : comma - start), what);
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<std::string> split_list(std::string_view csv) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= csv.size()) {
    const std::size_t comma = csv.find(',', start);
    const std::string_view item = trim(csv.substr(start, comma == std::string_view::npos ? csv.npos : comma - start));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string format_size(std::size_t bytes) {
  if (bytes >= kGiB && bytes % kGiB == 0) return fmt::format("{} GiB", bytes / kGiB);
  if (bytes >= kMiB && bytes % kMiB == 0) return fmt::format("{} MiB", bytes / kMiB);
  if (bytes >= kKiB && bytes % kKiB == 0) return fmt::format("{} KiB", bytes / kKiB);
  return fmt::format("{} B", bytes);
}

const std::vector<std::string>& subprocess_start_methods() {
  static const std::vector<std::string> methods(kStartMethodNames.begin(), kStartMethodNames.end());
  return methods;
}

std::vector<std::string> parse_start_methods(std::string_view csv) {
  std::vector<std::string> out;
  for (auto& m : split_list(csv)) {
    if (!parse_start_method(m)) {
      throw BadInput(fmt::format("bad --start-method '{}' (valid: {})", m, fmt::join(kStartMethodNames, ", ")));
    }
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  }
  if (out.empty()) {
    throw BadInput(fmt::format("bad --start-method '': needs at least one of {}",
                               fmt::join(subprocess_start_methods(), ", ")));
  }
  return out;
}

std::vector<Suite> make_suites(int cores) {
  return {quick_suite(cores), default_suite(cores), full_suite(cores)};
}

Suite find_suite(std::string_view name, int cores) {
  std::vector<std::string> names;
  for (auto& s : make_suites(cores)) {
    if (s.name == name) return s;
    names.push_back(s.name);
  }
  throw BadInput(fmt::format("unknown suite '{}' (valid: {})", name, fmt::join(names, ", ")));
}

std::vector<WorkloadFile> discover_workloads(const std::filesystem::path& dir) {
  std::vector<WorkloadFile> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const auto& p = it->path();
    if (p.extension() != ".py" || p.filename().string().starts_with("_")) continue;
    if (!it->is_regular_file(ec)) continue;
    out.push_back({p.stem().string(), p});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

nlohmann::json workload_params(const Suite& suite, const std::string& workload,
                               const PlanRequest& request) {
  nlohmann::json params = suite.defaults;
  if (auto it = suite.per_workload.find(workload); it != suite.per_workload.end()) {
    for (auto& [key, value] : it->second.items()) params[key] = value;
  }
  // The command line beats the suite, per-workload settings included: the user asked for it.
  if (request.sizes) params["sizes"] = *request.sizes;
  if (request.workers) params["workers"] = *request.workers;
  if (request.repetitions) params["repetitions"] = *request.repetitions;
  if (request.iterations) params["iterations"] = *request.iterations;
  if (request.timeout_s) params["timeout"] = *request.timeout_s;
  if (request.modules) params["modules"] = *request.modules;
  params["cores"] = request.cores;
  params["suite"] = suite.name;
  // Every row pins its driver and workers alike (docs/design.md, "Pinning").
  params["pin"] = {{"mode", request.pin}, {"cpus", request.cpus}};
  return params;
}

Plan make_plan(const PlanRequest& request, const std::vector<WorkloadFile>& available) {
  Plan plan;
  plan.suite = find_suite(request.suite, request.cores);

  // Rows: validate every name first so one message lists them all.
  const std::vector<std::string> names = row_names();
  for (auto& r : request.rows) {
    if (std::find(names.begin(), names.end(), r) == names.end()) {
      throw BadInput(fmt::format("unknown backend '{}' (valid: {})", r, fmt::join(names, ", ")));
    }
  }
  std::vector<std::string> modes;  // subinterp's RowSpec::method per mode
  for (auto& m : subinterp_modes(request.gil, request.config)) modes.push_back(m.method);
  const bool modes_given = request.gil || request.config;
  // Explicit --start-method applies to every workload.
  auto start_methods_of = [&](const std::string& workload) {
    if (request.start_methods) return *request.start_methods;
    auto it = plan.suite.per_workload_start_methods.find(workload);
    return it != plan.suite.per_workload_start_methods.end() ? it->second : plan.suite.start_methods;
  };
  auto mp_methods_of = [&](const std::string& workload) {
    const auto it = plan.suite.per_workload_mp_methods.find(workload);
    return it != plan.suite.per_workload_mp_methods.end() ? it->second : plan.suite.mp_methods;
  };
  // The rows of one workload, a row per method: the command line's rows, or the workload's own
  // (kWorkloadRows), else every row of the catalogue that runs the workload.
  auto rows_for = [&](const std::string& workload) {
    const auto special = kWorkloadRows.find(workload);
    const bool use_special = special != kWorkloadRows.end() && request.rows.empty();
    const std::vector<std::string>& wanted =
        use_special ? special->second.rows : request.rows.empty() ? names : request.rows;
    const std::vector<std::string>& subinterp_methods =
        use_special && !modes_given ? special->second.subinterp_methods : modes;
    std::vector<RowSpec> rows;
    for (const RowInfo& row : row_catalogue()) {  // report order, whatever order the user typed
      if (std::find(wanted.begin(), wanted.end(), row.name) == wanted.end()) continue;
      if (!runs_workload(row, workload)) continue;
      std::vector<std::string> methods = {""};
      if (row.methods == RowMethods::kSubinterpModes) methods = subinterp_methods;
      if (row.methods == RowMethods::kStartMethods) methods = start_methods_of(workload);
      if (row.methods == RowMethods::kMpStartMethods) methods = mp_methods_of(workload);
      for (auto& m : methods) rows.push_back(row_spec(row, m));
    }
    return rows;
  };

  // Workloads: the named ones from the workloads dir, then the user's files.
  std::vector<WorkloadFile> workloads;
  if (request.workloads.empty() && request.workload_files.empty()) {
    workloads = available;
  }
  for (auto& w : request.workloads) {
    auto it = std::find_if(available.begin(), available.end(), [&](auto& a) { return a.name == w; });
    if (it == available.end()) {
      std::vector<std::string> names;
      for (auto& a : available) names.push_back(a.name);
      throw BadInput(fmt::format("unknown workload '{}' (valid: {})", w,
                                 names.empty() ? std::string("none found") : fmt::format("{}", fmt::join(names, ", "))));
    }
    if (std::none_of(workloads.begin(), workloads.end(), [&](auto& x) { return x.name == w; })) {
      workloads.push_back(*it);
    }
  }
  for (auto& f : request.workload_files) {
    std::string stem = f.stem().string();
    if (std::any_of(workloads.begin(), workloads.end(), [&](auto& x) { return x.name == stem; })) {
      throw BadInput(fmt::format("workload file '{}': a workload named '{}' is already in this run", f.string(), stem));
    }
    workloads.push_back({stem, f});
  }
  if (workloads.empty()) throw BadInput("no workloads to run (none found in the workloads directory)");

  // Outcomes (extcompat's "which module imports where") are the same in every round: one round.
  auto rounds_of = [&](const std::string& workload) {
    if (kWorkloadRows.contains(workload)) return 1;
    if (request.rounds) return *request.rounds;
    const auto it = plan.suite.per_workload.find(workload);
    if (it != plan.suite.per_workload.end() && it->second.contains("rounds"))
      return it->second["rounds"].get<int>();
    return plan.suite.rounds;
  };
  // bare-interp (a subinterpreter with subinterp's config) shares the GIL when every mode asked does.
  const bool all_shared = std::all_of(modes.begin(), modes.end(), [](auto& m) { return !m.empty(); });

  std::vector<std::string> row_labels;
  for (auto& w : workloads) {
    const nlohmann::json base = workload_params(plan.suite, w.name, request);
    const double timeout_s = base.value("timeout", 10.0);
    for (auto& row : rows_for(w.name)) {
      PlannedChild child;
      child.row = row;
      child.workload = w;
      child.params = base;
      child.params["backend"] = row.label();
      child.timeout_s = timeout_s;
      // The wall limit is a backstop for a child that hangs outside any timed wait; every
      // blocking operation inside already gives up after `timeout`.
      child.wall_timeout_s = request.wall_limit_s.value_or(
          base.value("wall_limit_s", std::max(plan.suite.child_wall_s, 10 * timeout_s)));
      child.shared_gil = row.kind == RowKind::kBaseline && all_shared;
      child.rounds = rounds_of(w.name);
      if (const auto cap = plan.suite.row_rounds_cap.find(row.label() + "/" + w.name);
          cap != plan.suite.row_rounds_cap.end() && !request.rounds)
        child.rounds = std::min(child.rounds, cap->second);
      if (std::find(row_labels.begin(), row_labels.end(), row.label()) == row_labels.end())
        row_labels.push_back(row.label());
      plan.children.push_back(std::move(child));
    }
  }
  std::vector<std::string> workload_names;
  for (auto& w : workloads) workload_names.push_back(w.name);
  plan.options = {{"suite", plan.suite.name}, {"rows", row_labels}, {"workloads", workload_names}};
  if (request.gil) plan.options["gil"] = *request.gil;
  if (request.config) plan.options["config"] = *request.config;
  if (request.sizes) plan.options["sizes"] = *request.sizes;
  if (request.workers) plan.options["workers"] = *request.workers;
  if (request.repetitions) plan.options["repetitions"] = *request.repetitions;
  if (request.iterations) plan.options["iterations"] = *request.iterations;
  if (request.timeout_s) plan.options["timeout"] = *request.timeout_s;
  if (request.start_methods) plan.options["start_methods"] = *request.start_methods;
  plan.seed = request.seed;
  plan.options["seed"] = request.seed;
  plan.options["pin"] = request.pin;
  plan.options["rounds"] = request.rounds.value_or(plan.suite.rounds);
  // What each workload actually ran (per-workload rounds of the suite, one for outcomes).
  plan.options["rounds_per_workload"] = nlohmann::json::object();
  for (const auto& c : plan.children) {
    auto& r = plan.options["rounds_per_workload"][c.workload.name];
    r = std::max(r.is_number() ? r.get<int>() : 0, c.rounds);  // a row's cap lowers only its own
  }
  // What each workload actually got (suite <- per-workload <- command line), for the record.
  plan.options["params"] = nlohmann::json::object();
  for (auto& w : workloads) plan.options["params"][w.name] = workload_params(plan.suite, w.name, request);
  return plan;
}

}  // namespace interpbench
