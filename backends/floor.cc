#include "backends/floor.h"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "backends/cache_line.h"
#include "backends/channel.h"
#include "backends/child_result.h"
#include "backends/cpu_pinning.h"
#include "backends/inproc_channel.h"
#include "backends/shm_channel.h"
#include "backends/shm_segment.h"

namespace interpbench {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// ---- where the two sides run --------------------------------------------------------------

// The floor is what the hardware allows: two sides on two CPUs. Left to itself, on a busy
// machine the scheduler tends to wake a peer *thread* on its waker's CPU, and the two then share
// one CPU for the whole run: 8-9 us round trips (two futex wake-ups) where two CPUs give
// 0.3-0.9 us (measured on the 2-vCPU VM at load 3-6: unpinned 8.1 us in every run, pinned
// 0.9 us; docs/performance.md). So it follows params["pin"] as every row does (cpu_pinning.h):
// the driver is the driver of a group of one, its peer (thread or process) that group's worker.

// The calling thread's CPU mask, put back on scope exit.
class AffinityRestore {
 public:
  AffinityRestore() { CPU_ZERO(&saved_); ok_ = sched_getaffinity(0, sizeof saved_, &saved_) == 0; }
  ~AffinityRestore() {
    if (ok_) sched_setaffinity(0, sizeof saved_, &saved_);
  }
  AffinityRestore(const AffinityRestore&) = delete;
  AffinityRestore& operator=(const AffinityRestore&) = delete;

 private:
  cpu_set_t saved_;
  bool ok_ = false;
};

// The parameters the floor honours, with the Python workloads' defaults.
struct Settings {
  std::vector<std::size_t> sizes;
  std::size_t repetitions = 5;
  std::size_t warmup = 50;
  std::size_t iterations = 500;
  std::optional<double> timeout_s;
  std::size_t bytes_budget = 0;  // per workload default when absent
  std::size_t batches = 5;       // stream only
  std::size_t warmup_bytes = 0;  // stream only: the warm-up batch grows to this many bytes
  std::size_t ring_bytes = 1 << 20;
  PinPlan pin;  // params["pin"]: the driver and its peer as a group of one worker

