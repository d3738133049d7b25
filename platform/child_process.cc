#include "platform/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

extern char** environ;

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

namespace interpbench {

namespace {

constexpr std::size_t kMaxCapturedStdout = 16u << 20;
constexpr std::size_t kMaxLineBytes = 4096;  // a longer stderr line is cut: the tail stays small
// How long the destructor waits for a SIGKILLed child (one stuck in uninterruptible sleep).
constexpr auto kReapAfterKillTimeout = std::chrono::seconds(30);

[[noreturn]] void throw_errno(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// RAII over the posix_spawn attribute and file-action objects.
struct SpawnAttr {
  posix_spawnattr_t attr;
  SpawnAttr() { posix_spawnattr_init(&attr); }
  ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
};
struct SpawnActions {
  posix_spawn_file_actions_t actions;
  SpawnActions() { posix_spawn_file_actions_init(&actions); }
  ~SpawnActions() { posix_spawn_file_actions_destroy(&actions); }
};

std::vector<std::string> build_env(const SpawnOptions& o) {
  std::vector<std::string> env;
  auto key_of = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
  if (o.inherit_env) {
    for (char** e = environ; e && *e; ++e) {
      std::string kv(*e);
      bool overridden = std::any_of(o.env.begin(), o.env.end(),
                                    [&](const std::string& x) { return key_of(x) == key_of(kv); });
      if (!overridden) env.push_back(std::move(kv));
    }
  }
  env.insert(env.end(), o.env.begin(), o.env.end());
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

ExitStatus decode(int status) {
  ExitStatus s;
  if (WIFSIGNALED(status)) {
    s.signal = WTERMSIG(status);
    s.core_dumped = WCOREDUMP(status);
  } else if (WIFEXITED(status)) {
    s.exit_code = WEXITSTATUS(status);
  }
  return s;
}

}  // namespace

std::string signal_name(int signal_number) {
  if (const char* abbrev = ::sigabbrev_np(signal_number)) return std::string("SIG") + abbrev;
  return "signal " + std::to_string(signal_number);
}

std::string ExitStatus::describe() const {
  if (signal != 0) return "killed by " + signal_name(signal);
  if (exit_code < 0) return "exit status unknown (reaped elsewhere)";
  return "exit status " + std::to_string(exit_code);
}

// The read ends of the captured pipes and the thread that drains them. Shared with that thread so
// that, in the worst case (a child that can't be reaped), the thread can be detached safely.
struct ChildProcess::Output {
  Fd stderr_fd, stdout_fd;
  Fd pidfd;  // a dup: the thread stops once the child has exited
  bool echo_stderr = false;
  std::size_t tail_lines = 20;

  mutable std::mutex mu;
  std::deque<std::string> lines;  // guarded by mu
  std::string partial;            // guarded by mu: the current unterminated line
  std::string out;                // guarded by mu: captured stdout
  std::thread thread;

  void take_stderr(const char* data, std::size_t n) {
    if (echo_stderr) {
      [[maybe_unused]] auto w = ::write(STDERR_FILENO, data, n);
    }
    std::lock_guard lock(mu);
    for (std::size_t i = 0; i < n; ++i) {
      if (data[i] == '\n') {
        lines.push_back(std::move(partial));
        partial.clear();
        if (lines.size() > tail_lines) lines.pop_front();
      } else if (partial.size() < kMaxLineBytes) {
        partial.push_back(data[i]);
      }
    }
  }
  void take_stdout(const char* data, std::size_t n) {
    std::lock_guard lock(mu);
    out.append(data, std::min(n, kMaxCapturedStdout - std::min(out.size(), kMaxCapturedStdout)));
  }

  // Reads what is available on `fd`; false at EOF or error (the fd is then closed).
  bool read_some(Fd& fd, bool is_stderr) {
    char buf[8192];
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
    if (n <= 0) {
      fd.reset();
      return false;
    }
    is_stderr ? take_stderr(buf, n) : take_stdout(buf, n);
    return true;
  }

  static void run(std::shared_ptr<Output> self) {
    for (;;) {
      pollfd fds[3];
      int n = 0;
      int err_i = -1, out_i = -1;
      if (self->stderr_fd.get() >= 0) { err_i = n; fds[n++] = {self->stderr_fd.get(), POLLIN, 0}; }
      if (self->stdout_fd.get() >= 0) { out_i = n; fds[n++] = {self->stdout_fd.get(), POLLIN, 0}; }
      if (n == 0) return;  // both pipes at EOF
      int pid_i = n;
      fds[n++] = {self->pidfd.get(), POLLIN, 0};
      // No timeout: this thread ends when the child exits, which the owner guarantees (it kills
      // and reaps in its destructor).
      int r = ::poll(fds, n, -1);
      if (r < 0) {
        if (errno == EINTR) continue;
        return;
      }
      if (err_i >= 0 && fds[err_i].revents) self->read_some(self->stderr_fd, true);
      if (out_i >= 0 && fds[out_i].revents) self->read_some(self->stdout_fd, false);
      if (fds[pid_i].revents) {
        // The child is gone: what it wrote is already in the pipes. Drain without blocking, since
        // a grandchild may hold the write end open forever; bounded in case one keeps writing.
        for (Fd* fd : {&self->stderr_fd, &self->stdout_fd}) {
          if (fd->get() < 0) continue;
          ::fcntl(fd->get(), F_SETFL, ::fcntl(fd->get(), F_GETFL) | O_NONBLOCK);
          for (int i = 0; i < 256 && fd->get() >= 0; ++i) {
            char buf[8192];
            ssize_t k = ::read(fd->get(), buf, sizeof buf);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) break;
            fd == &self->stderr_fd ? self->take_stderr(buf, k) : self->take_stdout(buf, k);
          }
        }
        return;
      }
    }
  }
};

ChildProcess::ChildProcess(SpawnOptions options) : options_(std::move(options)) {
  const std::string exe = std::filesystem::absolute(options_.executable).string();
  const std::string what = "cannot start '" + exe + "'";

  SpawnActions fa;
  Pipe err_pipe, out_pipe;
  if (options_.stdin_null) {
    posix_spawn_file_actions_addopen(&fa.actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  switch (options_.stdout_mode) {
    case SpawnOptions::Output::kInherit: break;
    case SpawnOptions::Output::kNull:
      posix_spawn_file_actions_addopen(&fa.actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
      break;
    case SpawnOptions::Output::kFile: {
      const std::string file = std::filesystem::absolute(options_.stdout_file).string();
      posix_spawn_file_actions_addopen(&fa.actions, STDOUT_FILENO, file.c_str(),
                                       O_WRONLY | O_CREAT | O_TRUNC, 0644);
      break;
    }
    case SpawnOptions::Output::kCapture:
      out_pipe = make_pipe();
      posix_spawn_file_actions_adddup2(&fa.actions, out_pipe.write_end.get(), STDOUT_FILENO);
      break;
  }
  if (options_.capture_stderr) {
    err_pipe = make_pipe();
    posix_spawn_file_actions_adddup2(&fa.actions, err_pipe.write_end.get(), STDERR_FILENO);
  }
  if (options_.pass_fd >= 0) {
    posix_spawn_file_actions_adddup2(&fa.actions, options_.pass_fd, kPassedFd);
  }
  std::string dir;
  if (!options_.working_dir.empty()) {
    dir = options_.working_dir.string();
    posix_spawn_file_actions_addchdir_np(&fa.actions, dir.c_str());  // after the opens above
  }

  SpawnAttr attr;
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
  // The parent's threads may block signals and ignore SIGPIPE; the child starts clean.
  sigset_t empty, all;
  sigemptyset(&empty);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&attr.attr, &empty);
  posix_spawnattr_setsigdefault(&attr.attr, &all);
  if (options_.own_process_group) {
    flags |= POSIX_SPAWN_SETPGROUP;
    posix_spawnattr_setpgroup(&attr.attr, 0);
  }
  posix_spawnattr_setflags(&attr.attr, flags);

  std::vector<std::string> argv_strings;
  argv_strings.push_back(exe);
  argv_strings.insert(argv_strings.end(), options_.args.begin(), options_.args.end());
  std::vector<std::string> env_strings = build_env(options_);
  auto argv = c_strings(argv_strings);
  auto envp = c_strings(env_strings);

  // glibc's posix_spawn (clone with CLONE_VFORK) reports exec failures such as ENOENT here.
  int rc = ::posix_spawn(&pid_, exe.c_str(), &fa.actions, &attr.attr, argv.data(), envp.data());
  if (rc != 0) throw_errno(rc, what);
  err_pipe.write_end.reset();
  out_pipe.write_end.reset();
  watch(err_pipe.read_end.release(), out_pipe.read_end.release(), what);
}

std::unique_ptr<ChildProcess> ChildProcess::adopt(pid_t pid, int stderr_fd, SpawnOptions options) {
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->options_ = std::move(options);
  child->pid_ = pid;
  child->watch(stderr_fd, -1, "cannot adopt child " + std::to_string(pid));
  return child;
}

void ChildProcess::watch(int stderr_fd, int stdout_fd, const std::string& what) {
  Pipe err_pipe{Fd(stderr_fd), Fd()}, out_pipe{Fd(stdout_fd), Fd()};
  pidfd_.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)));
  if (!pidfd_) {
    int err = errno;
    ::kill(pid_, SIGKILL);
    int st;
    ::waitpid(pid_, &st, 0);
    status_ = decode(st);
    throw_errno(err, what + " (pidfd_open needs Linux >= 5.3)");
  }

