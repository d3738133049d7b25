#pragma once
// The "floor" row: the same workloads written in C++ over the raw channels, with no Python, to
// show what the hardware and the rings allow. Each transport is measured separately:
//   inproc: an InProcessChannel pair and a peer std::thread (what subinterp/thread build on);
//   shm:    an ShmChannelSet in a fresh segment and a fork()ed peer process (what subprocess uses).
// Result names: "<workload>/<size>" for inproc (so they line up with the backends' results) and
// "<workload>/<size>/shm" for shm; params carry "transport" ("inproc" | "shm") and "size_bytes".
#include <string>

#include <nlohmann/json.hpp>

namespace interpbench {

// Runs `workload` ("pingpong" or "stream") with `params` (docs/design.md: sizes, repetitions,
// warmup, iterations, timeout; plus bytes_budget and, for stream, batches, as the Python
// workloads use them) and returns the whole child result object (schema interpbench-child/1,
// row "floor", kind "floor", gil "none"). An unknown workload gives "skipped". Throws
// std::runtime_error when a measurement fails (a peer died, a timeout). The peer thread or
// process never outlives the call.
nlohmann::json run_floor(const std::string& workload, const nlohmann::json& params);

// The "memcpy" row, a reference line for the large sizes: memory bandwidth, with no channel at
// all. For workload "stream" only (others give "skipped"): per size, a single thread copies N
// bytes between two pre-faulted buffers, in batches shaped like the stream floor's (same
// messages per batch, batches and repetitions), one sample per batch in ns per copy. Results
// named like stream's, "stream/<size>" with metric one_way (benchmark name
// "stream/<size>/one_way/memcpy"), stream's unit and bytes_per_op; row "memcpy", kind "floor",
// gil "none".
nlohmann::json run_memcpy(const std::string& workload, const nlohmann::json& params);

// The "floor-line" row, the physical limit of a small message's round trip: one 64-byte cache
// line bounced between the driver and a spinning peer, a thread ("pingpong/<size>") and a
// fork()ed process ("pingpong/<size>/process"), for the sizes up to 52 B (the rest of the line
// holds the sequence number). For workload "pingpong" only; skipped with the reason on one CPU.
// Row "floor-line", kind "floor", gil "none". Throws std::runtime_error on a timeout.
nlohmann::json run_floor_line(const std::string& workload, const nlohmann::json& params);

}  // namespace interpbench
