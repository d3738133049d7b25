// The cost model's arithmetic (reports/cost_model.h) on synthetic primitives whose answers are
// worked out by hand in the comments.
#include "reports/cost_model.h"

#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "reports/answer.h"

namespace interpbench {
namespace {

using report::Result;
using report::Row;
using report::Run;

Result result(const std::string& name, const std::string& metric, double figure,
              nlohmann::json params = nlohmann::json::object(), double spread = 0.0) {
  Result r;
  r.name = name;
  r.metric = metric;
  r.unit = metric == "task_throughput" ? "items/s" : "ns";
  r.figure = figure;
  r.params = std::move(params);
  // Six rounds around the figure (a 95% interval of a median needs six).
  for (int i = 0; i < 6; ++i) r.by_round.push_back(figure * (1 + spread * (i - 2.5) / 2.5));
  r.rounds = 6;
  return r;
}

// One row's primitives: one-way 1000 ns at 8 B and 1 ns/B above; round trip 2000 ns at 8 B and
// 2 ns/B above; wall(2) = wall1_over * wall(1) for the same work per worker.
Row primitives(const std::string& name, const std::string& gil, double one_way_8, double wall_2) {
  Row row;
  row.row = name;
  row.gil = gil;
  row.results = {result("stream/8", "one_way", one_way_8), result("stream/1008", "one_way", one_way_8 + 1000),
                 result("pingpong/8", "round_trip", 2000), result("pingpong/1008", "round_trip", 4000),
                 result("scaling/1", "wall", 100), result("scaling/2", "wall", wall_2),
                 result("startup/start", "startup", 1e6), result("startup/teardown", "teardown", 5e5),
                 result("objects/records/16/pickle5/encode", "encode", 4000, {{"encoded_bytes", 508}}),
                 result("objects/records/16/pickle5/transfer", "transfer", 1500, {{"encoded_bytes", 508}}),
                 result("objects/records/16/pickle5/decode", "decode", 6000, {{"encoded_bytes", 508}})};
  return row;
}

nlohmann::json cell_params(double compute_us, double payload) {
  return {{"compute_us", compute_us}, {"payload_bytes", payload}, {"workers", 2}, {"depth", 2}};
}

Run synthetic_run() {
  Run run;
  run.num_cpus = 2;
  run.rows = {primitives("subinterp", "own", 1000, 125),  // S(2) = 2 x 100 / 125 = 1.6
              primitives("thread", "shared", 1000, 200)};  // S(2) = 1: one GIL
  return run;
}

TaskShape shape(double compute_ns, double payload) {
  TaskShape t;
  t.compute_ns = compute_ns;
  t.payload_bytes = payload;
  t.workers = 2;
  t.depth = 2;
  return t;
}

PiecewiseLinear line(std::vector<std::pair<double, double>> points) { return PiecewiseLinear(std::move(points)); }

TEST(PiecewiseLinearTest, InterpolatesClampsBelowAndExtrapolatesTheLastSlope) {
  const PiecewiseLinear f = line({{1008, 2000}, {8, 1000}});  // sorted on construction
  EXPECT_DOUBLE_EQ(f(0), 1000);
  EXPECT_DOUBLE_EQ(f(8), 1000);
  EXPECT_DOUBLE_EQ(f(508), 1500);
  EXPECT_DOUBLE_EQ(f(2008), 3000);
  EXPECT_DOUBLE_EQ(line({{8, 5}})(1e6), 5);
  // A falling last segment does not make bigger messages cheaper.
  EXPECT_DOUBLE_EQ(line({{8, 5}, {16, 3}})(100), 3);
}

TEST(CostModelTest, FitsEachRowsPrimitives) {
  const auto models = fit_cost_models(synthetic_run());
  ASSERT_EQ(models.size(), 2u);
  const RowCostModel& m = models[0];
  EXPECT_EQ(m.row, "subinterp");
  EXPECT_TRUE(m.complete());
  EXPECT_FALSE(m.shared_gil);
  EXPECT_TRUE(models[1].shared_gil);
  EXPECT_DOUBLE_EQ(m.one_way_ns(508), 1500);
  EXPECT_DOUBLE_EQ(m.round_trip_ns(508), 3000);
  EXPECT_DOUBLE_EQ(m.speedup_at(1), 1);
  EXPECT_DOUBLE_EQ(m.speedup_at(2), 1.6);
  EXPECT_DOUBLE_EQ(*m.startup_ns, 1e6);
  ASSERT_NE(m.codec("records"), nullptr);
  EXPECT_DOUBLE_EQ(m.codec("records")->encoded_bytes(16), 508);
}

TEST(CostModelTest, OneGilNeverSpeedsUp) {
  report::Run run = synthetic_run();
  run.rows[1].results[5] = result("scaling/2", "wall", 125);  // a thread "1.6x faster": load noise
  EXPECT_DOUBLE_EQ(fit_cost_models(run)[1].speedup_at(2), 1);
}

TEST(CostModelTest, SpeedupPairsTheRoundsOfOneAndNWorkers) {
  // Rounds in the machine's fast mode (100) and slow mode (200); in six of seven rounds two
  // workers take 1.1x one worker's wall, and in the fourth the modes differ: the median of the
  // per-round ratios is S(2) = 2 / 1.1, while the ratio of the medians, 2 x 200 / 110 = 3.6,
  // would be capped at 2.
  report::Run run = synthetic_run();
  Result one = result("scaling/1", "wall", 200), two = result("scaling/2", "wall", 110);
  one.by_round = {100, 100, 100, 200, 200, 200, 200};
  two.by_round = {110, 110, 110, 110, 220, 220, 220};
  run.rows[0].results[4] = one;
  run.rows[0].results[5] = two;
  EXPECT_NEAR(fit_cost_models(run)[0].speedup_at(2), 2 / 1.1, 1e-12);
}

TEST(CostModelTest, SpeedupStopsAtTheRunsCores) {
  RowCostModel m;
  m.speedup = line({{1, 1}, {2, 1.6}});
  m.cores = 4;
  EXPECT_DOUBLE_EQ(m.speedup_at(4), 3.2);  // 4 x the efficiency measured at 2 (0.8)
  EXPECT_DOUBLE_EQ(m.speedup_at(8), 3.2);  // no gain past the cores
}

TEST(CostModelTest, WorkersLimitWhenComputeDominates) {
  const auto models = fit_cost_models(synthetic_run());
  // 10 µs, 1000 B: send = one_way(1008) = 2000, back = one_way(8) = 1000, so the driver and the
  // channel each cost 3000 ns; workers: (10000 + 3000) / 1.6 = 8125 ns a task; latency:
  // (10000 / 0.8 + (4000 + 2000) / 2) / (2 x 2) = 3875 ns.
  const TaskPrediction p = predict(models[0], shape(10'000, 1000));
  EXPECT_DOUBLE_EQ(p.driver_ns, 3000);
  EXPECT_DOUBLE_EQ(p.channel_ns, 3000);
  EXPECT_DOUBLE_EQ(p.latency_ns, 3000);
  EXPECT_DOUBLE_EQ(p.compute_ns, 12'500);
  EXPECT_DOUBLE_EQ(p.efficiency, 0.8);
  EXPECT_DOUBLE_EQ(p.per_task_ns, 8125);
  EXPECT_EQ(p.limit, "workers");
  EXPECT_DOUBLE_EQ(p.throughput, 1e9 / 8125);
}

TEST(CostModelTest, DriverCapsShortTasks) {
  const auto models = fit_cost_models(synthetic_run());
  // 1 µs: workers (1000 + 3000) / 1.6 = 2500 < driver 3000.
  const TaskPrediction p = predict(models[0], shape(1000, 1000));
  EXPECT_DOUBLE_EQ(p.per_task_ns, 3000);
  EXPECT_EQ(p.limit, "driver");
}

TEST(CostModelTest, OneGilAddsDispatchAndCompute) {
  const auto models = fit_cost_models(synthetic_run());
  // thread: 3000 + (10000 + 3000) / 1.
  const TaskPrediction p = predict(models[1], shape(10'000, 1000));
  EXPECT_DOUBLE_EQ(p.per_task_ns, 16'000);
  EXPECT_EQ(p.limit, "one GIL");
}

TEST(CostModelTest, TasksAmortizeStartupAndTeardown) {
  const auto models = fit_cost_models(synthetic_run());
  TaskShape t = shape(10'000, 1000);
  t.tasks = 1000;
  const TaskPrediction p = predict(models[0], t);
  EXPECT_DOUBLE_EQ(p.startup_ns, 2 * 1.5e6);
  ASSERT_TRUE(p.total_ns);
  EXPECT_DOUBLE_EQ(*p.total_ns, 3e6 + 1000 * 8125);
}

TEST(CostModelTest, AnObjectGraphPaysTheCodecOnEachSide) {
  const auto models = fit_cost_models(synthetic_run());
  TaskShape t = shape(10'000, 8);
  t.graph_kind = "records";
  t.graph_elements = 16;
  // 508 encoded bytes: send = one_way(516) = 1508; driver = 1508 + 1000 + encode 4000;
  // channel = 1508 + 1000 + decode 6000.
  const TaskPrediction p = predict(models[0], t);
  EXPECT_DOUBLE_EQ(p.codec_ns, 10'000);
  EXPECT_DOUBLE_EQ(p.driver_ns, 6508);
  EXPECT_DOUBLE_EQ(p.channel_ns, 8508);
}

TEST(CostModelTest, CrossoverWhereBetterScalingOvertakesACheaperChannel) {
  report::Run run = synthetic_run();
  // b: half the channel cost (driver and channel 1500 ns), S(2) = 200 / 150 = 4/3. Per task
  // (workers-limited): a (c + 3000) / 1.6, b (c + 1500) / (4/3): equal at c = 6000 ns; below it
  // b wins, above it a.
  Row b = primitives("subprocess", "process", 500, 150);
  b.results[1] = result("stream/1008", "one_way", 1000);
  run.rows.push_back(b);
  const auto models = fit_cost_models(run);
  const auto x = crossover(models[0], models[2], shape(1000, 1000));
  ASSERT_TRUE(x);
  EXPECT_NEAR(x->compute_ns, 6000, 1);
  EXPECT_FALSE(x->b_wins_above);
  // Same model both sides: never flips.
  EXPECT_FALSE(crossover(models[0], models[0], shape(1000, 1000)));
}

TEST(CostModelTest, CommunicationDecidesBelowTheTenPercentBound) {
  const auto models = fit_cost_models(synthetic_run());
  // subinterp: (c + 3000) / 1.6 <= 1.1 c / 1.6 from c = 30 µs; the grid's next point at or above.
  const auto x = communication_bound_below({&models[0]}, shape(1000, 1000));
  ASSERT_TRUE(x);
  EXPECT_GE(*x, 30'000);
  EXPECT_LT(*x, 30'000 * std::pow(10.0, 1.0 / 24) * 1.0001);
}

TEST(CostModelTest, ValidationReportsErrorsAndWinnerMismatches) {
  report::Run run = synthetic_run();
  // subinterp predicted 1e9 / 8125 = 123077 tasks/s at 10 µs / 1000 B, measured 100000: +23.1%;
  // measured exactly at 1 µs / 1000 B (1e9 / 3000). thread predicted 62500, measured 150000 at
  // 10 µs: it won, the model says subinterp.
  run.rows[0].results.push_back(result("taskfarm/10us/1000B", "task_throughput", 100'000, cell_params(10, 1000), 0.01));
  run.rows[0].results.push_back(result("taskfarm/1us/1000B", "task_throughput", 1e9 / 3000, cell_params(1, 1000), 0.01));
  run.rows[1].results.push_back(result("taskfarm/10us/1000B", "task_throughput", 150'000, cell_params(10, 1000), 0.01));
  run.rows[1].results.push_back(result("taskfarm/1us/1000B", "task_throughput", 1e9 / 6000, cell_params(1, 1000), 0.01));
  const auto models = fit_cost_models(run);
  const Validation v = validate(run, models);
  ASSERT_TRUE(v.measured);
  ASSERT_EQ(v.cells.size(), 4u);
  EXPECT_NEAR(v.cells[0].error, 1e9 / 8125 / 100'000 - 1, 1e-12);
  EXPECT_NEAR(v.cells[1].error, 0, 1e-12);
  ASSERT_EQ(v.rows.size(), 2u);
  EXPECT_NEAR(v.rows[0].median_abs_error, (1e9 / 8125 / 100'000 - 1) / 2, 1e-12);
  EXPECT_NEAR(v.rows[0].max_abs_error, 1e9 / 8125 / 100'000 - 1, 1e-12);
  ASSERT_EQ(v.mismatches.size(), 1u);
  EXPECT_EQ(v.mismatches[0].cell, "taskfarm/10us/1000B");
  EXPECT_EQ(v.mismatches[0].measured, "thread");
  EXPECT_EQ(v.mismatches[0].predicted, "subinterp");
  EXPECT_TRUE(v.mismatches[0].significant);
  EXPECT_FALSE(v.boundaries.empty());

  const nlohmann::json j = cost_model_json(models, v);
  EXPECT_EQ(j["validation"]["rows"][0]["row"], "subinterp");
  EXPECT_EQ(j["validation"]["mismatches"].size(), 1u);
  // The answer names the model's errors and the boundary.
  const Answer a = make_answer(run);
  bool found = false;
  for (const auto& r : a.rows)
    if (r.question == "the crossover, predicted (cost model)") {
      found = true;
      EXPECT_TRUE(r.measured);
      EXPECT_NE(r.note.find("median error"), std::string::npos) << r.note;
      EXPECT_NE(r.sentence.find("communication cost decides only below"), std::string::npos) << r.sentence;
    }
  EXPECT_TRUE(found);
}

TEST(CostModelTest, ACellsComputeIsItsLoopsAtTheScalingCostPerLoop) {
  report::Run run = synthetic_run();
  // scaling/1: 100 ns for 1000 loops = 0.1 ns a loop; a cell of 100000 loops is 10 µs of work
  // whatever its nominal compute_us says: predicted 1e9 / 8125 as at 10 µs.
  run.rows[0].results[4].params = {{"loops", 1000}};
  nlohmann::json params = cell_params(50, 1000);
  params["loops"] = 100'000;
  run.rows[0].results.push_back(result("taskfarm/50us/1000B", "task_throughput", 1e9 / 8125, params));
  const auto models = fit_cost_models(run);
  ASSERT_TRUE(models[0].ns_per_loop);
  EXPECT_DOUBLE_EQ(*models[0].ns_per_loop, 0.1);
  const Validation v = validate(run, models);
  ASSERT_EQ(v.cells.size(), 1u);
  EXPECT_NEAR(v.cells[0].error, 0, 1e-9);
  EXPECT_EQ(v.cells[0].compute_us, 50);  // the cell keeps its name's compute
}

// taskfarm/dispatch/<payload>B cells at N = 2: 6000 ns a task at 8 B, 206000 ns at 1 MiB
// (x = payload + the 8-byte header, as the farm sends it).
Run run_with_dispatch(int cores) {
  Run run = synthetic_run();
  run.num_cpus = cores;
  for (double payload : {8.0, 1048576.0}) {
    Result d = result(fmt::format("taskfarm/dispatch/{}B", payload), "dispatch", payload == 8 ? 6000 : 206000,
                      {{"compute_us", 0}, {"payload_bytes", payload}, {"workers", 2}, {"depth", 2}});
    run.rows[0].results.push_back(d);
    run.rows[1].results.push_back(d);
  }
  return run;
}

TEST(CostModelTest, FitsTheMeasuredDispatchCostPerPayload) {
  const auto models = fit_cost_models(run_with_dispatch(2));
  const RowCostModel& m = models[0];
  EXPECT_EQ(m.dispatch_workers, 2);
  EXPECT_DOUBLE_EQ(m.dispatch_ns(16), 6000);
  EXPECT_DOUBLE_EQ(m.dispatch_ns(1048584), 206000);
  EXPECT_DOUBLE_EQ(m.dispatch_ns((16 + 1048584) / 2.0), 106000);
}

TEST(CostModelTest, WithoutACoreForTheDriverDispatchAndComputeAdd) {
  // 2 workers + the driver on 2 cores: per task = dispatch(1 MiB + 8) + compute / S(2) =
  // 206000 + 100000 / 1.6 = 268500 ns, limited by the cores.
  const auto models = fit_cost_models(run_with_dispatch(2));
  const TaskPrediction p = predict(models[0], shape(100'000, 1048576));
  EXPECT_DOUBLE_EQ(p.dispatch_ns, 206000);
  EXPECT_DOUBLE_EQ(p.per_task_ns, 268500);
  EXPECT_EQ(p.limit, "cores");
  // One GIL: the same sum, compute over S = 1: 6000 + 100000.
  const TaskPrediction t = predict(models[1], shape(100'000, 8));
  EXPECT_DOUBLE_EQ(t.per_task_ns, 106000);
  EXPECT_EQ(t.limit, "one GIL");
  // An object graph adds its encode and decode to the dispatch (encoded 508 B: between the
  // points, 6000 + (508 + 8 - 16) x 200000 / 1048568 = 6095.37..., + 4000 + 6000).
  TaskShape g = shape(100'000, 8);
  g.graph_kind = "records";
  g.graph_elements = 16;
  const TaskPrediction pg = predict(models[0], g);
  EXPECT_NEAR(pg.dispatch_ns, 6000 + 500 * 200000.0 / 1048568 + 10000, 1e-6);
  // The workers decode beside their compute, over S(2): the encode (4000) stays with the
  // driver's dispatch, the decode (6000) joins the compute.
  EXPECT_NEAR(pg.per_task_ns, 6000 + 500 * 200000.0 / 1048568 + 4000 + (100000 + 6000) / 1.6, 1e-6);
}

TEST(CostModelTest, WithACoreForTheDriverTheTightestLimitHolds) {
  // 4 cores, 2 workers: the driver has a core. 8 B, 10 µs: driver = dispatch(16) = 6000;
  // workers = (10000 + one_way(16) + one_way(8)) / 1.6 = (10000 + 1008 + 1000) / 1.6 = 7505.
  const auto models = fit_cost_models(run_with_dispatch(4));
  const TaskPrediction p = predict(models[0], shape(10'000, 8));
  EXPECT_DOUBLE_EQ(p.per_task_ns, 7505);
  EXPECT_EQ(p.limit, "workers");
  // 8 B, 1 µs: workers (1000 + 2008) / 1.6 = 1880; latency (1000 / 0.8 + (2016 + 2000) / 2) / 4
  // = 814.5; the driver's 6000 ns a task caps it.
  const TaskPrediction short_task = predict(models[0], shape(1'000, 8));
  EXPECT_DOUBLE_EQ(short_task.per_task_ns, 6000);
  EXPECT_EQ(short_task.limit, "driver");
}

// taskfarm/wake/8B at N = 2, 20 µs of compute a task: subinterp 22500 ns a task, thread 30000.
Run run_with_wake(int cores, double subinterp_ns = 22500) {
  Run run = run_with_dispatch(cores);
  const nlohmann::json params = {{"compute_us", 20}, {"payload_bytes", 8}, {"workers", 2}, {"depth", 2}};
  run.rows[0].results.push_back(result("taskfarm/wake/8B", "dispatch", subinterp_ns, params));
  run.rows[1].results.push_back(result("taskfarm/wake/8B", "dispatch", 30000, params));
  return run;
}

TEST(CostModelTest, TheWakeCellLessItsDispatchAndComputeIsTheWakeTerm) {
  // subinterp: 22500 - dispatch(16) 6000 - 20000 / S(2) 1.6 = 4000; thread: 30000 - 6000 -
  // 20000 / 1 = 4000. (No scaling loops here: the cell's compute is its compute_us.)
  const auto models = fit_cost_models(run_with_wake(2));
  ASSERT_TRUE(models[0].wake_ns);
  EXPECT_DOUBLE_EQ(*models[0].wake_ns, 4000);
  EXPECT_DOUBLE_EQ(*models[1].wake_ns, 4000);
  // A wake cell faster than its parts is noise: no negative term.
  EXPECT_DOUBLE_EQ(*fit_cost_models(run_with_wake(2, 15000))[0].wake_ns, 0);
  // Without the cell, no term.
  EXPECT_FALSE(fit_cost_models(run_with_dispatch(2))[0].wake_ns);
}

TEST(CostModelTest, WithoutACoreForTheDriverATaskWithComputePaysTheWake) {
  const auto models = fit_cost_models(run_with_wake(2));
  // 206000 + 100000 / 1.6 + 4000 = 272500, limited by the cores.
  const TaskPrediction p = predict(models[0], shape(100'000, 1048576));
  EXPECT_DOUBLE_EQ(p.wake_ns, 4000);
  EXPECT_DOUBLE_EQ(p.per_task_ns, 272500);
  EXPECT_EQ(p.limit, "cores");
  // One GIL: 6000 + 100000 + 4000.
  EXPECT_DOUBLE_EQ(predict(models[1], shape(100'000, 8)).per_task_ns, 110000);
  // No compute: the answers are ready when the driver looks, no wake.
  const TaskPrediction idle = predict(models[0], shape(0, 1048576));
  EXPECT_DOUBLE_EQ(idle.wake_ns, 0);
  EXPECT_DOUBLE_EQ(idle.per_task_ns, 206000);
}

TEST(CostModelTest, WithACoreForTheDriverTheWakeIsNotAdded) {
  // 4 cores: the driver wakes on its own core; the tightest limit holds as without the cell.
  const TaskPrediction p = predict(fit_cost_models(run_with_wake(4))[0], shape(10'000, 8));
  EXPECT_DOUBLE_EQ(p.per_task_ns, 7505);
  EXPECT_DOUBLE_EQ(p.wake_ns, 0);
}

TEST(CostModelTest, NoTaskfarmNoValidation) {
  const report::Run run = synthetic_run();
  EXPECT_FALSE(validate(run, fit_cost_models(run)).measured);
}

}  // namespace
}  // namespace interpbench
