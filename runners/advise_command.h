#pragma once
// `interpbench advise --compute 200us --payload 64KiB [--object-graph records:4096]
// [--tasks 100000] [--workers 8] [--depth 2] [--from RUN.json] [--format table|json]`: which row
// to use for a task farm of this shape, predicted by the cost model (reports/cost_model.h)
// fitted from a run's own primitives: by default the newest run JSON in ./results/, or a run
// made on another machine (its cores and scaling curve, not this machine's).
#include <optional>
#include <ostream>
#include <string>

namespace interpbench {

struct AdviseOptions {
  std::string compute;       // "200us", "2.5ms", "1s", "500ns"
  std::string payload = "8";  // "64KiB": bytes to the worker per task
  std::string object_graph;  // "records:4096": a pickle5 object graph of the objects workload
  std::optional<std::string> tasks, workers, depth;
  std::string from;  // "": the newest results/*.json
  // --measure [SUITE]: run the primitives now (the suite's pingpong, stream, scaling, startup,
  // memory, and objects with --object-graph) and answer from that run, written to results/.
  std::optional<std::string> measure;
  std::string format = "table";
};

// Compute per task in ns from "200us", "200 µs", "2.5ms", "1s", "500ns". Throws BadInput naming
// the value when it has no unit, is not a positive finite number, or is above an hour.
double parse_duration_ns(const std::string& text);

// The newest *.json in `dir` (by modification time); BadInput when there is none.
std::string newest_run_json(const std::string& dir);

// `--measure`: runs the model's primitives with `suite` on the rows it can model and writes the
// run to results/advise-<UTC time>.json (the run's table goes to stderr). `exit_code` is the run's
// (0, or 1 when a row failed: the advice then ranks the rows that ran; 130/143 interrupted).
struct MeasuredRun {
  int exit_code = 0;
  std::string path;
};
MeasuredRun measure_primitives(const std::string& suite, bool object_graph, bool quiet);

// The options' values (all but the run), checked as advise_command checks them: BadInput.
void check_advise_options(const AdviseOptions& options);

// Prints the ranking to `out`; bad options, a missing or invalid run, a run without the
// primitives the model needs: BadInput (exit 2).
int advise_command(const AdviseOptions& options, std::ostream& out);

}  // namespace interpbench
