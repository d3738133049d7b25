#include "runners/speed_probe.h"

#include <fmt/format.h>
#include <sched.h>

#include <algorithm>
#include <system_error>

#include "platform/run_captured.h"

namespace interpbench {
namespace {

// Pinned to each CPU in turn: a short warm-up, then the timed loop. None where the CPU refused.
constexpr const char* kProbeScript = R"PY(
import json, os, sys, time
def loop(n):
    x = 0
    for i in range(n):
        x += i
    return x
out = []
for cpu in json.loads(sys.argv[1]):
    try:
        os.sched_setaffinity(0, {cpu})
    except (OSError, ValueError):
        out.append(None)
        continue
    loop(5000)
    t = time.perf_counter_ns()
    loop(int(sys.argv[2]))
    out.append((time.perf_counter_ns() - t) / 1e6)
print(json.dumps(out))
)PY";

// The CPU's probe times (the probes where it took the pin), sorted.
std::vector<double> times_of(const std::vector<SpeedProbe>& probes, std::size_t cpu_index) {
  std::vector<double> v;
  for (const auto& p : probes)
    if (cpu_index < p.ms.size() && p.ms[cpu_index] > 0) v.push_back(p.ms[cpu_index]);
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

std::optional<std::vector<double>> probe_python_speed(const std::filesystem::path& python,
                                                      const std::vector<int>& cpus,
                                                      std::chrono::milliseconds timeout) {
  if (cpus.empty()) return std::nullopt;
  SpawnOptions spawn;
  spawn.executable = python;
  spawn.args = {"-I", "-S", "-c", kProbeScript, nlohmann::json(cpus).dump(),
                std::to_string(kSpeedProbeLoop)};
  spawn.stdout_mode = SpawnOptions::Output::kCapture;
  Captured child;
  try {
    child = run_captured(std::move(spawn), timeout);
  } catch (const std::system_error&) {
    return std::nullopt;
  }
  if (child.timed_out || !child.status.success()) return std::nullopt;
  const auto parsed = nlohmann::json::parse(child.out, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array() || parsed.size() != cpus.size()) return std::nullopt;
  std::vector<double> ms;
  for (const auto& v : parsed) ms.push_back(v.is_number() ? v.get<double>() : 0.0);  // 0: refused
  return ms;
}

std::vector<int> cpus_to_probe() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE && cpus.size() < kSpeedProbeMaxCpus; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

SpeedMonitor::SpeedMonitor(std::filesystem::path python, std::vector<int> cpus,
                           std::chrono::steady_clock::time_point origin, double interval_s)
    : python_(std::move(python)), cpus_(std::move(cpus)), interval_s_(interval_s), origin_(origin) {}

void SpeedMonitor::probe_if_due() {
  const auto now = std::chrono::steady_clock::now();
  if (last_ && std::chrono::duration<double>(now - *last_).count() < interval_s_) return;
  probe_now();
}

void SpeedMonitor::probe_now() {
  const auto at = std::chrono::steady_clock::now();
  last_ = at;
  if (auto ms = probe_python_speed(python_, cpus_, std::chrono::seconds(10))) {
    probes_.push_back({std::chrono::duration<double>(at - origin_).count(), std::move(*ms)});
  }
}

nlohmann::json SpeedMonitor::to_json() const {
  nlohmann::json j;
  j["loop"] = fmt::format("a pure-Python for loop of {} additions, pinned to each CPU in turn, "
                          "in a fresh Python between children", kSpeedProbeLoop);
  j["cpus"] = cpus_;
  j["probes"] = nlohmann::json::array();
  for (const auto& p : probes_) j["probes"].push_back({{"at_s", p.at_s}, {"ms", p.ms}});
  j["per_cpu"] = nlohmann::json::array();
  for (std::size_t i = 0; i < cpus_.size(); ++i) {
    const auto v = times_of(probes_, i);
    if (v.empty()) continue;
    const auto slow = std::count_if(v.begin(), v.end(),
                                    [&](double x) { return x > v.front() * kSpeedSpreadWarn; });
    j["per_cpu"].push_back({{"cpu", cpus_[i]},
                            {"min_ms", v.front()},
                            {"median_ms", v[v.size() / 2]},
                            {"max_ms", v.back()},
                            {"slow_share", static_cast<double>(slow) / static_cast<double>(v.size())}});
  }
  return j;
}

std::vector<std::string> speed_warnings(const std::vector<int>& cpus,
                                        const std::vector<SpeedProbe>& probes) {
  std::vector<std::string> ranges;
  double worst = 0;
  for (std::size_t i = 0; i < cpus.size(); ++i) {
    auto v = times_of(probes, i);
    if (v.size() >= 5) v.pop_back();  // one probe the kernel preempted is no change of the host
    if (v.size() < 3) continue;
    const double spread = v.back() / v.front();
    if (spread <= kSpeedSpreadWarn) continue;
    worst = std::max(worst, spread);
    ranges.push_back(fmt::format("CPU {} {:.3g}-{:.3g} ms", cpus[i], v.front(), v.back()));
  }
  if (ranges.empty()) return {};
  std::string list;
  for (std::size_t i = 0; i < ranges.size(); ++i)
    list += (i == 0 ? "" : i + 1 == ranges.size() ? " and " : ", ") + ranges[i];
  return {fmt::format(
      "python speed: a pure-Python loop of {},{:03} additions took {} over {} probes between children "
      "(up to {:.2f}x apart): this host ran Python code at different speeds during the run (on a "
      "VM, most likely another guest on the same physical cores), and the figures Python's speed "
      "sets moved with it; ratios against rows it does not set (py-interpreters' sleeps, large "
      "copies) may differ between runs; fix: dedicated cores or bare metal, or compare runs whose "
      "probes agree (environment.python_speed in the JSON)",
      kSpeedProbeLoop / 1000, kSpeedProbeLoop % 1000, list, probes.size(), worst)};
}

}  // namespace interpbench
