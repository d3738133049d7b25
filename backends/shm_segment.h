#pragma once
// SharedSegment: one named POSIX shared-memory segment (/dev/shm/<name>), mapped read-write, owned
// RAII-style. The creator owns the name and removes it when destroyed; openers only map it.
// Names follow docs/design.md: interpbench-<ownerpid>-<runid>-<what>, so that a later run can
// tell a segment whose owner died (sweep_stale_segments) from one still in use.
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>

namespace interpbench {

class SharedSegment {
 public:
  // Exclusive creation (fails if the name exists: never adopt a segment we did not make), mode
  // 0600 whatever the umask, `bytes` zero-filled bytes. Throws std::runtime_error naming it.
  static SharedSegment create(const std::string& name, std::size_t bytes);
  // Maps an existing segment, whole. Throws std::runtime_error naming it.
  static SharedSegment open(const std::string& name);

  SharedSegment(SharedSegment&& other) noexcept;
  SharedSegment& operator=(SharedSegment&& other) noexcept;
  SharedSegment(const SharedSegment&) = delete;
  SharedSegment& operator=(const SharedSegment&) = delete;
  // Unmaps; the owner also removes the name (a failure goes to stderr, never thrown).
  ~SharedSegment();

  void* data() const noexcept { return region_.get_address(); }
  std::size_t size() const noexcept { return region_.get_size(); }
  const std::string& name() const noexcept { return name_; }
  bool owner() const noexcept { return owner_; }

  // Removes the name now (the mapping stays valid); idempotent. Owner only; noexcept like the
  // destructor. Lets a creator unlink as soon as every peer has attached.
  void remove_name() noexcept;

 private:
  SharedSegment(std::string name, bool owner, boost::interprocess::shared_memory_object shm,
                boost::interprocess::mapped_region region);

  std::string name_;
  bool owner_ = false;
  boost::interprocess::shared_memory_object shm_;
  boost::interprocess::mapped_region region_;
};

// "interpbench-<getpid()>-<run_id>-<what>"; run_id and what may hold [A-Za-z0-9_.] only.
std::string segment_name(std::string_view run_id, std::string_view what);
// A fresh random run id (16 hex digits), so names carry pid plus randomness.
std::string make_run_id();
// The owner pid encoded in an interpbench segment name, or -1 when it is not one.
pid_t segment_owner_pid(std::string_view name);

// False when no process has this pid, or it is a zombie (it exited; only its parent's reaping is
// left, and kill(pid, 0) still succeeds on it); true otherwise, also for processes we may not
// signal.
bool process_alive(pid_t pid);

// Removes every /dev/shm/interpbench-<pid>-* whose owner is not alive (process_alive) and returns
// the names removed. Segments of live processes are kept.
std::vector<std::string> sweep_stale_segments();

}  // namespace interpbench