  Deadline op_deadline() const { return Deadline::from_seconds(timeout_s); }
};

std::size_t count_param(const json& params, const char* key, std::size_t fallback) {
  if (!params.contains(key) || params[key].is_null()) return fallback;
  const json& v = params[key];
  if (!v.is_number_integer() || v.get<long long>() < 0) {
    throw std::invalid_argument(std::string("floor: params.") + key + " must be a count");
  }
  return v.get<std::size_t>();
}

Settings parse_settings(const std::string& workload, const json& params) {
  Settings s;
  const bool stream = workload == "stream";
  s.repetitions = count_param(params, "repetitions", 5);
  s.warmup = count_param(params, "warmup", 50);
  s.iterations = count_param(params, "iterations", 500);
  s.bytes_budget = count_param(params, "bytes_budget", stream ? 32 << 20 : 64 << 20);
  s.batches = count_param(params, "batches", 5);
  s.warmup_bytes = count_param(params, "warmup_bytes", 0);
  s.ring_bytes = count_param(params, "ring_bytes", 1 << 20);
  if (params.contains("timeout") && !params["timeout"].is_null()) {
    if (!params["timeout"].is_number() || params["timeout"].get<double>() <= 0) {
      throw std::invalid_argument("floor: params.timeout must be a positive number of seconds");
    }
    s.timeout_s = params["timeout"].get<double>();
  }
  if (params.contains("sizes")) {
    if (!params["sizes"].is_array()) throw std::invalid_argument("floor: params.sizes must be a list");
    for (const auto& v : params["sizes"]) {
      if (!v.is_number_integer() || v.get<long long>() < 0) {
        throw std::invalid_argument("floor: params.sizes must be a list of byte counts");
      }
      s.sizes.push_back(v.get<std::size_t>());
    }
  } else if (stream) {
    s.sizes = {64, 1024, 65536, 1048576};
  } else {
    s.sizes = {8, 1024, 65536, 1048576};
  }
  if (s.repetitions == 0) throw std::invalid_argument("floor: params.repetitions must be >= 1");
  s.pin = pin_plan(params);
  return s;
}

// ---- the peer side: receives on to_worker, answers on from_worker --------------------------

using PeerBody = std::function<void(ChannelPair&, std::optional<double> timeout_s)>;

// Echoes every message back, reusing one buffer (no allocation per message at steady state).
void echo_body(ChannelPair& ch, std::optional<double> timeout_s) {
  Message buf;
  const MessageSink sink = [&](std::size_t n) {
    buf.resize(n);
    return buf.data();
  };
  while (auto n = ch.to_worker->recv_into(sink, Deadline::from_seconds(timeout_s))) {
    ch.from_worker->send(std::span(buf.data(), *n), Deadline::from_seconds(timeout_s));
  }
}

// Counts messages; an empty message ends a batch and is answered with the count (8 bytes).
void count_body(ChannelPair& ch, std::optional<double> timeout_s) {
  Message buf;
  const MessageSink sink = [&](std::size_t n) {
    buf.resize(n);
    return buf.data();
  };
  std::uint64_t received = 0;
  while (auto n = ch.to_worker->recv_into(sink, Deadline::from_seconds(timeout_s))) {
    if (*n != 0) {
      ++received;
      continue;
    }
    std::array<std::byte, 8> count{};
    std::memcpy(count.data(), &received, sizeof received);
    ch.from_worker->send(count, Deadline::from_seconds(timeout_s));
    received = 0;
  }
}

// A peer on a std::thread over an in-process channel pair; closed and joined on destruction.
class ThreadPeer {
 public:
  ThreadPeer(const Settings& s, const PeerBody& body) : pair_(make_inproc_channel_pair(s.ring_bytes)) {
    std::promise<bool> placed;
    std::future<bool> pinned = placed.get_future();
    thread_ = std::thread([this, body, timeout = s.timeout_s, pin = s.pin,
                           placed = std::move(placed)]() mutable {
      placed.set_value(pin_worker_thread(pin, 0, 1));
      try {
        body(pair_, timeout);
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex_);
        error_ = e.what();
      }
      pair_.from_worker->close();
    });
    pinned_ = pinned.get();
  }
  ~ThreadPeer() {
    pair_.to_worker->close();  // end of stream: the body returns
    pair_.from_worker->close();
    thread_.join();
  }
  ChannelPair& channels() { return pair_; }
  std::string error() {
    std::lock_guard lock(mutex_);
    return error_;
  }
  bool pinned() const { return pinned_; }  // on its own CPU, as the plan said

 private:
  ChannelPair pair_;
  bool pinned_ = false;
  std::mutex mutex_;
  std::string error_;
  std::thread thread_;
};

// Reaps a fork()ed peer that was told to end: waits up to 2 s, then kills it. Never returns with
// the child alive or a zombie.
void reap_peer(pid_t pid) {
  int status = 0;
  const auto deadline = Deadline::after(2s);
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (deadline.expired()) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);  // SIGKILL: returns promptly
      return;
    }
    std::this_thread::sleep_for(1ms);
  }
}

