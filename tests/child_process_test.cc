// ChildProcess: exit codes and signal names come back, a timeout leaves the child running, a
// chatty child never blocks, and nothing (no zombie, no orphan) survives the object.
#include "platform/child_process.h"
#include "platform/leftovers.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

namespace interpbench {
namespace {

using namespace std::chrono_literals;

SpawnOptions shell(const std::string& script) {
  SpawnOptions o;
  o.executable = "/bin/sh";
  o.args = {"-c", script};
  return o;
}

bool pid_exists(pid_t pid) { return std::filesystem::exists("/proc/" + std::to_string(pid)); }

// Alive: exists and is not a zombie (an orphan's zombie is init's to reap, at init's pace).
bool pid_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

TEST(ChildProcessTest, ReportsExitCode) {
  ChildProcess child(shell("exit 3"));
  auto status = child.wait(Deadline::after(10s));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, 3);
  EXPECT_EQ(status->signal, 0);
  EXPECT_FALSE(status->success());
  EXPECT_EQ(status->describe(), "exit status 3");
}

TEST(ChildProcessTest, ReportsSignalName) {
  ChildProcess child(shell("kill -SEGV $$"));
  auto status = child.wait(Deadline::after(10s));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGSEGV);
  EXPECT_EQ(status->describe(), "killed by SIGSEGV");
}

TEST(ChildProcessTest, SignalNames) {
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGABRT), "SIGABRT");
}

TEST(ChildProcessTest, WaitTimesOutThenKillReaps) {
  ChildProcess child(shell("exec sleep 30"));
  EXPECT_FALSE(child.wait(Deadline::after(50ms)));
  EXPECT_TRUE(child.running());
  child.kill();
  auto status = child.wait(Deadline::after(10s));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->signal, SIGKILL);
}

TEST(ChildProcessTest, KeepsStderrTail) {
  SpawnOptions o = shell("i=0; while [ $i -lt 50 ]; do echo line$i >&2; i=$((i+1)); done; "
                         "printf 'no newline' >&2; exit 1");
  o.stderr_tail_lines = 3;
  ChildProcess child(o);
  ASSERT_TRUE(child.wait(Deadline::after(10s)));
  EXPECT_EQ(child.stderr_tail(), "line47\nline48\nline49\nno newline");
}

TEST(ChildProcessTest, ChattyChildNeverBlocks) {
  // 4 MiB on stderr, far more than a pipe holds: the drain thread must keep up.
  ChildProcess child(shell("yes 'a line of stderr' | head -c 4194304 >&2; echo done >&2"));
  auto status = child.wait(Deadline::after(30s));
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->success());
  EXPECT_NE(child.stderr_tail().find("done"), std::string::npos);
}

TEST(ChildProcessTest, CapturesStdoutAndPassesArgvEnvAndDir) {
  SpawnOptions o = shell("printf '%s|%s|%s' \"$1\" \"$IB_TEST_VAR\" \"$(pwd)\"");
  o.args.push_back("sh");
  o.args.push_back("an arg; with $shell chars");
  o.env = {"IB_TEST_VAR=hello"};
  o.working_dir = "/tmp";
  o.stdout_mode = SpawnOptions::Output::kCapture;
  ChildProcess child(o);
  ASSERT_TRUE(child.wait(Deadline::after(10s)));
  EXPECT_EQ(child.captured_stdout(), "an arg; with $shell chars|hello|/tmp");
}

TEST(ChildProcessTest, StdoutToFile) {
  auto file = std::filesystem::temp_directory_path() /
              ("child_process_test_" + std::to_string(::getpid()) + ".txt");
  SpawnOptions o = shell("echo to-file");
  o.stdout_mode = SpawnOptions::Output::kFile;
  o.stdout_file = file;
  {
    ChildProcess child(o);
    ASSERT_TRUE(child.wait(Deadline::after(10s)));
  }
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  std::filesystem::remove(file);
  EXPECT_EQ(line, "to-file");
}

TEST(ChildProcessTest, OwnProcessGroup) {
  SpawnOptions o = shell("exec sleep 30");
  ChildProcess child(o);
  EXPECT_EQ(::getpgid(child.pid()), child.pid());
}

TEST(ChildProcessTest, MissingExecutableThrowsNamingIt) {
  SpawnOptions o;
  o.executable = "/nonexistent/interpbench-nothing";
  try {
    ChildProcess child(o);
    FAIL() << "spawned a missing executable";
  } catch (const std::system_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/interpbench-nothing"), std::string::npos);
  }
}

TEST(ChildProcessTest, DestructorKillsAndReapsRunningChild) {
  pid_t pid;
  {
    ChildProcess child(shell("exec sleep 30"));
    pid = child.pid();
    ASSERT_TRUE(pid_exists(pid));
  }
  // Reaped: no /proc entry (a zombie would still have one).
  EXPECT_FALSE(pid_exists(pid));
}

TEST(ChildProcessTest, DestructorKillsTheWholeGroup) {
  // The shell's own child (a grandchild) is in the group and holds the stderr pipe open.
  pid_t grandchild = 0;
  {
    SpawnOptions o = shell("sleep 30 & echo $! ; wait");
    o.stdout_mode = SpawnOptions::Output::kCapture;
    ChildProcess child(o);
    auto deadline = Deadline::after(10s);
    while (child.captured_stdout().find('\n') == std::string::npos && !deadline.expired()) {
      std::this_thread::sleep_for(5ms);
    }
    grandchild = std::stoi(child.captured_stdout());
    ASSERT_TRUE(pid_alive(grandchild));
  }
  // The grandchild is not ours to reap (init reaps it); wait until it's gone.
  auto deadline = Deadline::after(10s);
  while (pid_alive(grandchild) && !deadline.expired()) std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(pid_alive(grandchild));
}

// The runner lists /proc while workloads' descendants come and go: a process that exits between
// the open and the read of its stat file (the read fails with ESRCH) is gone, not an error.
// Before, libstdc++'s filebuf threw from that read and ended a run (FaultTest, under ASan).
TEST(LeftoversTest, ListingProcessesWhileOthersExitNeverThrows) {
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    while (!stop) {
      const pid_t pid = ::fork();
      if (pid == 0) ::_exit(0);
      if (pid > 0) ::waitpid(pid, nullptr, 0);
    }
  });
  std::size_t listed = 0;
  EXPECT_NO_THROW({
    for (int i = 0; i < 300; ++i) listed += list_processes().size();
  });
  stop = true;
  churn.join();
  EXPECT_GT(listed, 300u);  // at least this process each time
}

}  // namespace
}  // namespace interpbench
