#include "backends/subprocess/subprocess_backend.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>

#include "backends/shm_channel.h"
#include "backends/shm_segment.h"
#include "platform/child_process.h"
#include "platform/fd.h"
#include "backends/subprocess/fork_start.h"
#include "backends/subprocess/shm_buffer_pool.h"
#include "backends/subprocess/worker_process.h"
#include "backends/subprocess/zygote.h"

namespace interpbench {

namespace {

// Sparse: tmpfs only backs the pages buffers actually touch; room for a few 16 MiB messages in
// flight per worker.
constexpr std::size_t kPoolBytes = 256u << 20;
// Enough for a deep traceback above the error marker.
constexpr std::size_t kWorkerStderrLines = 200;
// The zygote imports the workload before it is ready; then each fork takes milliseconds.
constexpr auto kZygoteReadyTimeout = std::chrono::seconds(60);
constexpr auto kZygoteReplyTimeout = std::chrono::seconds(30);

std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      ++i;
      out.push_back(s[i] == 'n' ? '\n' : s[i]);
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    auto nl = text.find('\n');
    lines.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::string join_lines(const std::vector<std::string_view>& lines, std::size_t begin,
                       std::size_t end) {
  std::string out;
  for (std::size_t i = begin; i < end; ++i) {
    out += lines[i];
    out += '\n';
  }
  return out;
}

// How worker `id` ended, from its exit status and the tail of its stderr.
WorkerOutcome outcome_of(std::size_t id, const ExitStatus& status, bool killed_at_deadline,
                         const std::string& stderr_tail) {
  WorkerOutcome o;
  o.worker_id = id;
  auto lines = split_lines(stderr_tail);
  o.pin_failed = std::any_of(lines.begin(), lines.end(), [](std::string_view line) {
    return line.starts_with(kWorkerUnpinnedMarker);
  });
  if (killed_at_deadline) {
    o.ok = false;
    o.error = "did not finish by the deadline (killed by SIGKILL)";
    o.traceback = stderr_tail;
    return o;
  }
  if (status.success()) return o;
  o.ok = false;
  const std::string_view marker = kWorkerErrorMarker;
  if (status.signal == 0 && status.exit_code == kWorkerExitPythonError) {
    for (std::size_t i = lines.size(); i-- > 0;) {
      if (lines[i].starts_with(marker)) {
        o.error = unescape(lines[i].substr(marker.size()));
        o.traceback = join_lines(lines, 0, i);
        return o;
      }
    }
  }
  o.error = status.describe();
  if (status.signal == 0) {
    // An exit code without a reported Python error: the worker's last words say why.
    for (std::size_t i = lines.size(); i-- > 0;) {
      if (!lines[i].empty()) {
        o.error += ": " + std::string(lines[i]);
        break;
      }
    }
  }
  o.traceback = stderr_tail;
  return o;
}

// The owning end of an eventfd: wakes the reaper thread when the group is done with it.
class EventFd {
 public:
  EventFd() : fd_(::eventfd(0, EFD_CLOEXEC)) {
    if (!fd_) throw std::system_error(errno, std::generic_category(), "eventfd");
  }
  int fd() const { return fd_.get(); }
  void signal() noexcept {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd_.get(), &one, sizeof one);
  }

 private:
  Fd fd_;
};

class SubprocessGroup final : public WorkerGroup {
 public:
  // `zygote` is used with StartMethod::kZygote only.
  SubprocessGroup(const WorkloadRef& workload, std::size_t n, const ChannelOptions& options,
                  StartMethod method, Zygote* zygote)
      : run_id_(make_run_id()),
        set_(ShmChannelSet::create(segment_name(run_id_, "chan"), n, options.ring_bytes)),
        pool_(ShmBufferPool::create(segment_name(run_id_, "pool"), kPoolBytes)) {
    std::vector<WorkerSlot> slots;
    set_.use_pool(pool_);  // big messages to a receiver that reads views: one copy (ShmChannel)
    for (std::size_t i = 0; i < n; ++i) slots.push_back({set_.name(), pool_->name(), i, n});
    SpawnOptions o;
    // The driver's process group: whoever kills the driver's group kills its workers too.
    o.own_process_group = false;
    o.capture_stderr = true;
    o.stderr_tail_lines = kWorkerStderrLines;
    // A throw below destroys the children started so far (killed and reaped) and both segments.
    switch (method) {
      case StartMethod::kExec: spawn(workload, slots, o); break;
      case StartMethod::kFork: children_ = fork_workers(slots, workload, o); break;
      case StartMethod::kZygote:
        for (const WorkerSlot& slot : slots) {
          children_.push_back(zygote->fork_worker(slot, o, Deadline::after(kZygoteReplyTimeout)));
        }
        break;
    }
    reaper_ = std::thread([this] { reap(); });
  }

  ~SubprocessGroup() override {
    set_.close_all();  // wakes any driver thread still blocked on a channel
    for (auto& child : children_) child->kill_and_reap();
    stop_reaper();
    // The mapping may live on in channels the driver still holds; the name goes now.
    set_.segment().remove_name();
  }

  std::size_t size() const override { return children_.size(); }
  ChannelPair& channels(std::size_t worker) override { return set_.channels(worker); }
  BufferPool& buffer_pool() override { return *pool_; }
  MemoryScope memory_scope() const override { return MemoryScope::kPerWorkerProcess; }

  std::vector<pid_t> worker_pids() const override {
    std::vector<pid_t> pids;
    for (const auto& child : children_) pids.push_back(child->pid());
    return pids;
  }

