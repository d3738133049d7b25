#pragma once
// Rounds: the order a run executes its children in, and how the rounds of one (row, workload)
// become one result (docs/design.md, "Rounds"). Each workload is measured in R rounds; in each
// round every row runs one block of repetitions in its own child, the rows in an order shuffled
// per round from the run's seed. Rows compared in a report are then always measured seconds
// apart, and a slow spell of the machine lands on every row alike instead of on one row.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/run_model.h"
#include "runners/plan.h"

namespace interpbench {

// One child to start: plan.children[child] in round `round` for side `side` (A/B mode runs two
// builds, side 0 the base and side 1 the candidate; a plain run has one side).
struct ScheduledChild {
  std::size_t child = 0;
  int round = 0;
  int side = 0;
};

// Workload by workload (in plan order); inside a workload round by round; inside a round the
// workload's rows in an order shuffled by (seed, workload index, round), and with two sides
// both sides of a row back to back, in an order drawn from the seed too. A child whose
// `rounds` is smaller than the workload's takes part in its first `rounds` rounds only.
std::vector<ScheduledChild> round_schedule(const Plan& plan, int sides = 1);

// The rounds of one child, in round order, as one ChildRun: each result's repetitions are
// concatenated and its "rounds" field lists the round of each repetition; notes and worker
// errors are merged; the first error wins and says its round ("... (round 3 of 6)"); wall times
// add up. `rounds_planned` is what the plan asked for (an error or a skip ends a row early).
ChildRun merge_rounds(std::vector<ChildRun> rounds, int rounds_planned);

}  // namespace interpbench
