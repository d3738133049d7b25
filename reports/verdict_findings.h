#pragma once
// The verdict's findings as data, computed from one run's model (reports/verdict.h renders them
// as lines and as the report's "findings"). Every comparison is paired by round
// (reports/paired.h); pointers point into VerdictFindings::entries.
#include <optional>
#include <string>
#include <vector>

#include "core/report_model.h"
#include "core/round_statistics.h"
#include "reports/verdict_failures.h"

namespace interpbench {

// subprocess "matches" subinterp when the whole 95% interval of their paired ratio lies within
// this fraction, and one is "better" when all of it lies beyond.
inline constexpr double kMatchWithin = 0.10;

// One summarized result of one row: its figure (the median over rounds) and its value in each
// round, which every comparison pairs with the other row's.
struct VerdictEntry {
  std::string row, kind, workload, name, metric, unit, bench;
  bool higher_is_better = false;
  double mean = 0;  // the figure (report::Result::figure)
  std::vector<double> by_round;
  std::optional<double> workers;  // params.workers
};

// a compared with b: the median per-round ratio (always >= 1) of the worse over the better,
// with its 95% interval.
struct Comparison {
  RatioEstimate r;
  bool a_better = false;
};

// Two rows on one result: "winner" (a over the runner-up b), or a process row against a
// subinterpreter row: "match", "gap" or "noise" (a the subinterpreter row).
struct PairFinding {
  std::string kind;
  const VerdictEntry* a = nullptr;
  const VerdictEntry* b = nullptr;
  Comparison c;
};

// A process row against a subinterpreter row over every result they share.
struct MatchFindings {
  std::string interp_row, process_row, process_label;
  std::vector<PairFinding> pairs;
};

// Of encode + transfer + decode per message, the channel's (transfer's) share.
struct CodecShare {
  std::string variant;
  const VerdictEntry *encode = nullptr, *transfer = nullptr, *decode = nullptr;
  double share = 0;
};

// Startup or teardown of one result on every row; subprocess over subinterp when both ran.
struct StartupFinding {
  std::vector<const VerdictEntry*> rows;
  std::optional<RatioEstimate> subprocess_over_subinterp;
};

// Memory per worker at the largest worker count each row measured, for one metric.
struct MemoryFinding {
  std::string metric;
  std::vector<const VerdictEntry*> rows;  // one per row, in report order
};

// Weak scaling of one row: N x wall(1) / wall(N) at the largest N <= cores.
struct ScalingFinding {
  std::string row;
  const VerdictEntry *one = nullptr, *at_n = nullptr;
  double workers = 0;
  RatioEstimate efficiency;  // wall(1) / wall(N) per round
  double speedup = 0;
};

// Pointers point into `entries`: move it, never copy it.
struct VerdictFindings {
  std::vector<VerdictEntry> entries;
  std::vector<PairFinding> winners;  // per result measured on two rows or more
  std::vector<MatchFindings> matches;  // subinterp/subprocess, then the stdlib's pair
  std::vector<CodecShare> codec_shares;
  std::vector<StartupFinding> startups;
  std::optional<MemoryFinding> memory;
  std::vector<ScalingFinding> scaling;
  std::vector<FailureFinding> failures;
};

VerdictFindings verdict_findings(const report::Run& run);

// "pingpong/8 round_trip", but "objects/ints/16/pickle5/encode" when the name has the metric.
std::string name_and_metric(const VerdictEntry& e);
// "8" of "pingpong/8": the name without its workload.
std::string variant_of(const VerdictEntry& e);

}  // namespace interpbench
