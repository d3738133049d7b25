#pragma once
// Where a row's driver and workers run: params["pin"] (docs/design.md, "The workload contract").
// On the 2-vCPU KVM guest a Python loop runs in two speed modes, fast while pinned to one CPU and
// often slow when left to the scheduler, flipping within seconds; so every row gives its driver
// and each worker a CPU of their own where they fit, and runs them all unpinned otherwise.
//
// One plan for every side: the driver decides in ctx.start(n) before launching, and each worker
// (thread, subinterpreter or process, however it was started) computes the same answer from the
// params, its worker id and the group's size, so no message is needed. A refused pin (a CPU went
// offline, a cpuset) is not an error: that thread runs on all the plan's CPUs and the row's
// result file says the start was not pinned. runners/reference mirrors this in Python.
#include <sys/types.h>

#include <cstddef>
#include <map>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace interpbench {

// params["pin"]: {"mode": "auto" | "off", "cpus": [...]}, `cpus` the runner's allowed CPUs.
struct PinPlan {
  bool automatic = false;  // mode "auto"
  std::vector<int> cpus;   // sorted; empty: no plan, nobody's mask is touched

  // A group of n workers and its driver get a CPU each: the driver cpus[0], worker i cpus[1 + i].
  bool pins(std::size_t n) const { return automatic && n + 1 <= cpus.size(); }
  // The CPUs the driver / worker `id` of a group of n runs on: its own one when pins(n), else all.
  std::vector<int> driver_cpus(std::size_t n) const;
  std::vector<int> worker_cpus(std::size_t id, std::size_t n) const;
};

// params["pin"] of a params object. Absent or malformed: off, no CPUs. Never throws.
PinPlan pin_plan(const nlohmann::json& params) noexcept;

// The CPUs thread `tid` (0: the calling thread) may run on (sched_getaffinity), sorted; empty when
// the kernel won't say. What the runner hands out as params["pin"]["cpus"].
std::vector<int> thread_cpus(pid_t tid = 0) noexcept;

// sched_setaffinity(tid, cpus); tid 0 is the calling thread. False when the kernel refuses.
bool set_thread_cpus(pid_t tid, const std::vector<int>& cpus) noexcept;

// Places thread `tid` (0: the calling thread) as the plan says for the driver / worker `id` of a
// group of n. True when it now runs alone on its own CPU; false when the plan pins nobody (it runs
// on all the plan's CPUs, undoing a mask inherited from a pinned driver) or the pin was refused
// (then it runs on all of them too).
bool pin_driver_thread(const PinPlan& plan, std::size_t n, pid_t tid = 0) noexcept;
bool pin_worker_thread(const PinPlan& plan, std::size_t id, std::size_t n, pid_t tid = 0) noexcept;

// The result file's "pinning": {"mode", "cpus", "starts": {"<n>": pinned}}, where a start is
// pinned when the driver and every worker of it were; a count started twice, when both were.
class PinningRecord {
 public:
  PinningRecord() = default;
  explicit PinningRecord(PinPlan plan) : plan_(std::move(plan)) {}
  const PinPlan& plan() const { return plan_; }
  void note(std::size_t n, bool pinned);
  nlohmann::json to_json() const;

 private:
  PinPlan plan_;
  std::map<std::size_t, bool> starts_;
};

}  // namespace interpbench
