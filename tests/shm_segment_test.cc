// SharedSegment (naming, mode, ownership), the stale-segment sweep, and the channel-set layout.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "backends/shm_channel.h"
#include "backends/shm_segment.h"

namespace interpbench {
namespace {

using namespace std::chrono_literals;

bool exists_in_dev_shm(const std::string& name) {
  return std::filesystem::exists(std::filesystem::path("/dev/shm") / name);
}

TEST(SegmentNameTest, CarriesOwnerPidRunIdAndPurpose) {
  const std::string name = segment_name("run42", "rings");
  EXPECT_EQ(name, "interpbench-" + std::to_string(getpid()) + "-run42-rings");
  EXPECT_EQ(segment_owner_pid(name), getpid());
  EXPECT_EQ(segment_owner_pid("interpbench-x-1-2"), -1);
  EXPECT_EQ(segment_owner_pid("other-123-a-b"), -1);
  EXPECT_THROW(segment_name("a/b", "rings"), std::invalid_argument);
  EXPECT_THROW(segment_name("run", ""), std::invalid_argument);
}

TEST(SegmentNameTest, RunIdsDiffer) { EXPECT_NE(make_run_id(), make_run_id()); }

TEST(SharedSegmentTest, CreatedWithMode0600WhateverTheUmask) {
  const mode_t old = umask(0);
  auto seg = SharedSegment::create(segment_name(make_run_id(), "mode"), 4096);
  umask(old);
  struct stat st {};
  ASSERT_EQ(stat(("/dev/shm/" + seg.name()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_GE(seg.size(), 4096u);
  EXPECT_TRUE(seg.owner());
}

TEST(SharedSegmentTest, CreationIsExclusive) {
  auto seg = SharedSegment::create(segment_name(make_run_id(), "excl"), 4096);
  EXPECT_THROW(SharedSegment::create(seg.name(), 4096), std::runtime_error);
}

TEST(SharedSegmentTest, OwnerRemovesNameAtDestructionOpenerDoesNot) {
  std::string name = segment_name(make_run_id(), "life");
  {
    auto seg = SharedSegment::create(name, 4096);
    static_cast<char*>(seg.data())[10] = 'x';
    {
      auto view = SharedSegment::open(name);
      EXPECT_FALSE(view.owner());
      EXPECT_EQ(static_cast<char*>(view.data())[10], 'x');  // the same memory
    }
    EXPECT_TRUE(exists_in_dev_shm(name));
    auto moved = std::move(seg);  // one owner, one removal
    EXPECT_TRUE(moved.owner());
    EXPECT_FALSE(seg.owner());  // NOLINT(bugprone-use-after-move): moved-from is empty
  }
  EXPECT_FALSE(exists_in_dev_shm(name));
  EXPECT_THROW(SharedSegment::open(name), std::runtime_error);
}

TEST(SweepStaleSegmentsTest, RemovesDeadOwnersSegmentAndKeepsLiveOnes) {
  // A pid that surely is dead: a child that exited and was reaped.
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  ASSERT_GT(dead, 0);
  ASSERT_EQ(waitpid(dead, nullptr, 0), dead);
  const std::string stale = "interpbench-" + std::to_string(dead) + "-" + make_run_id() + "-stale";
  const int fd = shm_open(stale.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  close(fd);
  auto live = SharedSegment::create(segment_name(make_run_id(), "live"), 4096);

  const auto removed = sweep_stale_segments();

  const bool stale_reported = std::find(removed.begin(), removed.end(), stale) != removed.end();
  if (!stale_reported) shm_unlink(stale.c_str());  // clean up even when failing
  EXPECT_TRUE(stale_reported);
  EXPECT_FALSE(exists_in_dev_shm(stale));
  EXPECT_TRUE(exists_in_dev_shm(live.name()));
  EXPECT_EQ(std::count(removed.begin(), removed.end(), live.name()), 0);
}

// A zombie owner (exited, not reaped yet: kill(pid, 0) still succeeds) is dead for the sweep: it
// will never use its segments again.
TEST(SweepStaleSegmentsTest, ZombieOwnerCountsAsDead) {
  const pid_t zombie = fork();
  if (zombie == 0) _exit(0);
  ASSERT_GT(zombie, 0);
  // Exited but not reaped: wait until the kernel says so, without reaping it.
  siginfo_t info{};
  ASSERT_EQ(waitid(P_PID, static_cast<id_t>(zombie), &info, WEXITED | WNOWAIT), 0);
  EXPECT_FALSE(process_alive(zombie));
  EXPECT_TRUE(process_alive(getpid()));
  const std::string stale = "interpbench-" + std::to_string(zombie) + "-" + make_run_id() + "-zombie";
  const int fd = shm_open(stale.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  close(fd);

  const auto removed = sweep_stale_segments();

  const bool reported = std::find(removed.begin(), removed.end(), stale) != removed.end();
  if (!reported) shm_unlink(stale.c_str());
  waitpid(zombie, nullptr, 0);
  EXPECT_TRUE(reported);
}

TEST(ShmChannelSetTest, AttacherSeesTheCreatorsRings) {
  auto set = ShmChannelSet::create(segment_name(make_run_id(), "set"), 3, 1000);
  EXPECT_EQ(set.workers(), 3u);
  EXPECT_EQ(set.ring_capacity(), 1024u);
  auto other = ShmChannelSet::attach(set.name());
  ASSERT_EQ(other.workers(), 3u);
  const Message hello = {std::byte{'h'}, std::byte{'i'}};
  set.channels(2).to_worker->send(hello, Deadline::after(5s));
  EXPECT_EQ(other.channels(2).to_worker->recv(Deadline::after(5s)), hello);
  other.channels(1).from_worker->send(hello, Deadline::after(5s));
  EXPECT_EQ(set.channels(1).from_worker->recv(Deadline::after(5s)), hello);
  EXPECT_FALSE(set.channels(0).to_worker->readable());  // rings are separate
}

TEST(ShmChannelSetTest, AttachRejectsAForeignOrCorruptSegment) {
  auto seg = SharedSegment::create(segment_name(make_run_id(), "junk"), 4096);
  EXPECT_THROW(ShmChannelSet::attach(seg.name()), ChannelCorrupt);  // all zeros: no magic
  auto set = ShmChannelSet::create(segment_name(make_run_id(), "bad"), 1, 256);
  auto* header = static_cast<ChannelSetHeader*>(set.segment().data());
  header->workers = 1000;  // beyond the segment
  EXPECT_THROW(ShmChannelSet::attach(set.name()), ChannelCorrupt);
  header->workers = 1;
  header->ring_capacity = std::uint64_t{1} << 62;
  EXPECT_THROW(ShmChannelSet::attach(set.name()), ChannelCorrupt);
  header->ring_capacity = 100;  // not a power of two
  EXPECT_THROW(ShmChannelSet::attach(set.name()), ChannelCorrupt);
  header->ring_capacity = 256;
  EXPECT_EQ(ShmChannelSet::attach(set.name()).workers(), 1u);  // intact again
}

TEST(ShmChannelSetTest, SegmentGoesAwayWithTheLastChannel) {
  std::shared_ptr<Channel> keep;
  std::string name;
  {
    auto set = ShmChannelSet::create(segment_name(make_run_id(), "keep"), 1, 256);
    name = set.name();
    keep = set.channels(0).from_worker;
  }
  EXPECT_TRUE(exists_in_dev_shm(name));  // still mapped and usable through `keep`
  keep->send({}, Deadline::after(5s));
  keep.reset();
  EXPECT_FALSE(exists_in_dev_shm(name));
}

}  // namespace
}  // namespace interpbench
