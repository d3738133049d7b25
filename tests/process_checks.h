#pragma once
// What the fault tests check after a run of the built binary: no process of the run is left
// (alive or zombie), no shared-memory segment of it either. Processes of one run are told apart
// from everything else on the machine (ctest -j) by a tag in their environment, which every
// descendant inherits (the runner, `_child`, interpbench-worker, the reference rows' Python and
// its multiprocessing children).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace interpbench::testing {

// The state letter of /proc/PID/stat ('R', 'S', 'Z', ...) and the parent pid; state 0 when gone.
struct ProcState {
  char state = 0;
  pid_t ppid = 0;
};

inline ProcState proc_state(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!stat || !std::getline(stat, line)) return {};
  const auto paren = line.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos || line.size() < paren + 4) return {};
  ProcState s;
  s.state = line[paren + 2];
  s.ppid = static_cast<pid_t>(std::atol(line.c_str() + paren + 4));
  return s;
}

inline std::vector<pid_t> all_pids() {
  std::vector<pid_t> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      out.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return out;
}

// Processes whose environment holds `tag` ("KEY=VALUE"). A zombie's environ reads empty: zombies
// are found through zombie_children() instead.
inline std::vector<pid_t> processes_tagged(const std::string& tag) {
  std::vector<pid_t> out;
  for (pid_t pid : all_pids()) {
    std::ifstream env("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
    for (std::size_t at = 0; at < text.size();) {
      const std::size_t end = text.find('\0', at);
      if (text.compare(at, (end == std::string::npos ? text.size() : end) - at, tag) == 0) {
        out.push_back(pid);
        break;
      }
      if (end == std::string::npos) break;
      at = end + 1;
    }
  }
  return out;
}

// Children of this process in state Z (nobody reaped them).
inline std::vector<pid_t> zombie_children() {
  std::vector<pid_t> out;
  for (pid_t pid : all_pids()) {
    const ProcState s = proc_state(pid);
    if (s.ppid == ::getpid() && s.state == 'Z') out.push_back(pid);
  }
  return out;
}

// Any child of this process at all (running or zombie).
inline std::vector<pid_t> children() {
  std::vector<pid_t> out;
  for (pid_t pid : all_pids()) {
    if (proc_state(pid).ppid == ::getpid()) out.push_back(pid);
  }
  return out;
}

// Makes this process the reaper of its orphaned descendants: whatever a run leaves behind
// (a worker whose parent died) becomes our child, where children() and zombie_children() see it.
inline void become_subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }

// Kills and reaps every child left (after a failed check), so one test's leak does not fail the next.
inline void reap_leftover_children() {
  for (pid_t pid : children()) ::kill(pid, SIGKILL);
  for (pid_t pid : children()) ::waitpid(pid, nullptr, 0);
}

// Gone, or a zombie waiting for a reaper that is not us: not running either way.
inline bool gone_within(pid_t pid, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    const char state = proc_state(pid).state;
    if (state == 0 || state == 'Z') return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// /dev/shm/interpbench-<pid>-* of one owner pid.
inline std::vector<std::string> segments_of(pid_t pid) {
  std::vector<std::string> out;
  const std::string prefix = "interpbench-" + std::to_string(pid) + "-";
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/dev/shm", ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().filename().string().rfind(prefix, 0) == 0) out.push_back(it->path().filename());
  }
  return out;
}

// Every /dev/shm/interpbench-* name.
inline std::set<std::string> interpbench_segments() {
  std::set<std::string> out;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/dev/shm", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("interpbench-", 0) == 0) out.insert(name);
  }
  return out;
}

}  // namespace interpbench::testing
