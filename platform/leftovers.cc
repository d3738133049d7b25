#include "platform/leftovers.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>
#include <string>
#include <thread>

namespace interpbench {
namespace {

// /proc/PID/stat, or "" when the process is gone. A process may exit between the open and the
// read, which then fails with ESRCH: plain read(2), since libstdc++'s filebuf throws from there
// (an istreambuf_iterator let that escape and end a run: FaultTest under ASan).
std::string read_stat(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string out;
  char buf[512];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) out.clear();  // gone while we read it
    break;
  }
  ::close(fd);
  return out;
}

bool parse_stat(pid_t pid, ProcessEntry& e) {
  const std::string line = read_stat(pid);
  if (line.empty()) return false;
  // "pid (comm) S ppid pgrp ...": comm may hold spaces and parentheses, so after the last ')'.
  const auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return false;
  const char* p = line.data() + close + 2;
  const char* end = line.data() + line.size();
  e.pid = pid;
  e.state = *p;
  p += 1;
  long fields[2] = {0, 0};
  for (long& f : fields) {
    while (p < end && *p == ' ') ++p;
    const auto [next, ec] = std::from_chars(p, end, f);
    if (ec != std::errc{}) return false;
    p = next;
  }
  e.ppid = static_cast<pid_t>(fields[0]);
  e.pgrp = static_cast<pid_t>(fields[1]);
  return true;
}

// Reaps `pid` if it is our child and dead; true when it is gone for good.
bool reap(pid_t pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  return r == pid || (r < 0 && errno == ECHILD);
}

// The living processes that are left: members of the group, and our children not in `keep`.
// Zombie children of ours are reaped on the way.
std::vector<ProcessEntry> survivors(pid_t pgid, const std::set<pid_t>& keep) {
  const pid_t self = ::getpid();
  std::vector<ProcessEntry> out;
  for (const ProcessEntry& e : list_processes()) {
    if (e.pid == self) continue;
    const bool ours = e.ppid == self && !keep.contains(e.pid);
    const bool in_group = pgid > 0 && e.pgrp == pgid;
    if (!ours && !in_group) continue;
    if (e.state == 'Z' || e.state == 'X') {
      if (ours) reap(e.pid);
      continue;  // dead already: its parent (or we, once it is ours) reaps it
    }
    out.push_back(e);
  }
  return out;
}

}  // namespace

std::vector<ProcessEntry> list_processes() {
  std::vector<ProcessEntry> out;
  const std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc"), ::closedir);
  if (dir == nullptr) return out;
  while (const dirent* d = ::readdir(dir.get())) {
    pid_t pid = 0;
    const char* name = d->d_name;
    const auto [p, ec] = std::from_chars(name, name + std::strlen(name), pid);
    if (ec != std::errc{} || *p != '\0' || pid <= 0) continue;
    ProcessEntry e;
    if (parse_stat(pid, e)) out.push_back(e);
  }
  return out;
}

std::set<pid_t> own_children() {
  std::set<pid_t> out;
  const pid_t self = ::getpid();
  for (const ProcessEntry& e : list_processes()) {
    if (e.ppid == self) out.insert(e.pid);
  }
  return out;
}

bool become_child_subreaper() noexcept { return ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

int end_leftovers(pid_t pgid, const std::set<pid_t>& keep, std::chrono::milliseconds grace,
                  Deadline deadline) {
  using namespace std::chrono_literals;
  const Deadline grace_ends = Deadline::after(grace);
  std::vector<ProcessEntry> left = survivors(pgid, keep);
  while (!left.empty() && !grace_ends.expired()) {
    std::this_thread::sleep_for(5ms);
    left = survivors(pgid, keep);
  }
  // Kill and reap until nothing is left: killing a member may orphan an escaped process, which
  // is then reparented to us and turns up in the next pass.
  std::set<pid_t> killed;
  while (!left.empty()) {
    if (pgid > 0) ::kill(-pgid, SIGKILL);
    for (const ProcessEntry& e : left) {
      ::kill(e.pid, SIGKILL);
      killed.insert(e.pid);
    }
    if (deadline.expired()) break;
    std::this_thread::sleep_for(2ms);
    left = survivors(pgid, keep);
  }
  return static_cast<int>(killed.size());
}

}  // namespace interpbench