  std::vector<WorkerOutcome> join(Deadline deadline) override {
    if (outcomes_) return *outcomes_;
    for (std::size_t i = 0; i < size(); ++i) set_.channels(i).to_worker->close();
    std::vector<bool> killed(size(), false);
    for (std::size_t i = 0; i < size(); ++i) {
      if (!children_[i]->wait(deadline)) {
        children_[i]->kill_and_reap();
        killed[i] = true;
      }
    }
    stop_reaper();
    set_.close_all();
    std::vector<WorkerOutcome> outcomes;
    for (std::size_t i = 0; i < size(); ++i) {
      outcomes.push_back(outcome_of(i, *children_[i]->status(), killed[i],
                                    children_[i]->stderr_tail()));
    }
    outcomes_ = outcomes;
    return outcomes;
  }

 private:
  // Runs until every worker has exited or the group stops it: closes a dead worker's two
  // channels at once, so the driver never blocks on a peer that is gone. Only polls the
  // pidfds; reaping stays with join() and the destructor (ChildProcess is not thread-safe).
  void reap() {
    const std::size_t n = children_.size();
    std::vector<pollfd> fds(n + 1);
    for (std::size_t i = 0; i < n; ++i) fds[i] = {children_[i]->pidfd(), POLLIN, 0};
    fds[n] = {stop_.fd(), POLLIN, 0};
    std::size_t alive = n;
    while (alive > 0) {
      // No timeout: the group always signals stop_ before it goes (join or destructor).
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        std::fprintf(stderr, "interpbench: worker reaper: poll failed (errno %d)\n", errno);
        return;
      }
      if (fds[n].revents) return;
      for (std::size_t i = 0; i < n; ++i) {
        if (fds[i].fd >= 0 && fds[i].revents) {
          set_.channels(i).to_worker->close();
          set_.channels(i).from_worker->close();
          fds[i].fd = -1;  // poll ignores negative descriptors
          --alive;
        }
      }
    }
  }

  void spawn(const WorkloadRef& workload, const std::vector<WorkerSlot>& slots, const SpawnOptions& common) {
    const auto exe = find_worker_executable();
    const std::string parent = std::to_string(::getpid());
    children_.reserve(slots.size());
    for (const WorkerSlot& slot : slots) {
      SpawnOptions o = common;
      o.executable = exe;
      o.args = {"--channels",     slot.channels,
                "--pool",         slot.pool,
                "--worker-id",    std::to_string(slot.worker_id),
                "--worker-count", std::to_string(slot.worker_count),
                "--workload",     workload.file.string(),
                "--module",       workload.module_name,
                "--params",       workload.params_json,
                "--parent-pid",   parent};
      if (workload.import_site) o.args.push_back("--import-site");
      children_.push_back(std::make_unique<ChildProcess>(std::move(o)));
    }
  }

  void stop_reaper() noexcept {
    if (!reaper_.joinable()) return;
    stop_.signal();
    reaper_.join();
  }

  std::string run_id_;
  ShmChannelSet set_;
  std::shared_ptr<ShmBufferPool> pool_;
  std::vector<std::unique_ptr<ChildProcess>> children_;
  EventFd stop_;
  std::thread reaper_;
  std::optional<std::vector<WorkerOutcome>> outcomes_;
};

class SubprocessBackend final : public Backend {
 public:
  explicit SubprocessBackend(StartMethod method) : method_(method) {}
  std::string_view name() const override { return "subprocess"; }
  std::string gil_mode() const override { return "process"; }

  // One zygote per workload: it has imported that file with those params.
  void prepare(const WorkloadRef& workload) override {
    if (method_ != StartMethod::kZygote) return;
    const auto key = std::tie(workload.file, workload.module_name, workload.params_json,
                              workload.import_site);
    if (zygote_ && key == std::tie(zygote_for_.file, zygote_for_.module_name,
                                   zygote_for_.params_json, zygote_for_.import_site)) {
      return;
    }
    zygote_.reset();
    zygote_ = std::make_unique<Zygote>(find_worker_executable(), workload,
                                       Deadline::after(kZygoteReadyTimeout));
    zygote_for_ = workload;
  }

  std::unique_ptr<WorkerGroup> start(const WorkloadRef& workload, std::size_t n,
                                     const ChannelOptions& options) override {
    prepare(workload);  // a no-op once prepared (a caller that skipped prepare pays for it here)
    return std::make_unique<SubprocessGroup>(workload, n, options, method_, zygote_.get());
  }

 private:
  StartMethod method_;
  std::unique_ptr<Zygote> zygote_;
  WorkloadRef zygote_for_;
};

}  // namespace

std::filesystem::path find_worker_executable() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (const char* env = std::getenv("INTERPBENCH_WORKER"); env && *env) {
    if (!fs::is_regular_file(env, ec)) {
      throw std::runtime_error(std::string("INTERPBENCH_WORKER='") + env + "' is not a file");
    }
    return env;
  }
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    auto sibling = self.parent_path() / "interpbench-worker";
    if (fs::is_regular_file(sibling, ec)) return sibling;
  }
#ifdef INTERPBENCH_WORKER_BUILD_PATH
  if (fs::path built = INTERPBENCH_WORKER_BUILD_PATH; fs::is_regular_file(built, ec)) return built;
#endif
  throw std::runtime_error("cannot find interpbench-worker next to '" + self.string() +
                           "' (set INTERPBENCH_WORKER to its path)");
}

std::unique_ptr<Backend> make_subprocess_backend(const BackendOptions& options) {
  return std::make_unique<SubprocessBackend>(options.start_method);
}

}  // namespace interpbench
