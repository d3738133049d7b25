#pragma once
// A cost model of each row, fitted from one run's own primitive results (docs/design.md, "The
// cost model"): startup, teardown and memory per worker; round trip and one-way cost per message,
// piecewise-linear in bytes; codec cost per object-graph kind and size; CPU-bound scaling
// efficiency at each N. It predicts the task farm (throughput with N workers and a depth of
// outstanding tasks: the tightest of the driver's dispatch cost, the workers' compute over their
// scaling, the channel's latency), is validated against the run's own taskfarm cells, and answers
// `interpbench advise`. Pure functions of the typed run model; rendering is elsewhere.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/report_model.h"

namespace interpbench {

// y(x) through measured points, linear between them; below the first point its value, above the
// last the last segment's slope (never below the last value): a cost per message in bytes.
class PiecewiseLinear {
 public:
  PiecewiseLinear() = default;
  explicit PiecewiseLinear(std::vector<std::pair<double, double>> points);  // sorted by x here
  double operator()(double x) const;
  bool empty() const { return points_.empty(); }
  const std::vector<std::pair<double, double>>& points() const { return points_; }

 private:
  std::vector<std::pair<double, double>> points_;
};

// The codec of one object-graph kind (pickle5), per element count.
struct CodecFit {
  PiecewiseLinear encode_ns, decode_ns, transfer_ns, encoded_bytes;
};

// One row's fitted primitives. Absent primitives stay empty / nullopt; complete() says whether
// the task farm can be predicted.
struct RowCostModel {
  std::string row;
  bool shared_gil = false;  // the driver and the workers take turns on one GIL (gil == "shared")
  std::optional<double> startup_ns, teardown_ns, memory_uss_kib;  // per worker
  PiecewiseLinear round_trip_ns;  // pingpong: bytes -> one round trip (the size both ways)
  PiecewiseLinear one_way_ns;     // stream: bytes -> one message, pipelined
  PiecewiseLinear speedup;        // scaling: N -> N x wall(1) / wall(N), through (1, 1)
  // taskfarm's dispatch cells: payload bytes -> ns per task with no compute, the driver's loop,
  // both channel directions and the workers' loop, measured with dispatch_workers workers on
  // this machine's cores. Empty in runs without them: predict() then sums the pieces.
  PiecewiseLinear dispatch_ns;
  int dispatch_workers = 0;
  // taskfarm's wake cell (20 µs of compute a task, dispatch_workers workers) less its dispatch and
  // its compute over the speedup: what a task costs when the driver sleeps between answers and
  // each one wakes it, on cores the workers compute on. Nullopt in runs without the cell.
  std::optional<double> wake_ns;
  // scaling/1: wall / loops, what one iteration of the kernel the scaling and taskfarm workloads
  // share cost on one worker in this run (a taskfarm cell's compute is its loops at this cost).
  std::optional<double> ns_per_loop;
  std::vector<std::pair<std::string, CodecFit>> codecs;  // graph kind -> pickle5 codec
  int cores = 0;                  // the run's num_cpus: speedup stops growing there

