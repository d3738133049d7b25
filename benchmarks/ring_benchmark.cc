// Micro-benchmarks of the channels alone (no Python): one ring's push/pop on one thread, round
// trip between two threads and one-way throughput over the in-process ring and the shared-memory
// ring (both sides in this process), and the round trip to a fork()ed process over shared memory.
// What the hardware and the ring allow; the floor row measures the same inside `interpbench run`.
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>

#include <benchmark/benchmark.h>

#include "backends/channel.h"
#include "backends/inproc_channel.h"
#include "backends/shm_channel.h"
#include "backends/shm_segment.h"
#include "backends/subprocess/shm_buffer_pool.h"

namespace interpbench {
namespace {

constexpr std::size_t kRingBytes = 1 << 20;
constexpr auto kTimeout = std::chrono::seconds(30);  // only reached when something is broken

struct Inproc {
  static ChannelPair make() { return make_inproc_channel_pair(kRingBytes); }
};
struct Shm {
  static ChannelPair make() {
    auto set = ShmChannelSet::create(segment_name(make_run_id(), "bench"), 1, kRingBytes);
    return set.channels(0);  // the channels keep the segment; it goes with them
  }
};

// A peer thread that receives on to_worker and runs `on_message` for each; joined on scope exit.
class Peer {
 public:
  template <class F>
  Peer(ChannelPair& ch, F on_message) : ch_(ch) {
    thread_ = std::thread([this, on_message] {
      Message buf;
      const MessageSink sink = [&](std::size_t n) {
        buf.resize(n);
        return buf.data();
      };
      try {
        while (auto n = ch_.to_worker->recv_into(sink, Deadline::after(kTimeout))) on_message(buf, *n);
      } catch (const std::exception&) {
      }
      ch_.from_worker->close();
    });
  }
  ~Peer() {
    ch_.to_worker->close();
    thread_.join();
  }

