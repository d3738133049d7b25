// The subprocess backend's own behaviour (the shared backend suite is backend_test.cc): a dead
// worker wakes a blocked driver instead of hanging it, join names how each worker ended, and no
// process or /dev/shm segment outlives its group.
#include "backends/subprocess/subprocess_backend.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "backends/proc_memory.h"
#include "backends/shm_channel.h"
#include "backends/shm_segment.h"
#include "platform/child_process.h"
#include "backends/subprocess/shm_buffer_pool.h"
#include "tests/message_pattern.h"

namespace interpbench {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kTestDeadline = 30s;  // generous: only reached when something is broken

// Workload files for this test, in a directory removed afterwards.
class SubprocessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("subprocess_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  WorkloadRef workload(const std::string& name, const std::string& worker_body) {
    auto file = dir_ / (name + ".py");
    std::ofstream(file) << "import os, signal, time\nTIMED = 'nothing'\n"
                        << "def worker(ch, params):\n"
                        << worker_body << "\n"
                        << "def driver(ctx, params):\n    return []\n";
    return WorkloadRef{file, name, "{}"};
  }

  std::unique_ptr<WorkerGroup> start(const WorkloadRef& ref, std::size_t n,
                                     std::size_t ring_bytes = 1 << 16) {
    return backend_->start(ref, n, ChannelOptions{ring_bytes});
  }

  fs::path dir_;
  std::unique_ptr<Backend> backend_ = make_subprocess_backend({});
};

// The same behaviour whatever starts the workers: exec, or the zygote (whose workers are the
// driver's children too). fork needs the driver's Python, which this test process doesn't run
// (ForkIsRefusedWhereItIsUnsafe; the fault matrix runs it end to end).
class SubprocessStartTest : public SubprocessTest, public ::testing::WithParamInterface<StartMethod> {
 protected:
  void SetUp() override {
    SubprocessTest::SetUp();
    backend_ = make_subprocess_backend({.start_method = GetParam()});
  }
};

INSTANTIATE_TEST_SUITE_P(StartMethods, SubprocessStartTest,
                         ::testing::Values(StartMethod::kExec, StartMethod::kZygote),
                         [](const auto& info) {
                           return info.param == StartMethod::kExec ? "exec" : "zygote";
                         });

std::vector<std::string> my_segments() {
  std::vector<std::string> names;
  const std::string prefix = "interpbench-" + std::to_string(::getpid()) + "-";
  for (const auto& e : fs::directory_iterator("/dev/shm")) {
    auto name = e.path().filename().string();
    if (name.starts_with(prefix)) names.push_back(name);
  }
  return names;
}

std::span<const std::byte> as_bytes(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

std::string as_string(const Message& m) {
  return std::string(reinterpret_cast<const char*>(m.data()), m.size());
}

const char* kEcho =
    "    while True:\n"
    "        try:\n"
    "            ch.send(ch.recv())\n"
    "        except EOFError:\n"
    "            return\n";

// Tells the driver it runs, then waits on a channel the driver never writes to.
const char* kReadyThenBlock =
    "    ch.send(b'ready')\n"
    "    ch.recv()\n";

// This process's children (alive or zombie), from /proc/self/task/*/children.
std::vector<pid_t> children_of_me() {
  std::vector<pid_t> out;
  for (const auto& task : fs::directory_iterator("/proc/self/task")) {
    std::ifstream in(task.path() / "children");
    for (pid_t pid; in >> pid;) out.push_back(pid);
  }
  return out;
}

bool pid_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto paren = text.rfind(')');
  return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
}

TEST_F(SubprocessTest, NameAndGilMode) {
  EXPECT_EQ(backend_->name(), "subprocess");
  EXPECT_EQ(backend_->gil_mode(), "process");
}