// A fork()ed peer process over a shared-memory channel set. Must be created while this process
// has no other threads (the child runs only ring code). The child dies with the parent
// (PR_SET_PDEATHSIG) and is killed and reaped on destruction, whatever happened.
class ForkPeer {
 public:
  ForkPeer(const Settings& s, const PeerBody& body)
      : set_(ShmChannelSet::create(segment_name(make_run_id(), "floor"), 1, s.ring_bytes)) {
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error(std::string("floor: fork: ") + std::strerror(errno));
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(1);  // the parent died before prctl
      int code = 0;
      try {
        body(set_.channels(0), s.timeout_s);
      } catch (...) {
        code = 1;
      }
      set_.channels(0).from_worker->close();
      _exit(code);  // never run the parent's destructors (the segment's name is the parent's)
    }
    // Placed from here, where the answer is wanted; the child inherited the driver's mask and
    // has barely run on it.
    pinned_ = pin_worker_thread(s.pin, 0, 1, pid_);
  }
  ~ForkPeer() {
    set_.close_all();
    reap_peer(pid_);
  }
  ForkPeer(const ForkPeer&) = delete;
  ForkPeer& operator=(const ForkPeer&) = delete;
  ChannelPair& channels() { return set_.channels(0); }
  std::string error() { return {}; }  // a dead child shows as a closed channel
  bool pinned() const { return pinned_; }

 private:
  ShmChannelSet set_;
  pid_t pid_ = -1;
  bool pinned_ = false;
};

// ---- the driver side ------------------------------------------------------------------------

std::size_t scaled(std::size_t count, std::size_t size, std::size_t budget, std::size_t floor) {
  return std::max(floor, std::min(count, budget / std::max<std::size_t>(size, 1)));
}

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

std::string result_name(const std::string& workload, std::size_t size, const std::string& transport) {
  return workload + "/" + std::to_string(size) + (transport == "inproc" ? "" : "/" + transport);
}

constexpr const char* kPingpongTimed =
    "round trip, C++ steady_clock from before send to after the echo's recv_into; the echo is a "
    "C++ thread (inproc) or a fork()ed process (shm); no Python";
// The batched figure (metric round_trip_batched, sizes that fit floor-line's line): round trips
// timed together, one clock read pair per kTimedTogether of them. A pair of steady_clock reads
// costs about as much as a line bounce on the development VM (the floor-line row's 8 B round trip
// timed one at a time: 119-136 ns; BM_LineBounce, batch-timed: 63-67 ns), so per-round-trip
// samples narrow every ratio to the line; over 64 round trips the pair is about 1 ns each.
// docs/performance.md, "What the clock adds to a sample".
constexpr std::size_t kTimedTogether = 64;
constexpr const char* kBatchedTimed =
    "round trip, mean of 64 timed together: C++ steady_clock from before the first send to after "
    "the 64th echo's recv_into, / 64 (one clock read pair per 64 round trips, not per round trip); "
    "the echo is a C++ thread (inproc) or a fork()ed process (shm); no Python";
constexpr const char* kStreamTimed =
    "one-way, ns per message: C++ steady_clock from before the first send of a batch to after "
    "the consumer's count of that batch arrived, / messages; no Python";

// Samples of kTimedTogether round trips each (ns per round trip), iterations / kTimedTogether of
// them (at least 3) per call.
template <class RoundTrip>
std::vector<double> batched_samples(std::size_t iterations, RoundTrip& round_trip) {
  std::vector<double> samples(std::max<std::size_t>(3, iterations / kTimedTogether));
  for (auto& sample : samples) {
    const auto t0 = now_ns();
    for (std::size_t i = 0; i < kTimedTogether; ++i) round_trip();
    sample = static_cast<double>(now_ns() - t0) / static_cast<double>(kTimedTogether);
  }
  return samples;
}

// The batched result beside a per-round-trip one (`per_op`, whose params and size it takes; its
// name gets "/batched", since names are unique within a row: docs/design.md).
json batched_result(const json& per_op, const json& repetitions, const char* timed) {
  json params = per_op["params"];
  params["timed_together"] = kTimedTogether;
  return {{"name", per_op["name"].get<std::string>() + "/batched"},
          {"metric", "round_trip_batched"},
          {"unit", "ns"},
          {"timed", timed},
          {"higher_is_better", false},
          {"params", params},
          {"repetitions", repetitions},
          {"bytes_per_op", per_op["bytes_per_op"]}};
}