  if (err_pipe.read_end.get() >= 0 || out_pipe.read_end.get() >= 0) {
    auto out = std::make_shared<Output>();
    out->stderr_fd = std::move(err_pipe.read_end);
    out->stdout_fd = std::move(out_pipe.read_end);
    out->pidfd = Fd(::fcntl(pidfd_.get(), F_DUPFD_CLOEXEC, 0));
    out->echo_stderr = options_.echo_stderr;
    out->tail_lines = std::max<std::size_t>(1, options_.stderr_tail_lines);
    if (out->pidfd.get() < 0) {
      kill_and_reap();
      throw_errno(errno, what);
    }
    output_ = out;
    out->thread = std::thread(&Output::run, out);
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && running()) kill_and_reap();
  if (output_ && output_->thread.joinable()) {
    if (running()) {
      output_->thread.detach();  // the child could not be reaped: never block here
    } else {
      output_->thread.join();
    }
  }
}

pid_t ChildProcess::pid() const noexcept { return pid_; }
int ChildProcess::pidfd() const noexcept { return pidfd_.get(); }

std::optional<ExitStatus> ChildProcess::wait(Deadline deadline) {
  while (!status_) {
    int timeout_ms = -1;
    if (auto left = deadline.remaining()) {
      timeout_ms = static_cast<int>(
          std::min<long long>((left->count() + 999'999) / 1'000'000, 1'000'000'000LL));
    }
    pollfd p{pidfd_.get(), POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw_errno(errno, "cannot wait for child " + std::to_string(pid_));
    }
    if (r > 0) {
      int st = 0;
      pid_t w = ::waitpid(pid_, &st, WNOHANG);
      if (w == pid_) {
        status_ = decode(st);
      } else if (w < 0 && errno == ECHILD) {
        status_ = ExitStatus{-1, 0, false};  // someone else reaped it (a SIGCHLD handler)
      } else if (w < 0 && errno != EINTR) {
        throw_errno(errno, "cannot reap child " + std::to_string(pid_));
      }
    } else if (deadline.expired()) {
      return std::nullopt;
    }
  }
  if (output_ && output_->thread.joinable()) output_->thread.join();
  return status_;
}

void ChildProcess::kill(int signal_number) noexcept {
  if (pid_ > 0 && running()) ::kill(pid_, signal_number);
}

void ChildProcess::kill_group(int signal_number) noexcept {
  if (pid_ <= 0 || !running()) return;
  if (options_.own_process_group) {
    ::killpg(pid_, signal_number);
  } else {
    ::kill(pid_, signal_number);
  }
}

ExitStatus ChildProcess::kill_and_reap() noexcept {
  if (status_) return *status_;
  kill_group(SIGKILL);
  try {
    if (auto s = wait(Deadline::after(kReapAfterKillTimeout))) return *s;
    std::fprintf(stderr, "interpbench: child %d did not die after SIGKILL\n",
                 static_cast<int>(pid_));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "interpbench: %s\n", e.what());
  }
  return ExitStatus{-1, SIGKILL, false};
}

std::string ChildProcess::stderr_tail() const {
  if (!output_) return {};
  std::lock_guard lock(output_->mu);
  std::string text;
  for (const auto& line : output_->lines) {
    text += line;
    text += '\n';
  }
  text += output_->partial;
  return text;
}

std::string ChildProcess::captured_stdout() const {
  if (!output_) return {};
  std::lock_guard lock(output_->mu);
  return output_->out;
}

}  // namespace interpbench