TEST_P(SubprocessStartTest, EchoesEveryMessageAndJoinsClean) {
  auto group = start(workload("echo", kEcho), 2);
  ASSERT_EQ(group->size(), 2u);
  EXPECT_EQ(group->memory_scope(), MemoryScope::kPerWorkerProcess);
  for (std::size_t w = 0; w < 2; ++w) {
    for (std::string msg : {std::string("x"), std::string(100000, 'y'), std::string()}) {
      msg += std::to_string(w);
      group->channels(w).to_worker->send(as_bytes(msg), Deadline::after(kTestDeadline));
      auto back = group->channels(w).from_worker->recv(Deadline::after(kTestDeadline));
      ASSERT_TRUE(back);
      EXPECT_EQ(as_string(*back), msg);
    }
  }
  auto outcomes = group->join(Deadline::after(kTestDeadline));
  ASSERT_EQ(outcomes.size(), 2u);
  for (std::size_t w = 0; w < 2; ++w) {
    EXPECT_EQ(outcomes[w].worker_id, w);
    EXPECT_TRUE(outcomes[w].ok) << outcomes[w].error << "\n" << outcomes[w].traceback;
  }
}

TEST_P(SubprocessStartTest, WorkerKilledWhileDriverBlockedInRecvEndsTheStream) {
  auto group = start(workload("block_recv", kReadyThenBlock), 1);
  auto& ch = group->channels(0);
  ASSERT_TRUE(ch.from_worker->recv(Deadline::after(kTestDeadline)));
  const pid_t pid = group->worker_pids().at(0);
  std::jthread killer([pid] {
    std::this_thread::sleep_for(50ms);  // let the driver block first (either order must work)
    ::kill(pid, SIGKILL);
  });
  std::optional<Message> msg;
  bool closed = false;
  try {
    msg = ch.from_worker->recv(Deadline::after(kTestDeadline));
  } catch (const ChannelClosed&) {
    closed = true;
  } catch (const ChannelTimeout&) {
    FAIL() << "recv still blocked on a dead worker at the deadline";
  }
  killer.join();
  EXPECT_TRUE(closed || !msg) << "recv returned a message from a dead worker";
  auto outcomes = group->join(Deadline::after(kTestDeadline));
  EXPECT_FALSE(outcomes.at(0).ok);
  EXPECT_EQ(outcomes.at(0).error, "killed by SIGKILL");
}

TEST_P(SubprocessStartTest, WorkerKilledWhileDriverBlockedInSendThrowsClosed) {
  auto group = start(workload("block_send", "    ch.send(b'ready')\n    time.sleep(60)\n"), 1,
                     /*ring_bytes=*/4096);
  auto& ch = group->channels(0);
  ASSERT_TRUE(ch.from_worker->recv(Deadline::after(kTestDeadline)));
  const pid_t pid = group->worker_pids().at(0);
  std::jthread killer([pid] {
    std::this_thread::sleep_for(50ms);
    ::kill(pid, SIGKILL);
  });
  const std::string chunk(1024, 'z');
  // The ring fills after a few sends; the next one blocks until the worker's death closes it.
  try {
    for (int i = 0; i < 1000; ++i) {
      ch.to_worker->send(as_bytes(chunk), Deadline::after(kTestDeadline));
    }
    FAIL() << "a dead worker's ring never filled";
  } catch (const ChannelClosed&) {
  } catch (const ChannelTimeout&) {
    FAIL() << "send still blocked on a dead worker at the deadline";
  }
  killer.join();
  auto outcomes = group->join(Deadline::after(kTestDeadline));
  EXPECT_EQ(outcomes.at(0).error, "killed by SIGKILL");
}

TEST_P(SubprocessStartTest, ReportsPythonErrorWithTraceback) {
  auto group = start(workload("raises", "    raise ValueError('boom\\nsecond line')\n"), 2);
  auto outcomes = group->join(Deadline::after(kTestDeadline));
  for (const auto& o : outcomes) {
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.error.rfind("ValueError: boom", 0), 0u) << o.error;
    EXPECT_NE(o.traceback.find("raises.py"), std::string::npos) << o.traceback;
  }
}

