#pragma once
// The verdict: what this run's figures say, built from them only (no canned numbers). Per
// workload and variant, which row wins and by how much; then the answer to "why not
// subprocesses?": where subprocess (shared memory) matches subinterp and where it doesn't, how
// much of the object-passing cost is the codec rather than the channel, and what subprocesses
// cost in startup, memory and scaling. Every finding carries the numbers and result names it
// uses, so a reader (or a test) can check them against the results.
#include <nlohmann/json.hpp>

namespace interpbench {

// subprocess "matches" subinterp when the whole 95% interval of their paired ratio lies within
// this fraction, and one is "better" when all of it lies beyond.
inline constexpr double kMatchWithin = 0.10;

// `interpbench` is the report's "interpbench" section (rows with summarized results, and the
// environment). Returns {"findings": [...], "lines": ["...", ...]} (docs/json-schema.md).
nlohmann::json make_verdict(const nlohmann::json& interpbench);

}  // namespace interpbench