// The round trips of one size: per round trip (metric round_trip), and for sizes that fit
// floor-line's line also batched (round_trip_batched), a repetition of each in turn.
void pingpong(ChannelPair& ch, const Settings& s, std::size_t size, const std::string& transport,
              json& results) {
  const Message payload(size, std::byte{0x5a});
  Message echo;
  const MessageSink sink = [&](std::size_t n) {
    echo.resize(n);
    return echo.data();
  };
  auto round_trip = [&] {
    ch.to_worker->send(payload, s.op_deadline());
    const auto n = ch.from_worker->recv_into(sink, s.op_deadline());
    if (!n) throw std::runtime_error("the echo peer ended the stream");
    if (*n != size) throw std::runtime_error("an echo came back with another size");
  };
  const std::size_t iterations = scaled(s.iterations, size, s.bytes_budget, 3);
  for (std::size_t i = 0, n = scaled(s.warmup, size, s.bytes_budget / 4, 3); i < n; ++i) round_trip();
  const bool batched = size <= kLinePayload;
  json repetitions = json::array(), together = json::array();
  for (std::size_t r = 0; r < s.repetitions; ++r) {
    std::vector<std::int64_t> samples(iterations);
    for (auto& sample : samples) {
      const auto t0 = now_ns();
      round_trip();
      sample = now_ns() - t0;
    }
    repetitions.push_back(samples);
    if (batched) together.push_back(batched_samples(iterations, round_trip));
  }
  results.push_back({{"name", result_name("pingpong", size, transport)},
                     {"metric", "round_trip"},
                     {"unit", "ns"},
                     {"timed", kPingpongTimed},
                     {"higher_is_better", false},
                     {"params", {{"size_bytes", size}, {"workers", 1}, {"iterations", iterations},
                                 {"transport", transport}}},
                     {"repetitions", repetitions},
                     {"bytes_per_op", size}});
  if (batched) results.push_back(batched_result(results.back(), together, kBatchedTimed));
}

// Messages per batch of the stream workload, as workloads/stream.py sizes them.
std::size_t stream_batch_size(const Settings& s, std::size_t size) {
  return scaled(s.iterations, size, s.bytes_budget, 4);
}

// One untimed warm-up batch, then `batches` samples of `batch(n)` per repetition. The warm-up's
// length is stream.py's: at least `warmup` messages (at most n), and up to 4n until
// `warmup_bytes` moved.
template <class Batch>
json batched_repetitions(const Settings& s, std::size_t n, std::size_t size, Batch& batch) {
  const std::size_t unit = std::max<std::size_t>(size, 1);
  const std::size_t by_bytes = (s.warmup_bytes + unit - 1) / unit;
  batch(std::max(std::min(n, std::max<std::size_t>(4, s.warmup)), std::min(4 * n, by_bytes)));
  json repetitions = json::array();
  for (std::size_t r = 0; r < s.repetitions; ++r) {
    std::vector<double> samples;
    for (std::size_t b = 0; b < std::max<std::size_t>(s.batches, 1); ++b) samples.push_back(batch(n));
    repetitions.push_back(samples);
  }
  return repetitions;
}

json stream(ChannelPair& ch, const Settings& s, std::size_t size, const std::string& transport) {
  const Message payload(size, std::byte{0xa5});
  Message reply;
  const MessageSink sink = [&](std::size_t n) {
    reply.resize(n);
    return reply.data();
  };
  auto batch = [&](std::size_t n) {
    const auto t0 = now_ns();
    for (std::size_t i = 0; i < n; ++i) ch.to_worker->send(payload, s.op_deadline());
    ch.to_worker->send({}, s.op_deadline());
    const auto got = ch.from_worker->recv_into(sink, s.op_deadline());
    const auto elapsed = now_ns() - t0;
    std::uint64_t count = 0;
    if (!got || *got != sizeof count) throw std::runtime_error("the consumer peer ended the stream");
    std::memcpy(&count, reply.data(), sizeof count);
    if (count != n) throw std::runtime_error("the consumer received another message count");
    return static_cast<double>(elapsed) / static_cast<double>(n);
  };
  const std::size_t n = stream_batch_size(s, size);
  const json repetitions = batched_repetitions(s, n, size, batch);
  return {{"name", result_name("stream", size, transport)},
          {"metric", "one_way"},
          {"unit", "ns"},
          {"timed", kStreamTimed},
          {"higher_is_better", false},
          {"params", {{"size_bytes", size}, {"workers", 1}, {"messages_per_batch", n},
                      {"transport", transport}}},
          {"repetitions", repetitions},
          {"bytes_per_op", size}};
}

