#pragma once
// Python's speed on each CPU over a run. On a VM (and a cloud CI runner) each vCPU runs
// interpreter code either at full speed or 1.3-1.9x slower, for seconds at a time and each vCPU
// on its own, while C loops hardly move (docs/performance.md, "Python's speed is per vCPU"):
// another guest busy on the physical core's other hardware thread, most likely. The run probes
// each CPU between children (untimed: nothing else runs then), at most every interval_s, keeps
// the probes in the JSON (environment.python_speed) and warns when a CPU's probes spread more
// than kSpeedSpreadWarn: the figures Python's speed sets then moved with the host during the run.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace interpbench {

inline constexpr int kSpeedProbeLoop = 60000;      // additions in a Python for loop, per CPU
inline constexpr double kSpeedSpreadWarn = 1.25;   // slowest / fastest probe of one CPU
inline constexpr double kSpeedProbeIntervalS = 2;  // at most one probe per this many seconds
inline constexpr std::size_t kSpeedProbeMaxCpus = 8;

// One probe: milliseconds of the loop on each probed CPU alone (in order; 0 where the CPU refused
// the pin), then on the first two at once (together_ms, empty with one CPU or where that failed),
// `at_s` seconds into the run.
struct SpeedProbe {
  double at_s = 0;
  std::vector<double> ms;
  std::vector<double> together_ms;
};

// Times the loop once pinned to each of `cpus`, then on the first two at once (a fork()ed copy
// on the second), in a fresh `python` (-I -S). nullopt when it could not (it failed, printed
// something else, or outlived `timeout`): a probe is evidence about the host, not a step the run
// depends on.
std::optional<SpeedProbe> probe_python_speed(const std::filesystem::path& python,
                                             const std::vector<int>& cpus,
                                             std::chrono::milliseconds timeout);

// Per probe with both figures, the slower CPU's time together / its time alone; sorted.
std::vector<double> together_slowdowns(const std::vector<SpeedProbe>& probes);

// The first kSpeedProbeMaxCpus CPUs this process may run on (where pinning puts the driver and
// the first workers).
std::vector<int> cpus_to_probe();

class SpeedMonitor {
 public:
  // `origin`: the run's (SupervisorOptions::origin); a probe's at_s counts from it, as the
  // children's spans_s do.
  SpeedMonitor(std::filesystem::path python, std::vector<int> cpus,
               std::chrono::steady_clock::time_point origin = std::chrono::steady_clock::now(),
               double interval_s = kSpeedProbeIntervalS);
  void probe_if_due();  // between children: probes when interval_s has passed since the last
  void probe_now();
  const std::vector<SpeedProbe>& probes() const { return probes_; }
  const std::vector<int>& cpus() const { return cpus_; }
  // {"loop", "cpus", "probes": [{"at_s", "ms": [...], "together_ms": [a, b]}], "per_cpu":
  // [{"cpu", "min_ms", "median_ms", "max_ms", "slow_share"}], "together": {"loop", "probes",
  // "min_slowdown", "median_slowdown", "max_slowdown", "slow_share"}}; slow_share: the share of
  // probes slower than kSpeedSpreadWarn x that CPU's fastest (together: x its time alone).
  nlohmann::json to_json() const;

 private:
  std::filesystem::path python_;
  std::vector<int> cpus_;
  double interval_s_;
  std::chrono::steady_clock::time_point origin_;
  std::optional<std::chrono::steady_clock::time_point> last_;
  std::vector<SpeedProbe> probes_;
};

// One warning when some CPU's probes (three or more) spread more than kSpeedSpreadWarn, naming
// each such CPU's range, and one when the first two CPUs at once ran the loop more than
// kSpeedSpreadWarn x slower than alone; none otherwise. From five probes on, the slowest single
// probe is left out of each (one probe preempted by the kernel is no change of the host).
std::vector<std::string> speed_warnings(const std::vector<int>& cpus,
                                        const std::vector<SpeedProbe>& probes);

}  // namespace interpbench