TEST_P(SubprocessStartTest, ReportsExitStatusAndSignal) {
  {
    auto group = start(workload("exits", "    os._exit(3)\n"), 1);
    EXPECT_EQ(group->join(Deadline::after(kTestDeadline)).at(0).error.rfind("exit status 3", 0),
              0u);
  }
  {
    // SIGABRT rather than SIGSEGV: ASan builds turn a SIGSEGV into exit status 1.
    auto group = start(workload("aborts", "    os.abort()\n"), 1);
    auto outcome = group->join(Deadline::after(kTestDeadline)).at(0);
    EXPECT_EQ(outcome.error, "killed by SIGABRT");
    // faulthandler's dump of the Python stack is kept as the traceback.
    EXPECT_NE(outcome.traceback.find("aborts.py"), std::string::npos) << outcome.traceback;
  }
}

TEST_P(SubprocessStartTest, JoinKillsWorkersPastTheDeadline) {
  auto group = start(workload("spins", "    while True: pass\n"), 1);
  const pid_t pid = group->worker_pids().at(0);
  auto outcomes = group->join(Deadline::after(200ms));
  EXPECT_FALSE(outcomes.at(0).ok);
  EXPECT_NE(outcomes.at(0).error.find("deadline"), std::string::npos) << outcomes.at(0).error;
  EXPECT_FALSE(pid_alive(pid));
}

TEST_P(SubprocessStartTest, SegmentsAndProcessesGoneAfterGroup) {
  std::vector<pid_t> pids;
  {
    auto group = start(workload("ready", kReadyThenBlock), 2);
    pids = group->worker_pids();
    EXPECT_EQ(my_segments().size(), 2u);  // channels + pool
    ASSERT_TRUE(group->channels(0).from_worker->recv(Deadline::after(kTestDeadline)));
    ::kill(pids[0], SIGKILL);  // one crashes, the other is still running at destruction
  }
  EXPECT_TRUE(my_segments().empty());
  for (pid_t pid : pids) EXPECT_FALSE(pid_alive(pid)) << pid;
}

TEST_P(SubprocessStartTest, ReadsEachWorkerProcessMemory) {
  auto group = start(workload("mem", kReadyThenBlock), 2);
  for (std::size_t w = 0; w < 2; ++w) {
    ASSERT_TRUE(group->channels(w).from_worker->recv(Deadline::after(kTestDeadline)));
  }
  auto pids = group->worker_pids();
  ASSERT_EQ(pids.size(), 2u);
  EXPECT_NE(pids[0], pids[1]);
  for (pid_t pid : pids) {
    EXPECT_NE(pid, ::getpid());
    auto mem = read_process_memory(pid);
    ASSERT_TRUE(mem) << pid;
    EXPECT_GT(mem->rss_kib, 0u);
    EXPECT_LE(mem->uss_kib, mem->rss_kib);
  }
  group->join(Deadline::after(kTestDeadline));
}

TEST_P(SubprocessStartTest, HandsBuffersOverThroughThePool) {
  auto group = start(workload("pool", kReadyThenBlock), 1);
  auto& pool = group->buffer_pool();
  auto h = pool.allocate(1 << 20);
  std::byte* p = pool.address(h);
  p[0] = std::byte{7};
  p[(1 << 20) - 1] = std::byte{9};
  EXPECT_EQ(pool.address(h), p);
  EXPECT_THROW(pool.address(BufferPool::Handle{h.offset, std::uint64_t{1} << 40}),
               std::out_of_range);
  pool.release(h);
}

TEST(ShmBufferPoolTest, HandlesMeanTheSameBytesInEveryMapping) {
  const std::string name = "interpbench-" + std::to_string(::getpid()) + "-pooltest-pool";
  {
    auto creator = ShmBufferPool::create(name, 1 << 20);
    EXPECT_THROW(ShmBufferPool::create(name, 1 << 20), std::runtime_error);  // exclusive
    EXPECT_EQ(fs::status("/dev/shm/" + name).permissions(),
              fs::perms::owner_read | fs::perms::owner_write);
    auto opener = ShmBufferPool::open(name);  // a second mapping, at another address
    auto h = creator->allocate(1000);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(creator->address(h)) % 64, 0u);
    std::memset(creator->address(h), 0x5a, 1000);
    EXPECT_NE(opener->address(h), creator->address(h));
    EXPECT_EQ(opener->address(h)[999], std::byte{0x5a});
    opener->release(h);  // released through the other mapping: the memory is free again
    EXPECT_THROW(creator->allocate(2 << 20), std::bad_alloc);
  }
  EXPECT_FALSE(fs::exists("/dev/shm/" + name));
  EXPECT_THROW(ShmBufferPool::open(name), std::runtime_error);
}