// Returns whether the peer ran pinned.
template <class Peer>
bool measure(const std::string& workload, const Settings& s, const std::string& transport,
             json& results) {
  const bool is_stream = workload == "stream";
  Peer peer(s, is_stream ? PeerBody(count_body) : PeerBody(echo_body));
  for (const std::size_t size : s.sizes) {
    try {
      if (is_stream)
        results.push_back(stream(peer.channels(), s, size, transport));
      else
        pingpong(peer.channels(), s, size, transport, results);
    } catch (const std::exception& e) {
      const std::string peer_error = peer.error();
      throw std::runtime_error("floor " + workload + " " + std::to_string(size) + " B over " +
                               transport + ": " + e.what() +
                               (peer_error.empty() ? "" : " (peer: " + peer_error + ")"));
    }
  }
  return peer.pinned();
}

constexpr const char* kMemcpyTimed =
    "one-way, ns per copy: a single-thread memcpy of N bytes between two pre-faulted buffers, "
    "C++ steady_clock around a batch of copies / copies; no channel, no second thread, no Python";

// Keeps the compiler from dropping copies whose destination nobody reads.
void clobber_memory() { asm volatile("" : : : "memory"); }

json memcpy_stream(const Settings& s, std::size_t size) {
  // Pre-faulted (written once) and distinct from each other: what a copy into a fresh buffer of
  // a warm process costs, without page faults.
  std::vector<std::byte> src(std::max<std::size_t>(size, 1), std::byte{0xa5});
  std::vector<std::byte> dst(std::max<std::size_t>(size, 1), std::byte{0});
  auto batch = [&](std::size_t n) {
    const auto t0 = now_ns();
    for (std::size_t i = 0; i < n; ++i) {
      std::memcpy(dst.data(), src.data(), size);
      clobber_memory();
    }
    return static_cast<double>(now_ns() - t0) / static_cast<double>(n);
  };
  const std::size_t n = stream_batch_size(s, size);
  const json repetitions = batched_repetitions(s, n, size, batch);
  return {{"name", "stream/" + std::to_string(size)},  // benchmark name stream/N/one_way/memcpy
          {"metric", "one_way"},
          {"unit", "ns"},
          {"timed", kMemcpyTimed},
          {"higher_is_better", false},
          {"params", {{"size_bytes", size}, {"workers", 1}, {"messages_per_batch", n},
                      {"transport", "memcpy"}}},
          {"repetitions", repetitions},
          {"bytes_per_op", size}};
}

// ---- floor-line: one cache line bounced between two CPUs -------------------------------------
// The physical limit of a small message's round trip (Line, spin_until and line_peer:
// backends/cache_line.h).

constexpr const char* kLineTimed =
    "round trip, C++ steady_clock from before the driver writes the message and its sequence "
    "number into one 64-byte line to after it sees the peer's answer in that line; the peer (a "
    "thread, or a fork()ed process for '/process') spins on the line; no ring, no Python";

constexpr const char* kLineBatchedTimed =
    "round trip, mean of 64 timed together: C++ steady_clock from before the driver writes the "
    "first message into the line to after it sees the 64th answer, / 64 (one clock read pair per "
    "64 round trips); the peer (a thread, or a fork()ed process for '/process') spins on the line; "
    "no ring, no Python";

