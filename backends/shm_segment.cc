#include "backends/shm_segment.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <utility>

#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/permissions.hpp>

namespace interpbench {
namespace bip = boost::interprocess;

namespace {

constexpr std::string_view kPrefix = "interpbench-";

bool valid_part(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

SharedSegment::SharedSegment(std::string name, bool owner, bip::shared_memory_object shm,
                             bip::mapped_region region)
    : name_(std::move(name)), owner_(owner), shm_(std::move(shm)), region_(std::move(region)) {}

SharedSegment SharedSegment::create(const std::string& name, std::size_t bytes) {
  try {
    bip::permissions perm;
    perm.set_permissions(0600);
    bip::shared_memory_object shm(bip::create_only, name.c_str(), bip::read_write, perm);
    try {
      shm.truncate(static_cast<bip::offset_t>(bytes));
      bip::mapped_region region(shm, bip::read_write);
      return SharedSegment(name, true, std::move(shm), std::move(region));
    } catch (...) {
      bip::shared_memory_object::remove(name.c_str());  // ours: don't leave it behind
      throw;
    }
  } catch (const bip::interprocess_exception& e) {
    throw std::runtime_error("cannot create shared memory segment '" + name + "': " + e.what());
  }
}

SharedSegment SharedSegment::open(const std::string& name) {
  try {
    bip::shared_memory_object shm(bip::open_only, name.c_str(), bip::read_write);
    bip::mapped_region region(shm, bip::read_write);
    return SharedSegment(name, false, std::move(shm), std::move(region));
  } catch (const bip::interprocess_exception& e) {
    throw std::runtime_error("cannot open shared memory segment '" + name + "': " + e.what());
  }
}

SharedSegment::SharedSegment(SharedSegment&& other) noexcept
    : name_(std::move(other.name_)),
      owner_(std::exchange(other.owner_, false)),
      shm_(std::move(other.shm_)),
      region_(std::move(other.region_)) {
  other.name_.clear();
}

SharedSegment& SharedSegment::operator=(SharedSegment&& other) noexcept {
  if (this != &other) {
    remove_name();
    name_ = std::exchange(other.name_, {});
    owner_ = std::exchange(other.owner_, false);
    shm_ = std::move(other.shm_);
    region_ = std::move(other.region_);
  }
  return *this;
}

SharedSegment::~SharedSegment() { remove_name(); }

void SharedSegment::remove_name() noexcept {
  if (!owner_) return;
  owner_ = false;
  if (!bip::shared_memory_object::remove(name_.c_str())) {
    std::fprintf(stderr, "interpbench: cannot remove shared memory segment '%s'\n", name_.c_str());
  }
}

std::string segment_name(std::string_view run_id, std::string_view what) {
  if (!valid_part(run_id) || !valid_part(what)) {
    throw std::invalid_argument("bad shared memory name part: '" + std::string(run_id) + "', '" +
                                std::string(what) + "'");
  }
  return std::string(kPrefix) + std::to_string(getpid()) + "-" + std::string(run_id) + "-" +
         std::string(what);
}

std::string make_run_id() {
  std::random_device rd;
  const std::uint64_t r = (std::uint64_t{rd()} << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(r));
  return buf;
}

pid_t segment_owner_pid(std::string_view name) {
  if (!name.starts_with(kPrefix)) return -1;
  name.remove_prefix(kPrefix.size());
  const auto dash = name.find('-');
  if (dash == std::string_view::npos || dash == 0) return -1;
  pid_t pid = -1;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + dash, pid);
  if (ec != std::errc{} || end != name.data() + dash || pid <= 0) return -1;
  return pid;
}

bool process_alive(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  // /proc/PID/stat: "pid (comm) S ..."; comm may hold spaces and parentheses, the state follows
  // the last ')'.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!stat || !std::getline(stat, line)) return ::kill(pid, 0) == 0 || errno != ESRCH;
  const auto paren = line.rfind(')');
  if (paren == std::string::npos || line.size() < paren + 3) return true;
  const char state = line[paren + 2];
  return state != 'Z' && state != 'X';
}

std::vector<std::string> sweep_stale_segments() {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm", ec)) {
    const std::string name = entry.path().filename().string();
    const pid_t pid = segment_owner_pid(name);
    if (pid <= 0) continue;
    if (process_alive(pid)) continue;
    if (bip::shared_memory_object::remove(name.c_str())) removed.push_back(name);
  }
  return removed;
}

}  // namespace interpbench