// ShmChannel with a buffer pool: messages of kPoolMinBytes and more to a receiver that reads
// views travel as pool handles (one copy); everything else, and everything when the pool is full,
// through the ring (two copies). Both ends in this process, as two mappings would behave.
using testing::bytes_of;

class ShmPoolChannelTest : public ::testing::Test {
 protected:
  static constexpr std::size_t kBig = ShmChannel::kPoolMinBytes;

  void make(std::size_t pool_bytes, std::size_t ring_bytes) {
    const std::string run = make_run_id();
    pool_ = ShmBufferPool::create(segment_name(run, "viewpool"), pool_bytes);
    set_.emplace(ShmChannelSet::create(segment_name(run, "viewchan"), 1, ring_bytes));
    set_->use_pool(pool_);
    ch_ = set_->channels(0).to_worker;
  }
  // recv_into as Python's recv_view does it: the size, and the bytes (copied, or in the pool).
  std::pair<bool, Message> recv_view() {
    Message copied;
    bool sink_called = false;
    ch_->deliver_views(true);
    auto n = ch_->recv_into([&](std::size_t size) {
      sink_called = true;
      copied.resize(size);
      return copied.data();
    }, Deadline::after(kTestDeadline));
    ch_->deliver_views(false);
    EXPECT_TRUE(n);
    auto h = ch_->take_view();
    EXPECT_EQ(h.has_value(), !sink_called);
    if (!h) return {false, copied};
    EXPECT_EQ(h->size, *n);
    const std::byte* p = pool_->address(*h);
    Message in_pool(p, p + h->size);
    pool_->release(*h);
    return {true, in_pool};
  }

  std::shared_ptr<ShmBufferPool> pool_;
  std::optional<ShmChannelSet> set_;
  std::shared_ptr<Channel> ch_;
};

TEST_F(ShmPoolChannelTest, BigMessagesToAViewReaderStayInThePoolInOrder) {
  make(16 * kBig, 64 * 1024);
  const std::size_t free_at_start = pool_->free_bytes();
  ch_->deliver_views(true);  // the receiver announces itself before the sends
  ch_->deliver_views(false);
  const std::vector<std::size_t> sizes = {100, kBig, 200, 3 * kBig + 5, 0};
  // No receiver yet: the big ones take one cache-line ring entry each, so nothing blocks.
  for (unsigned i = 0; i < sizes.size(); ++i) ch_->send(bytes_of(sizes[i], i), Deadline::after(kTestDeadline));
  EXPECT_LE(pool_->free_bytes() + 4 * kBig, free_at_start);  // both big ones are in the pool
  for (unsigned i = 0; i < sizes.size(); ++i) {
    auto [viewed, bytes] = recv_view();
    EXPECT_EQ(viewed, sizes[i] >= kBig) << sizes[i];
    EXPECT_TRUE(bytes == bytes_of(sizes[i], i)) << sizes[i];
  }
  EXPECT_EQ(pool_->free_bytes(), free_at_start);
}

TEST_F(ShmPoolChannelTest, APlainRecvOfAPoolMessageCopiesItOutAndFreesTheBlock) {
  make(16 * kBig, 64 * 1024);
  const std::size_t free_at_start = pool_->free_bytes();
  ch_->deliver_views(true);
  ch_->deliver_views(false);
  ch_->send(bytes_of(2 * kBig, 1), Deadline::after(kTestDeadline));
  EXPECT_LT(pool_->free_bytes(), free_at_start);
  EXPECT_EQ(ch_->recv(Deadline::after(kTestDeadline)), bytes_of(2 * kBig, 1));
  EXPECT_EQ(pool_->free_bytes(), free_at_start);
}

