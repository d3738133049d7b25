#include "backends/subprocess/zygote.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include "platform/fd.h"
#include "platform/run_captured.h"

namespace interpbench {

namespace zygote_wire {

bool send(int socket, const std::string& text, int fd) {
  iovec iov{const_cast<char*>(text.data()), text.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
  if (fd >= 0) {
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &fd, sizeof(int));
  }
  for (;;) {
    // MSG_NOSIGNAL: a dead peer is an error to report, not a SIGPIPE.
    if (::sendmsg(socket, &msg, MSG_NOSIGNAL) >= 0) return true;
    if (errno != EINTR) return false;
  }
}

std::optional<std::string> recv(int socket, Deadline deadline, int* fd, bool* closed) {
  if (fd) *fd = -1;
  if (closed) *closed = false;
  for (;;) {
    int timeout_ms = -1;
    if (auto left = deadline.remaining()) {
      timeout_ms = static_cast<int>(std::min<long long>((left->count() + 999'999) / 1'000'000, 1'000'000));
    }
    pollfd p{socket, POLLIN, 0};
    const int r = ::poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) break;
    if (r == 0) return std::nullopt;  // the deadline
    char buf[4096];
    iovec iov{buf, sizeof buf};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        int received = -1;
        std::memcpy(&received, CMSG_DATA(c), sizeof(int));
        Fd owned(received);
        if (fd) *fd = owned.release();
      }
    }
    return std::string(buf, static_cast<std::size_t>(n));
  }
  if (closed) *closed = true;
  return std::nullopt;
}

}  // namespace zygote_wire

Zygote::Zygote(const std::filesystem::path& worker_exe, const WorkloadRef& ref, Deadline ready_by) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    throw std::system_error(errno, std::generic_category(), "zygote: socketpair");
  }
  control_.reset(sv[0]);
  Fd ours_to_pass(sv[1]);
  // Above kPassedFd, so the spawn's dup2 to kPassedFd always makes a new (inheritable) descriptor.
  const Fd theirs(::fcntl(ours_to_pass.get(), F_DUPFD_CLOEXEC, kPassedFd + 1));
  if (!theirs) throw std::system_error(errno, std::generic_category(), "zygote: fcntl");
  ours_to_pass.reset();
  SpawnOptions o;
  o.executable = worker_exe;
  o.args = {"--zygote", "--workload", ref.file.string(), "--module", ref.module_name,
            "--params", ref.params_json, "--parent-pid", std::to_string(::getpid())};
  if (ref.import_site) o.args.push_back("--import-site");
  o.own_process_group = false;  // the driver's group: the supervisor's kill takes it too
  o.stdout_mode = SpawnOptions::Output::kNull;
  o.capture_stderr = true;
  o.stderr_tail_lines = 50;
  o.pass_fd = theirs.get();
  process_ = std::make_unique<ChildProcess>(std::move(o));
  const auto reply = zygote_wire::recv(control_.get(), ready_by);
  if (reply == "ready") return;
  const std::string why = reply && reply->starts_with("error ") ? reply->substr(6)
                          : reply ? "unexpected reply '" + *reply + "'"
                                  : "not ready in time";
  control_.reset();
  process_->kill_and_reap();
  throw std::runtime_error("zygote: " + why);
}

Zygote::~Zygote() {
  control_.reset();  // end of requests: the zygote exits
  if (process_ && !process_->wait(Deadline::after(kExitTimeout))) process_->kill_and_reap();
}

void Zygote::fail(const std::string& what) {
  std::string text = "zygote: " + what;
  if (!process_->wait(Deadline::after(std::chrono::milliseconds(200)))) process_->kill_and_reap();
  text += " (zygote " + process_->status()->describe();
  if (const std::string why = last_line(process_->stderr_tail()); !why.empty()) text += ": " + why;
  throw std::runtime_error(text + ")");
}

std::unique_ptr<ChildProcess> Zygote::fork_worker(const WorkerSlot& slot, const SpawnOptions& options,
                                                  Deadline deadline) {
  if (!process_->running()) fail("gone");
  Pipe err = make_pipe();
  const std::string request = "fork " + slot.channels + " " + (slot.pool.empty() ? "-" : slot.pool) +
                              " " + std::to_string(slot.worker_id) + " " +
                              std::to_string(slot.worker_count);
  const bool sent = zygote_wire::send(control_.get(), request, err.write_end.get());
  err.write_end.reset();  // the worker holds the write end now: EOF comes when it exits
  bool closed = false;
  const auto reply = sent ? zygote_wire::recv(control_.get(), deadline, nullptr, &closed) : std::nullopt;
  if (!reply || !reply->starts_with("pid ")) {
    if (!sent || closed) fail("exited");
    if (!reply) fail("no answer to a fork request in time");
    if (reply->starts_with("error ")) throw std::runtime_error("zygote: " + reply->substr(6));
    throw std::runtime_error("zygote: unexpected reply '" + *reply + "'");
  }
  const pid_t pid = static_cast<pid_t>(std::stol(reply->substr(4)));
  return ChildProcess::adopt(pid, err.read_end.release(), options);
}

}  // namespace interpbench
