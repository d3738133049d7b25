// Channel semantics, one suite run against every implementation (in-process ring, shared-memory
// ring), plus the shared-memory ring across a fork()ed process, select, and corrupted headers.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backends/channel.h"
#include "backends/inproc_channel.h"
#include "backends/shm_channel.h"
#include "backends/shm_segment.h"
#include "backends/spsc_ring.h"
#include "tests/message_pattern.h"

namespace interpbench {
namespace {

using namespace std::chrono_literals;

// Generous: a deadline that is only reached when something is broken (then the test fails
// instead of hanging).
constexpr auto kLong = 20s;

using testing::bytes_of;

struct Impl {
  std::string name;
  std::function<std::shared_ptr<Channel>(std::size_t capacity_bytes)> make;
};

std::shared_ptr<Channel> make_shm_channel(std::size_t capacity_bytes) {
  static int counter = 0;
  auto set = ShmChannelSet::create(
      segment_name(make_run_id(), "test" + std::to_string(counter++)), 1, capacity_bytes);
  return set.channels(0).to_worker;  // keeps the segment mapped; its name goes with it
}

std::vector<Impl> impls() {
  return {{"inproc", make_inproc_channel}, {"shm", make_shm_channel}};
}

class ChannelTest : public ::testing::TestWithParam<Impl> {
 protected:
  std::shared_ptr<Channel> make(std::size_t capacity_bytes) { return GetParam().make(capacity_bytes); }
};

TEST_P(ChannelTest, DeliversMessagesInFifoOrder) {
  auto ch = make(4096);
  for (unsigned i = 0; i < 20; ++i) ch->send(bytes_of(i * 10, i), Deadline::after(kLong));
  for (unsigned i = 0; i < 20; ++i) {
    auto m = ch->recv(Deadline::after(kLong));
    ASSERT_TRUE(m);
    EXPECT_EQ(*m, bytes_of(i * 10, i)) << "message " << i;
  }
}

// Sizes 0-40 cover each of the ring's inline copies (1-3 bytes one by one, 4-7 and 8-16 as two
// words that may overlap) and the library's copy above them, for a message's bytes and its length.
TEST_P(ChannelTest, EverySmallSizeArrivesByteForByteAndNothingIsWrittenPastIt) {
  auto ch = make(4096);
  for (std::size_t n = 0; n <= 40; ++n) {
    const Message msg = bytes_of(n, static_cast<unsigned>(n) + 1);
    if (n % 2 == 0) {
      ch->send(msg, Deadline::after(kLong));
    } else {
      ASSERT_EQ(ch->try_send(msg), TryResult::kDone) << n;
    }
    Message out(n + 8, std::byte{0xEE});
    std::size_t asked = 0;
    const auto sink = [&](std::size_t size) {
      asked = size;
      return out.data();
    };
    if (n % 3 == 0) {
      ASSERT_EQ(ch->try_recv_into(sink), TryResult::kDone) << n;
    } else {
      ASSERT_EQ(ch->recv_into(sink, Deadline::after(kLong)), n);
    }
    EXPECT_EQ(asked, n);
    EXPECT_TRUE(std::equal(msg.begin(), msg.end(), out.begin())) << "a message of " << n << " bytes";
    EXPECT_TRUE(std::all_of(out.begin() + static_cast<std::ptrdiff_t>(n), out.end(),
                            [](std::byte b) { return b == std::byte{0xEE}; }))
        << "bytes written past a message of " << n << " bytes";
  }
}

TEST_P(ChannelTest, EmptyMessageIsAMessage) {
  auto ch = make(256);
  ch->send({}, Deadline::after(kLong));
  ch->close();
  auto m = ch->recv(Deadline::after(kLong));
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->empty());
  EXPECT_FALSE(ch->recv(Deadline::after(kLong)));
}

TEST_P(ChannelTest, SinkThatThrowsLosesNoMessage) {
  // One that fits the ring, one that is streamed, one handed over by reference (in-process)
  for (std::size_t size : {16u, 5000u, 1u << 20}) {
    auto ch = make(1024);
    std::thread producer([&] { ch->send(bytes_of(size, 9), Deadline::after(kLong)); });
    auto refuse = [](std::size_t) -> std::byte* { throw std::bad_alloc(); };
    EXPECT_THROW(ch->recv_into(refuse, Deadline::after(kLong)), std::bad_alloc);
    EXPECT_EQ(ch->recv(Deadline::after(kLong)), bytes_of(size, 9)) << size << " bytes";
    producer.join();
  }
}

// Above one chunk (half of this ring) a message is streamed even though it fits the ring; try_send
// still writes such a message whole or not at all.
TEST_P(ChannelTest, MessagesAboveOneChunkThatFitTheRingArriveWholeAndInOrder) {
  auto ch = make(4096);
  ASSERT_EQ(ch->try_send(bytes_of(3000, 1)), TryResult::kDone);
  EXPECT_EQ(ch->try_send(bytes_of(3000, 2)), TryResult::kWouldBlock);  // 1088 bytes of room
  std::thread producer([&] {
    for (unsigned i = 2; i < 12; ++i) ch->send(bytes_of(2048 + 1 + i * 100, i), Deadline::after(kLong));
  });
  EXPECT_EQ(ch->recv(Deadline::after(kLong)), bytes_of(3000, 1));
  for (unsigned i = 2; i < 12; ++i) {
    EXPECT_EQ(ch->recv(Deadline::after(kLong)), bytes_of(2048 + 1 + i * 100, i)) << "message " << i;
  }
  producer.join();
}

TEST_P(ChannelTest, TrySendWouldBlockWhenRingIsFull) {
  auto ch = make(256);  // two 24-byte messages fill it (an entry: 16-byte header + bytes, padded to 128)
  const auto msg = bytes_of(24, 1);
  EXPECT_EQ(ch->try_send(msg), TryResult::kDone);
  EXPECT_EQ(ch->try_send(msg), TryResult::kDone);
  EXPECT_EQ(ch->try_send(msg), TryResult::kWouldBlock);
  Message got;
  auto sink = [&](std::size_t n) { got.resize(n); return got.data(); };
  EXPECT_EQ(ch->try_recv_into(sink), TryResult::kDone);
  EXPECT_EQ(got, msg);
  EXPECT_EQ(ch->try_send(msg), TryResult::kDone);  // room again
}

TEST_P(ChannelTest, SendTimesOutWhileFullAndLeavesChannelIntact) {
  auto ch = make(256);
  const auto msg = bytes_of(24, 2);
  ch->send(msg, Deadline::after(kLong));
  ch->send(msg, Deadline::after(kLong));
  EXPECT_THROW(ch->send(msg, Deadline::after(10ms)), ChannelTimeout);
  EXPECT_THROW(ch->send(msg, Deadline::after(0ms)), ChannelTimeout);
  EXPECT_FALSE(ch->is_closed());
  EXPECT_EQ(ch->recv(Deadline::after(kLong)), msg);
  EXPECT_EQ(ch->recv(Deadline::after(kLong)), msg);
}

TEST_P(ChannelTest, TrySendOfMessageLargerThanRingWouldBlock) {
  auto ch = make(128);
  EXPECT_EQ(ch->try_send(bytes_of(200, 3)), TryResult::kWouldBlock);
}

TEST_P(ChannelTest, RecvTimesOutWhenEmpty) {
  auto ch = make(256);
  EXPECT_THROW(ch->recv(Deadline::after(10ms)), ChannelTimeout);
  Message got;
  EXPECT_EQ(ch->try_recv_into([&](std::size_t n) { got.resize(n); return got.data(); }),
            TryResult::kWouldBlock);
  EXPECT_FALSE(ch->is_closed());
  EXPECT_FALSE(ch->readable());
}

TEST_P(ChannelTest, RecvDrainsQueuedMessagesAfterCloseThenEndsStream) {
  auto ch = make(1024);
  for (unsigned i = 0; i < 3; ++i) ch->send(bytes_of(5, i), Deadline::after(kLong));
  ch->close();
  ch->close();  // idempotent
  EXPECT_TRUE(ch->is_closed());
  for (unsigned i = 0; i < 3; ++i) EXPECT_EQ(ch->recv(Deadline::after(kLong)), bytes_of(5, i));
  EXPECT_EQ(ch->recv(Deadline::after(kLong)), std::nullopt);
  Message got;
  EXPECT_EQ(ch->try_recv_into([&](std::size_t n) { got.resize(n); return got.data(); }),
            TryResult::kClosed);
  EXPECT_TRUE(ch->readable());  // recv would not block
}

TEST_P(ChannelTest, SendAfterCloseThrows) {
  auto ch = make(1024);
  ch->close();
  EXPECT_THROW(ch->send(bytes_of(8, 0), Deadline::after(kLong)), ChannelClosed);
  EXPECT_EQ(ch->try_send(bytes_of(8, 0)), TryResult::kClosed);
}

TEST_P(ChannelTest, CloseWakesBlockedReceiver) {
  auto ch = make(1024);
  std::optional<Message> got = Message{};
  std::thread receiver([&] { got = ch->recv(Deadline::after(kLong)); });
  std::this_thread::sleep_for(20ms);  // let it block (the outcome is the same if it has not yet)
  ch->close();
  receiver.join();
  EXPECT_EQ(got, std::nullopt);
}

TEST_P(ChannelTest, CloseWakesBlockedSender) {
  auto ch = make(64);
  ch->send(bytes_of(40, 0), Deadline::after(kLong));
  bool closed_error = false;
  std::thread sender([&] {
    try {
      ch->send(bytes_of(40, 1), Deadline::after(kLong));
    } catch (const ChannelClosed&) {
      closed_error = true;
    }
  });
  std::this_thread::sleep_for(20ms);
  ch->close();
  sender.join();
  EXPECT_TRUE(closed_error);
}

TEST_P(ChannelTest, HundredThousandSmallMessagesArriveInOrderAcrossThreads) {
  auto ch = make(4096);
  constexpr std::uint32_t kCount = 100'000;
  std::thread producer([&] {
    for (std::uint32_t i = 0; i < kCount; ++i) {
      std::array<std::byte, 12> m{};
      std::memcpy(m.data(), &i, sizeof i);
      const std::uint32_t tag = i * 2654435761u;
      std::memcpy(m.data() + 4, &tag, sizeof tag);
      const std::size_t len = 8 + i % 5;  // varying sizes exercise wrap-around
      ch->send(std::span(m.data(), len), Deadline::after(kLong));
    }
    ch->close();
  });
  std::uint32_t expected = 0;
  bool intact = true;
  while (auto m = ch->recv(Deadline::after(kLong))) {
    std::uint32_t i = 0, tag = 0;
    std::memcpy(&i, m->data(), 4);
    std::memcpy(&tag, m->data() + 4, 4);
    intact = intact && i == expected && tag == i * 2654435761u && m->size() == 8 + i % 5;
    ++expected;
  }
  producer.join();
  EXPECT_EQ(expected, kCount);
  EXPECT_TRUE(intact);
}

TEST_P(ChannelTest, MessagesLargerThanRingArriveIntact) {
  auto ch = make(64 * 1024);
  const std::vector<std::size_t> sizes = {4 << 20, 10, 64 * 1024 - 8, 64 * 1024 - 7, 200'001, 3};
  std::thread producer([&] {
    for (unsigned i = 0; i < sizes.size(); ++i) ch->send(bytes_of(sizes[i], i), Deadline::after(kLong));
  });
  for (unsigned i = 0; i < sizes.size(); ++i) {
    auto m = ch->recv(Deadline::after(kLong));
    ASSERT_TRUE(m);
    EXPECT_TRUE(*m == bytes_of(sizes[i], i)) << "message " << i << " of " << sizes[i] << " bytes";
  }
  producer.join();
}

TEST_P(ChannelTest, TimeoutInTheMiddleOfALargeMessageClosesChannel) {
  auto ch = make(1024);
  // Nobody reads: the first chunk goes in, then the sender waits for room and times out.
  EXPECT_THROW(ch->send(bytes_of(10'000, 0), Deadline::after(20ms)), ChannelTimeout);
  EXPECT_TRUE(ch->is_closed());
  EXPECT_EQ(ch->recv(Deadline::after(kLong)), std::nullopt);  // the partial message is dropped
}

TEST_P(ChannelTest, SelectReturnsTheReadyChannelAndTimesOutWhenNoneIs) {
  auto a = make(1024);
  auto b = make(1024);
  std::array<Channel*, 2> both = {a.get(), b.get()};
  EXPECT_EQ(select_readable(both, Deadline::after(10ms)), std::nullopt);
  b->send(bytes_of(3, 0), Deadline::after(kLong));
  EXPECT_EQ(select_readable(both, Deadline::after(kLong)), 1u);
  ASSERT_TRUE(b->recv(Deadline::after(kLong)));
  a->close();  // closed counts as readable (recv would not block)
  EXPECT_EQ(select_readable(both, Deadline::after(kLong)), 0u);
}

// Two channels with two messages each: select serves them in turn, not the first one until it is
// drained (a farm's driver would starve the other workers).
TEST_P(ChannelTest, SelectServesReadyChannelsInTurn) {
  auto a = make(1024);
  auto b = make(1024);
  std::array<Channel*, 2> both = {a.get(), b.get()};
  for (auto* ch : both)
    for (unsigned i = 0; i < 2; ++i) ch->send(bytes_of(3, i), Deadline::after(kLong));
  std::vector<std::size_t> order;
  for (int k = 0; k < 4; ++k) {
    const auto i = select_readable(both, Deadline::after(kLong));
    ASSERT_TRUE(i);
    order.push_back(*i);
    ASSERT_TRUE(both[*i]->recv(Deadline::after(kLong)));
  }
  EXPECT_NE(order[0], order[1]) << order[0] << order[1] << order[2] << order[3];
  EXPECT_NE(order[2], order[3]);
  EXPECT_EQ(std::count(order.begin(), order.end(), 0u), 2);
}

TEST_P(ChannelTest, SelectWakesWhenAnotherThreadSends) {
  auto a = make(1024);
  auto b = make(1024);
  std::array<Channel*, 2> both = {a.get(), b.get()};
  std::thread sender([&] {
    std::this_thread::sleep_for(20ms);
    a->send(bytes_of(3, 0), Deadline::after(kLong));
  });
  EXPECT_EQ(select_readable(both, Deadline::after(kLong)), 0u);
  sender.join();
}

INSTANTIATE_TEST_SUITE_P(AllChannels, ChannelTest, ::testing::ValuesIn(impls()),
                         [](const auto& info) { return info.param.name; });

// ---- the shared-memory ring across processes ------------------------------------------------

// A fork()ed child that is killed and reaped whatever happens to the test.
class ForkedChild {
 public:
  explicit ForkedChild(const std::function<int()>& body) {
    pid_ = fork();
    if (pid_ == 0) {
      int status = 99;
      try {
        status = body();
      } catch (...) {
      }
      _exit(status);  // no gtest teardown, no destructors of the parent's objects
    }
  }
  ~ForkedChild() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  // Exit status, or -1 if it did not exit before the deadline (then it is killed).
  int wait(Deadline deadline) {
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (deadline.expired()) return -1;
      std::this_thread::sleep_for(1ms);
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
};

TEST(ShmChannelAcrossProcessesTest, ForkedEchoReturnsEveryMessageByteForByte) {
  auto set = ShmChannelSet::create(segment_name(make_run_id(), "echo"), 1, 64 * 1024);
  const std::string name = set.name();
  ForkedChild child([&] {
    auto mine = ShmChannelSet::attach(name);
    auto& ch = mine.channels(0);
    while (auto m = ch.to_worker->recv(Deadline::after(kLong))) {
      ch.from_worker->send(*m, Deadline::after(kLong));
    }
    ch.from_worker->close();
    return 0;
  });
  auto& ch = set.channels(0);
  const std::vector<std::size_t> sizes = {0, 1, 8, 1024, 64 * 1024 - 8, 4 << 20, 8};
  for (unsigned i = 0; i < sizes.size(); ++i) {
    const auto msg = bytes_of(sizes[i], i);
    ch.to_worker->send(msg, Deadline::after(kLong));
    auto echo = ch.from_worker->recv(Deadline::after(kLong));
    ASSERT_TRUE(echo);
    EXPECT_TRUE(*echo == msg) << sizes[i] << " bytes";
  }
  ch.to_worker->close();
  EXPECT_EQ(ch.from_worker->recv(Deadline::after(kLong)), std::nullopt);
  EXPECT_EQ(child.wait(Deadline::after(kLong)), 0);
}

TEST(ShmChannelAcrossProcessesTest, SupervisorCloseWakesReceiverOfADeadPeer) {
  auto set = ShmChannelSet::create(segment_name(make_run_id(), "dead"), 1, 4096);
  ForkedChild child([] {
    pause();  // never answers
    return 0;
  });
  auto& ch = set.channels(0);
  std::optional<Message> got = Message{};
  std::thread receiver([&] { got = ch.from_worker->recv(Deadline::after(kLong)); });
  kill(child.pid(), SIGKILL);
  EXPECT_EQ(child.wait(Deadline::after(kLong)), 128 + SIGKILL);
  set.close_all();
  receiver.join();
  EXPECT_EQ(got, std::nullopt);
}

// ---- corrupted shared headers -----------------------------------------------------------------

// A cache-line-aligned block for one ring region of `capacity` bytes, for tests that lay a ring
// over memory they also scribble on.
class RingRegion {
 public:
  explicit RingRegion(std::size_t capacity) : bytes_(ring_region_bytes(capacity) + kCacheLineSize) {}
  void* get() {
    const auto misalign = reinterpret_cast<std::uintptr_t>(bytes_.data()) % kCacheLineSize;
    return bytes_.data() + (kCacheLineSize - misalign) % kCacheLineSize;
  }

 private:
  std::vector<std::byte> bytes_;
};

// What a producer writes for a message of `len` bytes at position `at` (below the capacity) of
// a ring: the entry's length, then its stamp. Returns the data area, for the bytes a test writes
// itself (before any reader attaches).
std::byte* plant_entry_header(void* region, std::uint64_t len, std::uint64_t at = 0) {
  auto* h = static_cast<RingHeader*>(region);
  auto* data = static_cast<std::byte*>(region) + sizeof(RingHeader);
  std::memcpy(data + at + sizeof(std::uint64_t), &len, sizeof len);
  std::atomic_ref<std::uint64_t>(*reinterpret_cast<std::uint64_t*>(data + at))
      .store(stamp_of(at, h->stamp_key), std::memory_order_release);
  return data;
}

TEST(RingCorruptionTest, RandomHeadersAreRejectedCleanly) {
  constexpr std::size_t kCapacity = 256;
  RingRegion storage(kCapacity);
  void* region = storage.get();
  std::mt19937_64 rng(12345);
  int rejected = 0;
  for (int round = 0; round < 3000; ++round) {
    SpscRing writer(region, kCapacity, false, RingInit::kCreate);
    for (int i = 0; i < static_cast<int>(rng() % 4); ++i) (void)writer.try_send(bytes_of(rng() % 60, i));
    auto* h = static_cast<RingHeader*>(region);
    auto* data = static_cast<std::byte*>(region) + sizeof(RingHeader);
    switch (rng() % 4) {  // what a hostile or broken peer could scribble
      case 0: h->write_pos = rng() % 4 == 0 ? rng() : h->write_pos + rng() % 600; break;
      case 1: h->read_pos = rng() % 4 == 0 ? rng() : h->read_pos + rng() % 600; break;
      case 2: for (std::size_t i = 0; i < 8; ++i) data[(h->read_pos + i) % kCapacity] = std::byte(rng()); break;
      default: h->capacity_bytes = rng(); break;
    }
    try {
      SpscRing reader(region, kCapacity, false, RingInit::kAttach);
      // The sink refuses absurd sizes the way a real allocation would fail.
      auto sink = [](std::size_t n) -> std::byte* {
        static std::vector<std::byte> buf;
        if (n > (1 << 20)) throw std::bad_alloc();
        buf.resize(n);
        return buf.data();
      };
      while (reader.recv_into(sink, Deadline::after(0ms))) {
      }
    } catch (const ChannelCorrupt&) {
      ++rejected;
    } catch (const ChannelTimeout&) {
    } catch (const std::bad_alloc&) {
    }
  }
  EXPECT_GT(rejected, 0);  // the checks fired (and nothing read or wrote out of bounds)
}

// Streamed messages back to back with small ones, across two threads, on a ring far smaller
// than the messages: the consumer takes each entry by its stamp, which it may see before the
// producer's position that covers the entry's header; that is no corruption, and every byte
// arrives (a consumer that took the lagging position for one failed a default run, ring closed
// as "write position out of bounds").
TEST_P(ChannelTest, StreamedAndSmallMessagesInterleavedArriveWholeUnderContention) {
  auto ch = make(256);  // chunks of 128 bytes: a 300-byte message is a header and three chunks
  constexpr int kMessages = 20000;
  std::thread producer([&] {
    for (int i = 0; i < kMessages; ++i) ch->send(bytes_of(i % 3 ? 300 : 8, i), Deadline::after(kLong));
  });
  int bad = 0;
  for (int i = 0; i < kMessages; ++i) {
    const auto got = ch->recv(Deadline::after(kLong));
    if (!got || *got != bytes_of(i % 3 ? 300 : 8, i)) {
      ++bad;
      break;
    }
  }
  producer.join();
  EXPECT_EQ(bad, 0);
}

// The same moment made certain: a producer stopped (preempted) between writing a streamed
// message's stamp and publishing the position that covers its header. The consumer waits for the
// position instead of calling the ring corrupt.
TEST(RingStampBeforePositionTest, AStampSeenBeforeItsPositionIsWaitedForNotCorruption) {
  constexpr std::size_t kCapacity = 256;
  RingRegion storage(kCapacity);
  void* region = storage.get();
  SpscRing writer(region, kCapacity, false, RingInit::kCreate);
  auto* h = static_cast<RingHeader*>(region);
  const std::uint64_t len = 200;  // above the 128-byte chunk: streamed; 16 + 200 + 40 of padding = 256
  const Message body = bytes_of(len, 7);
  std::byte* data = plant_entry_header(region, len);
  std::memcpy(data + SpscRing::kEntryHeaderBytes, body.data(), 128 - SpscRing::kEntryHeaderBytes);
  // write_pos is still 0: the producer has not published the header yet.
  SpscRing reader(region, kCapacity, false, RingInit::kAttach);
  std::thread late_producer([&] {
    std::this_thread::sleep_for(20ms);
    // The rest of what the producer does: the header and the first 112 bytes, then the rest
    // with the padding.
    std::atomic_ref<std::uint64_t>(h->write_pos).store(128, std::memory_order_seq_cst);
    std::this_thread::sleep_for(5ms);
    std::memcpy(data + 128, body.data() + 112, len - 112);
    std::atomic_ref<std::uint64_t>(h->write_pos).store(256, std::memory_order_seq_cst);
  });
  std::optional<Message> got;
  EXPECT_NO_THROW(got = reader.recv(Deadline::after(kLong)));
  late_producer.join();
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, body);
}

// A ring created in memory an earlier ring used (the heap hands the same block back) sees none of
// that ring's entries: their stamps were made with the earlier ring's key.
TEST(RingReuseTest, ARingInReusedMemoryHasNoMessageOfTheEarlierRing) {
  constexpr std::size_t kCapacity = 256;
  RingRegion storage(kCapacity);
  void* region = storage.get();
  Message got;
  auto sink = [&](std::size_t n) { got.resize(n); return got.data(); };
  for (int life = 0; life < 50; ++life) {
    SpscRing ring(region, kCapacity, false, RingInit::kCreate);
    EXPECT_EQ(ring.try_recv_into(sink), TryResult::kWouldBlock) << "life " << life;
    ASSERT_EQ(ring.try_send(bytes_of(20, life)), TryResult::kDone);
    ASSERT_EQ(ring.try_send(bytes_of(30, life)), TryResult::kDone);
    ASSERT_EQ(ring.try_recv_into(sink), TryResult::kDone);
    EXPECT_EQ(got, bytes_of(20, life));
    // The second message stays unread when this ring goes.
  }
}

// In-process rings hand messages of kHandoverMinBytes and more over by reference: the sender
// waits until the receiver copied them, and withdraws them on timeout or close.
constexpr std::size_t kBig = InProcessChannel::kHandoverMinBytes;

TEST(HandoverTest, BigMessagesArriveWholeAndInOrderBetweenSmallOnes) {
  auto ch = make_inproc_channel(4096);
  std::thread producer([&] {
    for (unsigned i = 0; i < 6; ++i) {
      ch->send(bytes_of(i % 2 ? 100 : kBig + i, i), Deadline::after(kLong));
    }
  });
  for (unsigned i = 0; i < 6; ++i) {
    EXPECT_EQ(ch->recv(Deadline::after(kLong)), bytes_of(i % 2 ? 100 : kBig + i, i)) << i;
  }
  producer.join();
}

// From kShareMinBytes on, the receiver copies the first half of a handed-over message and the
// sender, waiting on its own thread, the second (or the receiver both, when the sender is not
// looking): every byte arrives, at sizes on and around the split (a page boundary) and the
// threshold. The pattern never repeats within a message (bytes_of's repeats every 256 bytes, so
// a half copied a page off would pass it), and differs per message.
Message unrepeating_bytes(std::size_t size, unsigned seed) {
  Message m(size);
  std::mt19937_64 words(seed);  // its sequence is fixed by the standard
  for (std::size_t i = 0; i < size; i += 8) {
    const std::uint64_t w = words();
    std::memcpy(m.data() + i, &w, std::min<std::size_t>(8, size - i));
  }
  return m;
}

TEST(HandoverTest, BothSidesCopyingHalvesDeliverEveryByte) {
  constexpr std::size_t kShare = InProcessChannel::kShareMinBytes;
  const std::vector<std::size_t> sizes = {kShare - 1, kShare, kShare + 1, kShare + 4096 + 7,
                                          (1u << 20) + 4095, (3u << 20) + 17};
  auto ch = make_inproc_channel(1 << 16);
  constexpr unsigned kRepeats = 6;
  std::thread producer([&] {
    for (unsigned r = 0; r < kRepeats; ++r)
      for (std::size_t i = 0; i < sizes.size(); ++i)
        ch->send(unrepeating_bytes(sizes[i], static_cast<unsigned>(r * sizes.size() + i)),
                 Deadline::after(kLong));
  });
  for (unsigned r = 0; r < kRepeats; ++r) {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      const auto got = ch->recv(Deadline::after(kLong));
      ASSERT_TRUE(got.has_value());
      ASSERT_EQ(*got, unrepeating_bytes(sizes[i], static_cast<unsigned>(r * sizes.size() + i)))
          << "size " << sizes[i] << ", repeat " << r;
    }
  }
  producer.join();
}

// Every wait has a bound: a sender whose message was taken by a receiver that then stalls (here
// its sink sleeps) on a ring that closed meanwhile gives up at its deadline instead of re-checking
// every millisecond until the copy ends (which, for a ring closed as corrupt, never came).
TEST(HandoverTest, ASenderWhoseTakenMessageStallsOnAClosedRingGivesUpAtItsDeadline) {
  auto ch = make_inproc_channel(4096);
  const Message big = bytes_of(kBig, 3);  // stays valid until the receiver's late copy is done
  std::atomic<bool> in_sink{false};
  std::vector<std::byte> into;
  std::thread receiver([&] {
    try {
      ch->recv_into([&](std::size_t n) {
        in_sink = true;
        std::this_thread::sleep_for(2s);
        into.resize(n);
        return into.data();
      }, Deadline::after(kLong));
    } catch (const std::exception&) {
    }
  });
  std::thread closer([&] {
    while (!in_sink) std::this_thread::sleep_for(1ms);
    ch->close();
  });
  const auto started = Clock::now();
  EXPECT_THROW(ch->send(big, Deadline::after(300ms)), ChannelClosed);
  EXPECT_LT(Clock::now() - started, 1500ms);
  closer.join();
  receiver.join();
}

TEST(HandoverTest, SendTimesOutWhenNobodyTakesTheMessageAndTheChannelStaysUsable) {
  auto ch = make_inproc_channel(4096);
  EXPECT_THROW(ch->send(bytes_of(kBig, 1), Deadline::after(20ms)), ChannelTimeout);
  EXPECT_FALSE(ch->is_closed());
  ch->send(bytes_of(10, 2), Deadline::after(kLong));  // the withdrawn message is skipped
  EXPECT_EQ(ch->recv(Deadline::after(kLong)), bytes_of(10, 2));
  Message got;
  auto sink = [&](std::size_t n) { got.resize(n); return got.data(); };
  EXPECT_EQ(ch->try_recv_into(sink), TryResult::kWouldBlock);
}

TEST(HandoverTest, CloseWakesASenderWaitingForItsReceiver) {
  auto ch = make_inproc_channel(4096);
  std::thread closer([&] {
    std::this_thread::sleep_for(20ms);
    ch->close();  // a supervisor whose worker died
  });
  EXPECT_THROW(ch->send(bytes_of(kBig, 3), Deadline::after(kLong)), ChannelClosed);
  closer.join();
  EXPECT_FALSE(ch->recv(Deadline::after(kLong)));  // withdrawn: end of stream, no message
}

// A streamed message (larger than the ring) whose writer stalls after the first bytes, frozen or
// dead with nobody to close the ring, or a hostile header claiming one: try_recv gives up after
// its stall limit instead of waiting forever, and closes the ring.
TEST(RingStallTest, TryRecvOfAStalledStreamedMessageTimesOutAndCloses) {
  constexpr std::size_t kCapacity = 256;
  RingRegion storage(kCapacity);
  void* region = storage.get();
  SpscRing writer(region, kCapacity, false, RingInit::kCreate);
  // What a writer publishes before it waits for room: the entry's stamp and length, and a first part.
  auto* h = static_cast<RingHeader*>(region);
  plant_entry_header(region, 4 * kCapacity);
  std::atomic_ref<std::uint64_t>(h->write_pos).store(SpscRing::kEntryHeaderBytes + 64, std::memory_order_release);

  SpscRing reader(region, kCapacity, false, RingInit::kAttach);
  reader.set_stream_stall_limit(50ms);
  std::vector<std::byte> buf;
  auto sink = [&](std::size_t n) {
    buf.resize(n);
    return buf.data();
  };
  EXPECT_THROW(reader.try_recv_into(sink), ChannelTimeout);
  EXPECT_EQ(reader.try_recv_into(sink), TryResult::kClosed);
}

// ---- the hot window: small messages stay in the first lines of each lap -----------------------

// A 64 KiB ring (the window needs four times its size) with its producer and consumer, and the
// header both share.
class RingHotWindowTest : public ::testing::Test {
 protected:
  static constexpr std::size_t kCapacity = 64 * 1024;
  RingRegion storage{kCapacity};
  void* region = storage.get();
  SpscRing writer{region, kCapacity, false, RingInit::kCreate};
  SpscRing reader{region, kCapacity, false, RingInit::kAttach};
  RingHeader* h = static_cast<RingHeader*>(region);
  Message got;
  MessageSink sink = [this](std::size_t n) {
    got.resize(n);
    return got.data();
  };
};

// Round trips of small messages (the ring is empty at every send) reuse the lines at the start
// of each lap (a skip entry ends the lap once the window is passed), instead of walking the
// whole ring.
TEST_F(RingHotWindowTest, RoundTripsOfSmallMessagesStayInTheWindow) {
  std::uint64_t furthest = 0;  // the largest offset in a lap an entry started at
  bool intact = true;
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t at = std::atomic_ref<std::uint64_t>(h->write_pos).load() & (kCapacity - 1);
    furthest = std::max(furthest, at);
    ASSERT_EQ(writer.try_send(bytes_of(8 + i % 40, i)), TryResult::kDone);
    ASSERT_EQ(reader.try_recv_into(sink), TryResult::kDone);
    intact = intact && got == bytes_of(8 + i % 40, i);
  }
  EXPECT_TRUE(intact);
  // Linear, 5000 entries of 128 bytes would have gone round the 64 KiB ring nine times, through
  // every offset; here every lap past the first ended at the window.
  EXPECT_LE(furthest, SpscRing::kHotWindowBytes);
  EXPECT_GT(std::atomic_ref<std::uint64_t>(h->write_pos).load(), 4 * kCapacity);
}

// Bursts that fill the ring past the window (no skip then), mixed with single messages (a skip
// when the window is passed and the ring is empty) and streamed ones, between two threads: every
// byte arrives, in order.
TEST_P(ChannelTest, BurstsAndRoundTripsAcrossTheHotWindowArriveInOrder) {
  auto ch = make(64 * 1024);  // chunks of 32 KiB: 40 000 bytes are streamed
  constexpr int kMessages = 30000;
  // Both sides draw the same sequence. Mostly one message at a time, the producer waiting for
  // the reader (a round trip's pattern); sometimes a burst of up to 60.
  auto burst_of = [](std::mt19937& rng) {
    return rng() % 8 == 0 ? 1 + static_cast<int>(rng() % 60) : 1;
  };
  auto length_of = [](int i, std::mt19937& rng) -> std::size_t {
    return i % 97 == 0 ? 40000 : rng() % 3000;
  };
  std::atomic<int> received{0};
  std::thread producer([&] {
    std::mt19937 rng(7);
    try {
      for (int i = 0; i < kMessages;) {
        const int burst = burst_of(rng);
        for (int b = 0; b < burst && i < kMessages; ++b, ++i) {
          const std::size_t len = length_of(i, rng);
          ch->send(bytes_of(len, i), Deadline::after(kLong));
        }
        const Deadline until = Deadline::after(kLong);
        while (received.load() < i && !until.expired()) std::this_thread::yield();
      }
    } catch (const std::exception&) {  // the reader found a bad message and closed the channel
    }
  });
  std::mt19937 rng(7);
  int bad = 0;
  for (int i = 0; i < kMessages;) {
    const int burst = burst_of(rng);
    for (int b = 0; b < burst && i < kMessages; ++b, ++i) {
      const std::size_t len = length_of(i, rng);
      const auto got = ch->recv(Deadline::after(kLong));
      if (!got || *got != bytes_of(len, i)) ++bad;
    }
    received.store(i);
    if (bad) break;
  }
  received.store(kMessages);
  ch->close();
  producer.join();
  EXPECT_EQ(bad, 0);
}

// A producer stopped between a skip's stamp and the position that publishes it with the next
// entry: the consumer takes the skip and waits at the lap's start, and the ring does not call
// itself readable (select would pick it, and recv would block).
TEST_F(RingHotWindowTest, ASkipTakenAheadOfThePublishedPositionLeavesNothingReadable) {
  ASSERT_EQ(writer.try_send(bytes_of(8, 1)), TryResult::kDone);
  ASSERT_EQ(reader.try_recv_into(sink), TryResult::kDone);
  const std::uint64_t at = std::atomic_ref<std::uint64_t>(h->write_pos).load();  // 128
  plant_entry_header(region, (kCapacity - at) | (std::uint64_t{1} << 62), at);
  EXPECT_EQ(reader.try_recv_into(sink), TryResult::kWouldBlock);
  EXPECT_EQ(std::atomic_ref<std::uint64_t>(h->read_pos).load(), kCapacity);  // the skip was taken
  EXPECT_FALSE(reader.readable());
}

// A skip entry must end the lap exactly; any other length is a broken or hostile header.
TEST(RingCorruptionTest, ASkipEntryThatDoesNotEndTheLapClosesTheRing) {
  constexpr std::size_t kCapacity = 64 * 1024;
  RingRegion storage(kCapacity);
  void* region = storage.get();
  SpscRing writer(region, kCapacity, false, RingInit::kCreate);
  plant_entry_header(region, (std::uint64_t{1} << 62) | 4096);  // at offset 0: nothing to skip
  std::atomic_ref<std::uint64_t>(static_cast<RingHeader*>(region)->write_pos)
      .store(4096, std::memory_order_release);
  SpscRing reader(region, kCapacity, false, RingInit::kAttach);
  std::vector<std::byte> buf;
  auto sink = [&](std::size_t n) {
    buf.resize(n);
    return buf.data();
  };
  EXPECT_THROW(reader.try_recv_into(sink), ChannelCorrupt);
  EXPECT_TRUE(reader.is_closed());
}

}  // namespace
}  // namespace interpbench
