#include "runners/speed_probe.h"

#include <fmt/format.h>
#include <sched.h>

#include <algorithm>
#include <system_error>

#include "platform/run_captured.h"

namespace interpbench {
namespace {

// Pinned to each CPU in turn: a short warm-up, then the timed loop. None where the CPU refused.
// Then, with two CPUs or more, the same loop on the first two at once: a fork()ed copy pinned to
// the second, both released by one pipe write; "together" is null where that could not be done.
constexpr const char* kProbeScript = R"PY(
import json, os, sys, time
def loop(n):
    x = 0
    for i in range(n):
        x += i
    return x
def timed(n):
    t = time.perf_counter_ns()
    loop(n)
    return (time.perf_counter_ns() - t) / 1e6
cpus, n = json.loads(sys.argv[1]), int(sys.argv[2])
solo = []
for cpu in cpus:
    try:
        os.sched_setaffinity(0, {cpu})
    except (OSError, ValueError):
        solo.append(None)
        continue
    loop(5000)
    solo.append(timed(n))
together = None
if len(cpus) >= 2:
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    out_r, out_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            for fd in (ready_r, go_w, out_r):
                os.close(fd)
            os.sched_setaffinity(0, {cpus[1]})
            loop(5000)
            os.write(ready_w, b"r")
            if os.read(go_r, 1) == b"g":
                os.write(out_w, repr(timed(n)).encode())
        finally:
            os._exit(0)
    os.close(ready_w)
    os.close(out_w)
    try:
        os.sched_setaffinity(0, {cpus[0]})
        loop(5000)
        if os.read(ready_r, 1) == b"r":
            os.write(go_w, b"g")
            first = timed(n)
            second = os.read(out_r, 64)
            if second:
                together = [first, float(second)]
    except (OSError, ValueError):
        together = None
    os.close(go_w)
    os.waitpid(pid, 0)
print(json.dumps({"solo": solo, "together": together}))
)PY";

// The CPU's probe times (the probes where it took the pin), sorted.
std::vector<double> times_of(const std::vector<SpeedProbe>& probes, std::size_t cpu_index) {
  std::vector<double> v;
  for (const auto& p : probes)
    if (cpu_index < p.ms.size() && p.ms[cpu_index] > 0) v.push_back(p.ms[cpu_index]);
  std::sort(v.begin(), v.end());
  return v;
}

// Python on the first two CPUs at once, against each alone in the same probe: a warning when the
// slower of the two took more than kSpeedSpreadWarn x its time alone in some probe (three or
// more probes; from five on, the worst probe is left out, as for the probes alone).
std::optional<std::string> together_warning(const std::vector<int>& cpus,
                                            const std::vector<SpeedProbe>& probes) {
  auto v = together_slowdowns(probes);
  if (cpus.size() < 2 || v.size() < 3) return std::nullopt;
  if (v.size() >= 5) v.pop_back();
  if (v.back() <= kSpeedSpreadWarn) return std::nullopt;
  const auto slow = std::count_if(v.begin(), v.end(), [](double x) { return x > kSpeedSpreadWarn; });
  return fmt::format(
      "python speed together: with the loop running on CPUs {} and {} at once, the slower took "
      "{:.2f}-{:.2f}x its time alone (median {:.2f}x; over {:.2f}x in {} of {} probes): these CPUs "
      "share a physical core's resources part of the time (hyperthreads of one core on the host, "
      "or another guest), so figures with two Python workers busy at once (scaling, the task farm, "
      "the applications at N = 2) measure the host's placement of them as much as the backend; "
      "fix: dedicated physical cores or bare metal, or compare runs whose probes agree "
      "(environment.python_speed.together in the JSON)",
      cpus[0], cpus[1], v.front(), v.back(), v[v.size() / 2], kSpeedSpreadWarn, slow, v.size());
}

}  // namespace

std::optional<SpeedProbe> probe_python_speed(const std::filesystem::path& python,
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
  if (!parsed.is_object() || !parsed.contains("solo") || !parsed["solo"].is_array() ||
      parsed["solo"].size() != cpus.size())
    return std::nullopt;
  SpeedProbe probe;
  for (const auto& v : parsed["solo"]) probe.ms.push_back(v.is_number() ? v.get<double>() : 0.0);  // 0: refused
  const auto& together = parsed.value("together", nlohmann::json());
  if (together.is_array() && together.size() == 2 && together[0].is_number() && together[1].is_number())
    probe.together_ms = {together[0].get<double>(), together[1].get<double>()};
  return probe;
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
  if (auto probe = probe_python_speed(python_, cpus_, std::chrono::seconds(10))) {
    probe->at_s = std::chrono::duration<double>(at - origin_).count();
    probes_.push_back(std::move(*probe));
  }
}

nlohmann::json SpeedMonitor::to_json() const {
  nlohmann::json j;
  j["loop"] = fmt::format("a pure-Python for loop of {} additions, pinned to each CPU in turn, "
                          "in a fresh Python between children", kSpeedProbeLoop);
  j["cpus"] = cpus_;
  j["probes"] = nlohmann::json::array();
  for (const auto& p : probes_) {
    nlohmann::json probe = {{"at_s", p.at_s}, {"ms", p.ms}};
    if (!p.together_ms.empty()) probe["together_ms"] = p.together_ms;
    j["probes"].push_back(std::move(probe));
  }
  const auto slowdowns = together_slowdowns(probes_);
  if (!slowdowns.empty()) {
    const auto slow = std::count_if(slowdowns.begin(), slowdowns.end(),
                                    [](double x) { return x > kSpeedSpreadWarn; });
    j["together"] = {
        {"loop", fmt::format("the same loop on CPUs {} and {} at once, right after the probes "
                             "alone; slowdown = the slower CPU's time together / its time alone",
                             cpus_[0], cpus_[1])},
        {"probes", slowdowns.size()},
        {"min_slowdown", slowdowns.front()},
        {"median_slowdown", slowdowns[slowdowns.size() / 2]},
        {"max_slowdown", slowdowns.back()},
        {"slow_share", static_cast<double>(slow) / static_cast<double>(slowdowns.size())}};
  }
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

std::vector<double> together_slowdowns(const std::vector<SpeedProbe>& probes) {
  std::vector<double> out;
  for (const auto& p : probes) {
    if (p.together_ms.size() != 2 || p.ms.size() < 2 || p.ms[0] <= 0 || p.ms[1] <= 0) continue;
    out.push_back(std::max(p.together_ms[0] / p.ms[0], p.together_ms[1] / p.ms[1]));
  }
  std::sort(out.begin(), out.end());
  return out;
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
  std::vector<std::string> out;
  if (auto w = together_warning(cpus, probes)) out.push_back(std::move(*w));
  if (ranges.empty()) return out;
  std::string list;
  for (std::size_t i = 0; i < ranges.size(); ++i)
    list += (i == 0 ? "" : i + 1 == ranges.size() ? " and " : ", ") + ranges[i];
  out.insert(out.begin(), fmt::format(
      "python speed: a pure-Python loop of {},{:03} additions took {} over {} probes between children "
      "(up to {:.2f}x apart): this host ran Python code at different speeds during the run (on a "
      "VM, most likely another guest on the same physical cores), and the figures Python's speed "
      "sets moved with it; ratios against rows it does not set (py-interpreters' sleeps, large "
      "copies) may differ between runs; fix: dedicated cores or bare metal, or compare runs whose "
      "probes agree (environment.python_speed in the JSON)",
      kSpeedProbeLoop / 1000, kSpeedProbeLoop % 1000, list, probes.size(), worst));
  return out;
}

}  // namespace interpbench