// The round trips of one size, per round trip (round_trip) and batched (round_trip_batched), a
// repetition of each in turn.
void line_pingpong(Line& line, std::uint64_t& seq, const Settings& s, std::size_t size,
                   const std::string& transport, json& results) {
  std::array<std::byte, kLinePayload> message{};
  message.fill(std::byte{0x5a});
  std::array<std::byte, kLinePayload> echo{};
  const double idle_s = s.timeout_s.value_or(10.0);
  auto round_trip = [&] {
    line.size = static_cast<std::uint32_t>(size);
    std::memcpy(line.payload.data(), message.data(), size);
    line.seq.store(++seq, std::memory_order_release);
    if (!spin_until(line, ++seq, Deadline::from_seconds(idle_s)))
      throw std::runtime_error("the peer did not answer within " + std::to_string(idle_s) + " s");
    std::memcpy(echo.data(), line.payload.data(), size);
  };
  for (std::size_t i = 0; i < s.warmup; ++i) round_trip();
  json repetitions = json::array(), together = json::array();
  for (std::size_t r = 0; r < s.repetitions; ++r) {
    std::vector<std::int64_t> samples(s.iterations);
    for (auto& sample : samples) {
      const auto t0 = now_ns();
      round_trip();
      sample = now_ns() - t0;
    }
    repetitions.push_back(samples);
    together.push_back(batched_samples(s.iterations, round_trip));
  }
  results.push_back({{"name", "pingpong/" + std::to_string(size) + (transport == "thread" ? "" : "/process")},
                     {"metric", "round_trip"},
                     {"unit", "ns"},
                     {"timed", kLineTimed},
                     {"higher_is_better", false},
                     {"params", {{"size_bytes", size}, {"workers", 1}, {"iterations", s.iterations},
                                 {"transport", transport}}},
                     {"repetitions", repetitions},
                     {"bytes_per_op", size}});
  results.push_back(batched_result(results.back(), together, kLineBatchedTimed));
}

// Every size that fits the line, measured against a peer thread; returns whether it was pinned.
bool line_with_thread(const Settings& s, const std::vector<std::size_t>& sizes, json& results) {
  Line line;
  std::promise<bool> placed;
  std::future<bool> pinned = placed.get_future();
  std::atomic<bool> peer_ok{true};
  const double idle_s = s.timeout_s.value_or(10.0);
  std::thread peer([&] {
    placed.set_value(pin_worker_thread(s.pin, 0, 1));
    peer_ok = line_peer(line, idle_s);
  });
  const bool peer_pinned = pinned.get();
  std::uint64_t seq = 0;
  std::string error;
  try {
    for (const std::size_t size : sizes) line_pingpong(line, seq, s, size, "thread", results);
  } catch (const std::exception& e) {
    error = e.what();
  }
  line.seq.store(kLineStop, std::memory_order_release);
  peer.join();
  if (!error.empty()) throw std::runtime_error("floor-line over a thread: " + error);
  return peer_pinned;
}