  bool complete() const { return !round_trip_ns.empty() && !one_way_ns.empty() && !speedup.empty(); }
  // S(N): N x efficiency at N, interpolated; flat beyond max(cores, largest measured N).
  double speedup_at(int workers) const;
  const CodecFit* codec(const std::string& kind) const;
};

// What a task farm task is: compute per task, payload per task each way to the worker (the
// result is 8 bytes back), optionally an object graph passed with pickle5 instead of bytes.
struct TaskShape {
  double compute_ns = 0;
  double payload_bytes = 8;
  std::string graph_kind;  // "" : bytes only
  double graph_elements = 0;
  int workers = 1;
  int depth = 2;                 // outstanding tasks per worker (the taskfarm workload's default)
  std::optional<double> tasks;   // the whole job: startup and teardown amortized over it
};

// One row's prediction for a TaskShape, per task, in ns.
struct TaskPrediction {
  std::string row;
  double dispatch_ns = 0; // the measured dispatch cost per task at this payload (0: not measured)
  double wake_ns = 0;     // the measured wake term, where it applies (limit "cores" or "one GIL")
  double driver_ns = 0;   // dispatch: send the task, receive the result (+ encode)
  double channel_ns = 0;  // on a worker: receive the task, send the result (+ decode)
  double latency_ns = 0;  // one task's round trip through the channel
  double codec_ns = 0;    // encode + decode (part of driver_ns and channel_ns)
  double compute_ns = 0;  // compute / efficiency at N (what a worker's compute costs in wall time)
  double efficiency = 1;  // S(N) / N
  double per_task_ns = 0; // wall time per task in steady state
  // "driver" | "workers" | "latency": the tightest, the driver on a core of its own; "cores": the
  // driver shares the cores with the workers (N + 1 > cores), dispatch, compute and (a task with
  // compute) the wake term add; "one GIL": the same, on one GIL.
  std::string limit;
  double throughput = 0;  // tasks/s
  double startup_ns = 0;  // N workers started and torn down (0 without the primitive)
  std::optional<double> total_ns;  // with tasks: startup + tasks x per_task
};

TaskPrediction predict(const RowCostModel& m, const TaskShape& task);

// Every row's model (rows of the run with a row label), in report order.
std::vector<RowCostModel> fit_cost_models(const report::Run& run);
const RowCostModel* find_model(const std::vector<RowCostModel>& models, const std::string& row);

// Where `b` overtakes `a` as compute per task grows (the payload fixed): the compute in ns at
// which the order of their predicted throughput flips, scanning 1 µs .. 10 s on a log grid;
// nullopt when it never flips there. `b_wins_above` says which side b wins on.
struct Crossover {
  std::string a, b;
  double compute_ns = 0;
  bool b_wins_above = true;
};
std::optional<Crossover> crossover(const RowCostModel& a, const RowCostModel& b, TaskShape task);

// Above this compute per task every one of `rows` is within 10% of its compute bound: below it,
// communication decides (nullopt: not within 1 µs .. 10 s).
std::optional<double> communication_bound_below(const std::vector<const RowCostModel*>& rows,
                                                TaskShape task);

// The model checked against the run's taskfarm cells.
struct CellCheck {
  std::string row, cell;  // cell: "taskfarm/100us/65536B"
  double compute_us = 0, payload_bytes = 0;
  int workers = 0;
  double measured = 0, predicted = 0;  // tasks/s
  double error = 0;                    // predicted / measured - 1
  bool noisy = false;                  // its rounds vary by more than 10% (rounds_cv)
  std::string limit;
};
struct CellWinner {
  std::string cell;
  double compute_us = 0, payload_bytes = 0;
  std::string measured, predicted;  // among subinterp, subprocess, thread
  bool significant = false;         // the measured winner's paired ratio excludes 1
};
struct RowError {
  std::string row;
  std::size_t cells = 0;
  double median_abs_error = 0, max_abs_error = 0;
  double max_abs_error_quiet = 0;  // over cells not flagged noisy
};
struct Validation {
  std::vector<CellCheck> cells;
  std::vector<RowError> rows;
  std::vector<CellWinner> winners;
  std::vector<CellWinner> mismatches;  // predicted winner != measured winner
  // "communication cost decides only below ~X of compute per task for payloads of Y", one per
  // payload of the grid, and who overtakes whom.
  std::vector<std::string> boundaries;
  bool measured = false;  // the run has taskfarm cells and complete models
};
Validation validate(const report::Run& run, const std::vector<RowCostModel>& models);

// The model and its validation as JSON (docs/json-schema.md, "cost_model").
nlohmann::json cost_model_json(const std::vector<RowCostModel>& models, const Validation& v);
nlohmann::json prediction_json(const TaskPrediction& p);

// "2.5 ms", "120 µs": compute per task for sentences.
std::string format_compute(double ns);

}  // namespace interpbench