TEST_F(ShmPoolChannelTest, WithoutAViewReaderBigMessagesGoThroughTheRing) {
  make(16 * kBig, 4 * kBig);  // a ring that holds the message whole: send never waits
  const std::size_t free_at_start = pool_->free_bytes();
  ch_->send(bytes_of(2 * kBig, 2), Deadline::after(kTestDeadline));
  EXPECT_EQ(pool_->free_bytes(), free_at_start);
  auto [viewed, bytes] = recv_view();  // announces views from now on; this one was copied
  EXPECT_FALSE(viewed);
  EXPECT_TRUE(bytes == bytes_of(2 * kBig, 2));
}

TEST_F(ShmPoolChannelTest, AFullPoolSendsThroughTheRingInstead) {
  make(4 * kBig, 4 * kBig);
  ch_->deliver_views(true);
  ch_->deliver_views(false);
  ch_->send(bytes_of(3 * kBig, 3), Deadline::after(kTestDeadline));  // into the pool
  ch_->send(bytes_of(3 * kBig, 4), Deadline::after(kTestDeadline));  // no room left there: the ring
  auto first = recv_view();
  auto second = recv_view();
  EXPECT_TRUE(first.first);
  EXPECT_FALSE(second.first);
  EXPECT_TRUE(first.second == bytes_of(3 * kBig, 3));
  EXPECT_TRUE(second.second == bytes_of(3 * kBig, 4));
}

// A handle that does not lie inside the receiver's pool (a hostile or confused sender; here the
// two ends map different pools) closes the channel as corrupt instead of reading out of bounds.
TEST_F(ShmPoolChannelTest, AHandleOutsideTheReceiversPoolIsCorruption) {
  make(kBig, 64 * 1024);
  auto sender_pool = ShmBufferPool::create(segment_name(make_run_id(), "otherpool"), 16 * kBig);
  auto sender_view = ShmChannelSet::attach(set_->name());
  sender_view.use_pool(std::shared_ptr<BufferPool>(std::move(sender_pool)));
  ch_->deliver_views(true);
  ch_->deliver_views(false);
  sender_view.channels(0).to_worker->send(bytes_of(2 * kBig, 5), Deadline::after(kTestDeadline));
  EXPECT_THROW(recv_view(), ChannelCorrupt);
  EXPECT_TRUE(ch_->is_closed());
}

TEST_F(SubprocessTest, WorkerRefusesToRunForAnotherParent) {
  SpawnOptions o;
  o.executable = find_worker_executable();
  o.args = {"--channels", "none", "--worker-id", "0", "--worker-count", "1",
            "--workload", "none.py", "--parent-pid", "1"};
  ChildProcess child(o);
  auto status = child.wait(Deadline::after(kTestDeadline));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, kWorkerExitParentDied);
}

TEST_F(SubprocessTest, WorkerExitsWhenItsDriverDies) {
  // A stand-in driver: a shell that starts one worker and waits. SIGKILLing the shell alone
  // (not its group) leaves the worker blocked in recv on a ring nobody will close.
  const std::string run_id = make_run_id();
  ShmChannelSet set = ShmChannelSet::create(segment_name(run_id, "chan"), 1, 4096);
  auto ref = workload("orphan", kReadyThenBlock);
  SpawnOptions o;
  o.executable = "/bin/sh";
  o.args = {"-c", "\"$0\" --channels \"$1\" --worker-id 0 --worker-count 1 --workload \"$2\" "
                  "--parent-pid $$ & echo $!; wait",
            find_worker_executable().string(), set.name(), ref.file.string()};
  o.stdout_mode = SpawnOptions::Output::kCapture;
  ChildProcess shell(o);
  ASSERT_TRUE(set.channels(0).from_worker->recv(Deadline::after(kTestDeadline)));  // running
  auto deadline = Deadline::after(kTestDeadline);
  while (shell.captured_stdout().find('\n') == std::string::npos && !deadline.expired()) {
    std::this_thread::sleep_for(5ms);
  }
  const pid_t worker = std::stoi(shell.captured_stdout());
  ASSERT_TRUE(pid_alive(worker));
  shell.kill(SIGKILL);
  ASSERT_TRUE(shell.wait(Deadline::after(kTestDeadline)));
  while (pid_alive(worker) && !deadline.expired()) std::this_thread::sleep_for(5ms);
  EXPECT_FALSE(pid_alive(worker));
  if (pid_alive(worker)) ::kill(worker, SIGKILL);  // the test failed; don't leave it behind
}

