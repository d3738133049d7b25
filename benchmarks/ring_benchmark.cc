// Micro-benchmarks of the channels alone (no Python, no processes): round trip between two
// threads and one-way throughput, over the in-process ring and the shared-memory ring (both
// sides in this process). What the hardware and the ring allow; the floor row measures the same
// with a forked peer.
#include <chrono>
#include <cstddef>
#include <memory>
#include <thread>

#include <benchmark/benchmark.h>

#include "backends/channel.h"
#include "backends/inproc_channel.h"
#include "backends/shm_channel.h"
#include "backends/shm_segment.h"

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

template <class Transport>
void BM_RoundTrip(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  ChannelPair ch = Transport::make();
  Peer echo(ch, [&](const Message& m, std::size_t n) {
    ch.from_worker->send(std::span(m.data(), n), Deadline::after(kTimeout));
  });
  const Message payload(size, std::byte{0x5a});
  Message reply;
  const MessageSink sink = [&](std::size_t n) {
    reply.resize(n);
    return reply.data();
  };
  for (auto _ : state) {
    ch.to_worker->send(payload, Deadline::after(kTimeout));
    if (!ch.from_worker->recv_into(sink, Deadline::after(kTimeout))) {
      state.SkipWithError("echo peer ended the stream");
      break;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size * 2));
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

// Sizes as in the pingpong workload: 8 B, 1 KiB, 64 KiB, 1 MiB (1 MiB does not fit the ring's
// 1 MiB with its header: it is streamed).
#define RING_SIZES Arg(8)->Arg(1 << 10)->Arg(64 << 10)->Arg(1 << 20)
BENCHMARK_TEMPLATE(BM_RoundTrip, Inproc)->RING_SIZES->UseRealTime();
BENCHMARK_TEMPLATE(BM_RoundTrip, Shm)->RING_SIZES->UseRealTime();
BENCHMARK_TEMPLATE(BM_Throughput, Inproc)->RING_SIZES->UseRealTime();
BENCHMARK_TEMPLATE(BM_Throughput, Shm)->RING_SIZES->UseRealTime();

}  // namespace
}  // namespace interpbench

BENCHMARK_MAIN();