 private:
  ChannelPair& ch_;
  std::thread thread_;
};

// The timed loop of every round-trip benchmark: send `size` bytes, wait for the echo.
void round_trips(benchmark::State& state, ChannelPair& ch, std::size_t size) {
  const Message payload(size, std::byte{0x5a});
  Message reply;
  const MessageSink sink = [&](std::size_t n) {
    reply.resize(n);
    return reply.data();
  };
  for (auto _ : state) {
    ch.to_worker->send(payload, Deadline::after(kTimeout));
    if (!ch.from_worker->recv_into(sink, Deadline::after(kTimeout))) {
      state.SkipWithError("the echo ended the stream");
      break;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size * 2));
}

template <class Transport>
void BM_RoundTrip(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  ChannelPair ch = Transport::make();
  Peer echo(ch, [&](const Message& m, std::size_t n) {
    ch.from_worker->send(std::span(m.data(), n), Deadline::after(kTimeout));
  });
  round_trips(state, ch, size);
}

template <class Transport>
void BM_Throughput(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  ChannelPair ch = Transport::make();
  Peer sink_peer(ch, [](const Message&, std::size_t) {});
  const Message payload(size, std::byte{0xa5});
  for (auto _ : state) ch.to_worker->send(payload, Deadline::after(kTimeout));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// One ring, one thread: try_send then try_recv_into, the cost of the ring's bookkeeping and copies
// with no waiting and no cache line moving between CPUs.
void BM_RingPushPop(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  InProcessChannel ring(kRingBytes);
  const Message payload(size, std::byte{0x5a});
  Message out(size);
  const MessageSink sink = [&](std::size_t) { return out.data(); };
  for (auto _ : state) {
    if (ring.try_send(payload) != TryResult::kDone || ring.try_recv_into(sink) != TryResult::kDone) {
      state.SkipWithError("push or pop did not complete on an empty ring");
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}
BENCHMARK(BM_RingPushPop)->Arg(8)->Arg(1 << 10)->Arg(64 << 10);

// An echo in a fork()ed process over a shared-memory channel set: the subprocess backend's
// transport without Python. Forked while this process has no other thread (benchmarks run one at
// a time); the child dies with us (PR_SET_PDEATHSIG) and is reaped on scope exit.
class ForkedEcho {
 public:
  ForkedEcho() : set_(ShmChannelSet::create(segment_name(make_run_id(), "bench"), 1, kRingBytes)) {
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ != 0) return;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    ChannelPair& ch = set_.channels(0);
    Message buf;
    const MessageSink sink = [&](std::size_t n) {
      buf.resize(n);
      return buf.data();
    };
    try {
      while (auto n = ch.to_worker->recv_into(sink, Deadline::after(kTimeout))) {
        ch.from_worker->send(std::span(buf.data(), *n), Deadline::after(kTimeout));
      }
    } catch (const std::exception&) {
    }
    _exit(0);
  }
  ~ForkedEcho() {
    set_.close_all();
    if (pid_ > 0) waitpid(pid_, nullptr, 0);  // the echo ends at end of stream
  }
  ForkedEcho(const ForkedEcho&) = delete;
  ForkedEcho& operator=(const ForkedEcho&) = delete;
  ChannelPair& channels() { return set_.channels(0); }
  bool started() const { return pid_ > 0; }

 private:
  ShmChannelSet set_;
  pid_t pid_ = -1;
};

void BM_RoundTripCrossProcess(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  ForkedEcho echo;
  if (!echo.started()) {
    state.SkipWithError("fork failed");
    return;
  }
  round_trips(state, echo.channels(), size);
}
BENCHMARK(BM_RoundTripCrossProcess)->Arg(8)->Arg(64 << 10)->UseRealTime();

// Sizes as in the pingpong workload: 8 B, 1 KiB, 64 KiB, 1 MiB (1 MiB, above one 64 KiB chunk,
// is streamed).
#define RING_SIZES Arg(8)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20)
BENCHMARK_TEMPLATE(BM_RoundTrip, Inproc)->RING_SIZES->UseRealTime();
BENCHMARK_TEMPLATE(BM_RoundTrip, Shm)->RING_SIZES->UseRealTime();
BENCHMARK_TEMPLATE(BM_Throughput, Inproc)->RING_SIZES->UseRealTime();
BENCHMARK_TEMPLATE(BM_Throughput, Shm)->RING_SIZES->UseRealTime();

// One-way throughput of big messages over shared memory, to a receiver that reads them as views
// (Python's recv_view): the sender copies each message into a block of the buffer pool and the
// ring carries its handle; the receiver frees the block at once. Against BM_Throughput<Shm>'s
// two copies through the ring, at the sizes where the pool is used (ShmChannel::kPoolMinBytes).
void BM_ThroughputShmPoolViews(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  std::shared_ptr<ShmBufferPool> pool =
      ShmBufferPool::create(segment_name(make_run_id(), "benchpool"), std::size_t{256} << 20);
  auto set = ShmChannelSet::create(segment_name(make_run_id(), "bench"), 1, kRingBytes);
  set.use_pool(pool);
  ChannelPair ch = set.channels(0);
  ch.to_worker->deliver_views(true);  // announced before the first send
  std::thread receiver([&] {
    const MessageSink copy_sink = [](std::size_t) -> std::byte* { return nullptr; };
    try {
      while (ch.to_worker->recv_into(copy_sink, Deadline::after(kTimeout))) {
        if (auto h = ch.to_worker->take_view()) pool->release(*h);
      }
    } catch (const std::exception&) {
    }
  });
  const Message payload(size, std::byte{0xa5});
  for (auto _ : state) ch.to_worker->send(payload, Deadline::after(kTimeout));
  ch.to_worker->close();
  receiver.join();
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ThroughputShmPoolViews)->Arg(4 << 20)->Arg(16 << 20)->UseRealTime();
BENCHMARK_TEMPLATE(BM_Throughput, Shm)->Arg(4 << 20)->Arg(16 << 20)->UseRealTime();

}  // namespace
}  // namespace interpbench