TEST_F(SubprocessTest, WorkerRejectsBadArguments) {
  SpawnOptions o;
  o.executable = find_worker_executable();
  o.args = {"--worker-id", "zero"};
  ChildProcess child(o);
  auto status = child.wait(Deadline::after(kTestDeadline));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, kWorkerExitBadArguments);
  EXPECT_NE(child.stderr_tail().find("interpbench-worker: "), std::string::npos);
}

// A worker the zygote forked is a child of this process (clone3 with CLONE_PARENT), not of the
// zygote: waitpid, its exit status and its signal work as for an exec worker.
TEST_F(SubprocessTest, ZygoteWorkersAreOurChildren) {
  backend_ = make_subprocess_backend({.start_method = StartMethod::kZygote});
  auto group = start(workload("zchild", kReadyThenBlock), 2);
  for (pid_t pid : group->worker_pids()) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream rest(text.substr(text.rfind(')') + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    EXPECT_EQ(ppid, ::getpid()) << text;
  }
  group->join(Deadline::after(200ms));
}

// The zygote is prepared before anything is timed, and goes with its backend: no process (zygote
// or worker) and no segment is left.
TEST_F(SubprocessTest, ZygoteIsStartedByPrepareAndGoneWithItsBackend) {
  auto ref = workload("zgone", kReadyThenBlock);
  const auto before = children_of_me();
  backend_ = make_subprocess_backend({.start_method = StartMethod::kZygote});
  backend_->prepare(ref);
  const auto prepared = children_of_me();
  ASSERT_EQ(prepared.size(), before.size() + 1);  // the zygote, before any start()
  std::vector<pid_t> pids;
  {
    auto group = start(ref, 2);
    pids = group->worker_pids();
    ASSERT_TRUE(group->channels(0).from_worker->recv(Deadline::after(kTestDeadline)));
  }
  backend_.reset();
  for (pid_t pid : prepared) EXPECT_FALSE(pid_alive(pid)) << pid;
  for (pid_t pid : pids) EXPECT_FALSE(pid_alive(pid)) << pid;
  EXPECT_TRUE(my_segments().empty());
}

// A workload that can't be imported fails the zygote before the driver runs, with its error.
TEST_F(SubprocessTest, ZygoteReportsAWorkloadThatDoesNotImport) {
  auto file = dir_ / "zbroken.py";
  std::ofstream(file) << "raise ValueError('no import for you')\n";
  backend_ = make_subprocess_backend({.start_method = StartMethod::kZygote});
  try {
    backend_->prepare(WorkloadRef{file, "zbroken", "{}"});
    FAIL() << "prepare() accepted a workload that raises on import";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("zygote: cannot import the workload: ValueError: no import for you"),
              std::string::npos) << e.what();
  }
}

TEST_F(SubprocessTest, ZygoteRefusesToRunForAnotherParent) {
  SpawnOptions o;
  o.executable = find_worker_executable();
  o.args = {"--zygote", "--workload", "none.py", "--parent-pid", "1"};
  ChildProcess child(o);
  auto status = child.wait(Deadline::after(kTestDeadline));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->exit_code, kWorkerExitParentDied);
}

// Forking this process is refused (it runs no Python, and threads), with the reason; no worker
// and no segment is left.
TEST_F(SubprocessTest, ForkIsRefusedWhereItIsUnsafe) {
  backend_ = make_subprocess_backend({.start_method = StartMethod::kFork});
  try {
    start(workload("nofork", kEcho), 1);
    FAIL() << "fork was not refused";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("start method fork"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(my_segments().empty());
}

}  // namespace
}  // namespace interpbench
