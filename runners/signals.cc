#include "runners/signals.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include <fmt/format.h>

#include "core/errors.h"

namespace interpbench {
namespace {

// Async-signal-safe state: the handler touches only these.
volatile std::sig_atomic_t g_received = 0;
int g_write_fd = -1;
struct sigaction g_old_int, g_old_term;

extern "C" void on_stop_signal(int signal_number) {
  const int saved_errno = errno;
  if (g_received == 0) g_received = signal_number;
  if (g_write_fd >= 0) {
    // Non-blocking: a full pipe already says "stop".
    [[maybe_unused]] auto n = ::write(g_write_fd, "!", 1);
  }
  errno = saved_errno;
}

sigset_t stop_signal_set() noexcept {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

// A pending one is delivered now.
void unblock_stop_signals() noexcept {
  const sigset_t set = stop_signal_set();
  ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace

void block_stop_signals() noexcept {
  const sigset_t set = stop_signal_set();
  ::pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

StopSignals::StopSignals() {
  g_received = 0;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw RunFailed(fmt::format("cannot create the signal pipe: {}", std::strerror(errno)));
  }
  pipe_ = Pipe{Fd(fds[0]), Fd(fds[1])};
  g_write_fd = fds[1];
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;  // other blocking calls go on; the supervisor polls fd()
  ::sigaction(SIGINT, &sa, &g_old_int);
  ::sigaction(SIGTERM, &sa, &g_old_term);
  unblock_stop_signals();  // one that came since main blocked them is handled now
}

StopSignals::~StopSignals() {
  ::sigaction(SIGINT, &g_old_int, nullptr);
  ::sigaction(SIGTERM, &g_old_term, nullptr);
  g_write_fd = -1;  // before pipe_ closes it
}

int StopSignals::fd() const noexcept { return pipe_.read_end.get(); }

int StopSignals::received() noexcept { return g_received; }

}  // namespace interpbench
