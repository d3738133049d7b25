#include "backends/cpu_pinning.h"

#include <sched.h>

#include <algorithm>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace interpbench {
namespace {

// Past any real machine: an id beyond it is refused like an offline CPU instead of sizing a mask.
constexpr int kMaxCpu = 1 << 16;

struct CpuSetFree {
  void operator()(cpu_set_t* set) const noexcept { CPU_FREE(set); }
};

}  // namespace

std::vector<int> PinPlan::driver_cpus(std::size_t n) const {
  return pins(n) ? std::vector<int>{cpus[0]} : cpus;
}

std::vector<int> PinPlan::worker_cpus(std::size_t id, std::size_t n) const {
  return pins(n) && id < n ? std::vector<int>{cpus[1 + id]} : cpus;
}

PinPlan pin_plan(const nlohmann::json& params) noexcept {
  PinPlan plan;
  if (!params.is_object()) return plan;
  const auto pin_it = params.find("pin");
  if (pin_it == params.end() || !pin_it->is_object()) return plan;
  const nlohmann::json& pin = *pin_it;
  const auto mode = pin.find("mode");
  plan.automatic = mode != pin.end() && *mode == "auto";
  const auto cpus = pin.find("cpus");
  if (cpus == pin.end() || !cpus->is_array()) return plan;
  for (const nlohmann::json& c : *cpus) {
    if (c.is_number_integer() && c.get<long long>() >= 0 && c.get<long long>() < kMaxCpu) {
      plan.cpus.push_back(c.get<int>());
    }
  }
  std::sort(plan.cpus.begin(), plan.cpus.end());
  plan.cpus.erase(std::unique(plan.cpus.begin(), plan.cpus.end()), plan.cpus.end());
  return plan;
}

std::vector<int> thread_cpus(pid_t tid) noexcept {
  std::vector<int> out;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(tid, sizeof set, &set) != 0) return out;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) out.push_back(c);
  return out;
}

bool set_thread_cpus(pid_t tid, const std::vector<int>& cpus) noexcept {
  if (cpus.empty()) return false;
  const int count = *std::max_element(cpus.begin(), cpus.end()) + 1;
  std::unique_ptr<cpu_set_t, CpuSetFree> set(CPU_ALLOC(count));
  if (!set) return false;
  const std::size_t bytes = CPU_ALLOC_SIZE(count);
  CPU_ZERO_S(bytes, set.get());
  for (int c : cpus) CPU_SET_S(c, bytes, set.get());
  return sched_setaffinity(tid, bytes, set.get()) == 0;
}

namespace {

bool place(const PinPlan& plan, bool pinned_by_plan, const std::vector<int>& cpus, pid_t tid) {
  if (plan.cpus.empty()) return false;  // no plan: the mask stays as it is
  if (set_thread_cpus(tid, cpus)) return pinned_by_plan;
  // Refused: run unpinned, on whatever of the plan's CPUs the kernel still allows.
  if (pinned_by_plan) set_thread_cpus(tid, plan.cpus);
  return false;
}

}  // namespace

bool pin_driver_thread(const PinPlan& plan, std::size_t n, pid_t tid) noexcept {
  return place(plan, plan.pins(n), plan.driver_cpus(n), tid);
}

bool pin_worker_thread(const PinPlan& plan, std::size_t id, std::size_t n, pid_t tid) noexcept {
  return place(plan, plan.pins(n) && id < n, plan.worker_cpus(id, n), tid);
}

void PinningRecord::note(std::size_t n, bool pinned) {
  const auto [it, first] = starts_.emplace(n, pinned);
  if (!first) it->second = it->second && pinned;
}

nlohmann::json PinningRecord::to_json() const {
  nlohmann::json starts = nlohmann::json::object();
  for (const auto& [n, pinned] : starts_) starts[std::to_string(n)] = pinned;
  return {{"mode", plan_.automatic ? "auto" : "off"}, {"cpus", plan_.cpus}, {"starts", starts}};
}

}  // namespace interpbench