// The same against a fork()ed peer process, the line in a shared anonymous mapping (nothing in
// /dev/shm to leave behind). Must be called while this process has no other threads.
bool line_with_process(const Settings& s, const std::vector<std::size_t>& sizes, json& results) {
  void* mem = mmap(nullptr, sizeof(Line), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw std::runtime_error(std::string("floor-line: mmap: ") + std::strerror(errno));
  Line* line = new (mem) Line;
  const double idle_s = s.timeout_s.value_or(10.0);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    munmap(mem, sizeof(Line));
    throw std::runtime_error(std::string("floor-line: fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    _exit(line_peer(*line, idle_s) ? 0 : 1);
  }
  const bool peer_pinned = pin_worker_thread(s.pin, 0, 1, pid);
  std::uint64_t seq = 0;
  std::string error;
  try {
    for (const std::size_t size : sizes) line_pingpong(*line, seq, s, size, "process", results);
  } catch (const std::exception& e) {
    error = e.what();
  }
  line->seq.store(kLineStop, std::memory_order_release);
  reap_peer(pid);
  munmap(mem, sizeof(Line));
  if (!error.empty()) throw std::runtime_error("floor-line over a process: " + error);
  return peer_pinned;
}

}  // namespace

json run_floor_line(const std::string& workload, const json& params) {
  json out = empty_child_result("floor-line", "floor", workload, "none");
  if (workload != "pingpong") {
    out["skipped"] = "floor-line has workload pingpong only, not " + workload;
    return out;
  }
  const Settings s = parse_settings(workload, params);
  std::vector<std::size_t> sizes;
  for (const std::size_t size : s.sizes)
    if (size <= kLinePayload) sizes.push_back(size);
  if (sizes.empty()) {
    out["skipped"] = "floor-line measures messages of up to " + std::to_string(kLinePayload) +
                     " B (one cache line with the sequence number); this run has none";
    return out;
  }
  // Spinning sides that share one CPU would measure the scheduler, not the line.
  if (thread_cpus().size() < 2) {
    out["skipped"] = "floor-line needs two CPUs to bounce a line between; this process may use one";
    return out;
  }
  out["notes"].push_back("C++ only: one 64-byte line bounced between the driver and a peer thread "
                         "('pingpong/SIZE') or a fork()ed peer process ('pingpong/SIZE/process'); "
                         "sizes up to " + std::to_string(kLinePayload) + " B");
  AffinityRestore restore;
  PinningRecord pinning(s.pin);
  const bool driver_pinned = pin_driver_thread(s.pin, 1);
  json results = json::array();
  const bool thread_pinned = line_with_thread(s, sizes, results);  // joined before fork()
  const bool process_pinned = line_with_process(s, sizes, results);
  pinning.note(1, driver_pinned && thread_pinned && process_pinned);
  out["results"] = std::move(results);
  out["pinning"] = pinning.to_json();
  return out;
}

json run_memcpy(const std::string& workload, const json& params) {
  json out = empty_child_result("memcpy", "floor", workload, "none");
  if (workload != "stream") {
    out["skipped"] = "the memcpy row has workload stream only, not " + workload;
    return out;
  }
  const Settings s = parse_settings(workload, params);
  out["notes"].push_back("memory bandwidth reference: one thread, memcpy between two pre-faulted "
                         "buffers, no channel");
  AffinityRestore restore;
  // One thread, the driver of no workers: cpus[0] under auto. Keyed 1 like its results' workers.
  PinningRecord pinning(s.pin);
  pinning.note(1, pin_driver_thread(s.pin, 0));
  json results = json::array();
  for (const std::size_t size : s.sizes) results.push_back(memcpy_stream(s, size));
  out["results"] = std::move(results);
  out["pinning"] = pinning.to_json();
  return out;
}

json run_floor(const std::string& workload, const json& params) {
  json out = empty_child_result("floor", "floor", workload, "none");
  if (workload != "pingpong" && workload != "stream") {
    out["skipped"] = "no C++ floor for workload " + workload;
    return out;
  }
  Settings s = parse_settings(workload, params);
  out["notes"].push_back(
      "C++ only: 'inproc' = in-process ring and a peer thread (results '" + workload +
      "/SIZE'), 'shm' = shared-memory ring and a fork()ed peer process ('" + workload +
      "/SIZE/shm')");
  AffinityRestore restore;
  PinningRecord pinning(s.pin);
  const bool driver_pinned = pin_driver_thread(s.pin, 1);
  json results = json::array();
  // The thread peer is joined before fork(): no threads then.
  const bool thread_peer_pinned = measure<ThreadPeer>(workload, s, "inproc", results);
  const bool fork_peer_pinned = measure<ForkPeer>(workload, s, "shm", results);
  const bool pinned = driver_pinned && thread_peer_pinned && fork_peer_pinned;
  pinning.note(1, pinned);
  out["notes"].push_back(pinned ? "driver pinned to CPU " + std::to_string(s.pin.cpus[0]) +
                                      ", its peer to CPU " + std::to_string(s.pin.cpus[1])
                         : s.pin.pins(1) ? "driver and peer not pinned: a CPU was refused"
                                         : "driver and peer not pinned (params.pin)");
  out["results"] = std::move(results);
  out["pinning"] = pinning.to_json();
  return out;
}

}  // namespace interpbench
