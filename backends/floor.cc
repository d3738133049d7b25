#include "backends/floor.h"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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
    int status = 0;
    const auto deadline = Deadline::after(2s);
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (deadline.expired()) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);  // SIGKILL: returns promptly
        break;
      }
      std::this_thread::sleep_for(1ms);
    }
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
constexpr const char* kStreamTimed =
    "one-way, ns per message: C++ steady_clock from before the first send of a batch to after "
    "the consumer's count of that batch arrived, / messages; no Python";

json pingpong(ChannelPair& ch, const Settings& s, std::size_t size, const std::string& transport) {
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
  json repetitions = json::array();
  for (std::size_t r = 0; r < s.repetitions; ++r) {
    std::vector<std::int64_t> samples(iterations);
    for (auto& sample : samples) {
      const auto t0 = now_ns();
      round_trip();
      sample = now_ns() - t0;
    }
    repetitions.push_back(samples);
  }
  return {{"name", result_name("pingpong", size, transport)},
          {"metric", "round_trip"},
          {"unit", "ns"},
          {"timed", kPingpongTimed},
          {"higher_is_better", false},
          {"params", {{"size_bytes", size}, {"workers", 1}, {"iterations", iterations},
                      {"transport", transport}}},
          {"repetitions", repetitions},
          {"bytes_per_op", size}};
}

// Messages per batch of the stream workload, as workloads/stream.py sizes them.
std::size_t stream_batch_size(const Settings& s, std::size_t size) {
  return scaled(s.iterations, size, s.bytes_budget, 4);
}

// One untimed warm-up batch, then `batches` samples of `batch(n)` per repetition.
template <class Batch>
json batched_repetitions(const Settings& s, std::size_t n, Batch& batch) {
  batch(std::min(n, std::max<std::size_t>(4, s.warmup)));
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
  const json repetitions = batched_repetitions(s, n, batch);
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
      results.push_back(is_stream ? stream(peer.channels(), s, size, transport)
                                  : pingpong(peer.channels(), s, size, transport));
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
  const json repetitions = batched_repetitions(s, n, batch);
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

}  // namespace

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
