#pragma once
// The answer to the question interpbench exists for (when do subinterpreters beat subprocesses
// and threads?), from one run's own figures: one row per question (small and large messages,
// object graphs, startup per start method, teardown, memory, scaling, the crossover, extension
// modules, fault isolation, each application of workloads/apps.py), each with its winner and
// the paired per-round ratio with its 95% interval, then a paragraph whose every number comes from the table. Computed as data here;
// the console, the JSON and the report render it.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/report_model.h"
#include "core/round_statistics.h"
#include "reports/applications.h"

namespace interpbench {

struct AnswerRow {
  std::string topic;     // "communication", "startup", ...: rows of a topic sit together
  std::string question;  // "small messages (8 B round trip)"
  std::string measure;   // "pingpong/8 round trip p50, lower is better"
  // The row that is better with an interval that excludes 1; "" when none is (or no data).
  std::string winner;
  std::string best, runner_up;  // by the point estimate, whether significant or not
  // runner_up / best, as "how many times better best is" (>= 1), paired by round.
  std::optional<RatioEstimate> ratio;
  std::vector<std::pair<std::string, std::string>> figures;  // row -> "9.12 µs"
  std::string sentence;  // one plain sentence
  bool measured = true;  // false: the run has no data for it (the sentence says what is missing)
  // Every row runs the same code here (the codec): a difference is interference or noise, never
  // a win (winner stays "").
  bool same_code = false;
  // What stands in the winner column when the row has no winner to name (the cost model's
  // prediction error: "median error 8–15%, max 41%").
  std::string note;

  // "1.31 [1.22, 1.40]"; "" without a ratio.
  std::string ratio_text() const;
  // "subinterp", "not significantly different", "same code", "not measured".
  std::string winner_text() const;
};

struct Answer {
  std::vector<AnswerRow> rows;
  std::string paragraph;  // "On this machine, with the same shared-memory channel, ..."
  Applications applications;  // workloads/apps.py: application x row, speedup at N = cores
};

Answer make_answer(const report::Run& run);

// {"rows": [...], "paragraph": ..., "lines": answer_lines()} (docs/json-schema.md, "answer").
nlohmann::json answer_json(const Answer& answer);

// The table and the paragraph as console lines (no trailing newlines).
std::vector<std::string> answer_lines(const Answer& answer);

}  // namespace interpbench
