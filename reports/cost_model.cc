#include "reports/cost_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "core/human_units.h"
#include "core/round_statistics.h"
#include "core/row_catalogue.h"

namespace interpbench {
namespace {

using json = nlohmann::json;
using report::Result;
using report::Row;
using report::Run;

// The rows the winner of a cell is chosen among (as the answer's crossover row).
const std::vector<std::string> kModels = {"subinterp", "subprocess", "thread"};
constexpr double kResultBytes = 8;   // the task farm's answer: one uint64
constexpr double kHeaderBytes = 8;   // the task's loop count, before the payload
constexpr double kNoisyCv = 0.10;    // the console's "unstable" threshold
constexpr double kGridLowNs = 1e3, kGridHighNs = 1e10;
constexpr int kGridPerDecade = 24;

// "pingpong/65536" -> 65536 for prefix "pingpong/"; nullopt for "pingpong/65536/shm".
std::optional<double> number_after(const std::string& name, const std::string& prefix) {
  if (name.rfind(prefix, 0) != 0) return std::nullopt;
  const std::string rest = name.substr(prefix.size());
  if (rest.empty() || rest.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  return std::stod(rest);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

bool usable(const Result& r) { return !r.is_status() && std::isfinite(r.figure) && r.figure > 0; }

double param(const Result& r, const char* key, double fallback) {
  const auto it = r.params.find(key);
  return it != r.params.end() && it->is_number() ? it->get<double>() : fallback;
}

// The compute grid crossovers and bounds are searched on: 1 µs .. 10 s, log-spaced.
std::vector<double> compute_grid() {
  std::vector<double> grid;
  const int steps = static_cast<int>(std::lround(std::log10(kGridHighNs / kGridLowNs) * kGridPerDecade));
  for (int i = 0; i <= steps; ++i) grid.push_back(kGridLowNs * std::pow(10.0, double(i) / kGridPerDecade));
  return grid;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

json points_json(const PiecewiseLinear& f) {
  json out = json::array();
  for (const auto& [x, y] : f.points()) out.push_back({x, y});
  return out;
}

json optional_json(const std::optional<double>& x) { return x ? json(*x) : json(nullptr); }

}  // namespace

PiecewiseLinear::PiecewiseLinear(std::vector<std::pair<double, double>> points) : points_(std::move(points)) {
  std::sort(points_.begin(), points_.end());
  points_.erase(std::unique(points_.begin(), points_.end(),
                            [](const auto& a, const auto& b) { return a.first == b.first; }),
                points_.end());
}

double PiecewiseLinear::operator()(double x) const {
  if (points_.empty()) return 0;
  if (x <= points_.front().first) return points_.front().second;
  for (std::size_t i = 1; i < points_.size(); ++i) {
    const auto& [x0, y0] = points_[i - 1];
    const auto& [x1, y1] = points_[i];
    if (x <= x1) return y0 + (y1 - y0) * (x - x0) / (x1 - x0);
  }
  if (points_.size() < 2) return points_.back().second;
  // Beyond the last point: the last segment's slope, never falling (a bigger message costs more).
  const auto& [x0, y0] = points_[points_.size() - 2];
  const auto& [x1, y1] = points_.back();
  return y1 + std::max(0.0, (y1 - y0) / (x1 - x0)) * (x - x1);
}

double RowCostModel::speedup_at(int workers) const {
  if (speedup.empty() || workers < 1) return 1;
  const auto& last = speedup.points().back();
  if (workers <= last.first) return std::max(1e-9, speedup(workers));
  // Beyond the largest N measured: that N's efficiency, up to the cores; no gain past them.
  const double cap = std::max<double>(cores, last.first);
  return std::min<double>(workers, cap) * last.second / last.first;
}

const CodecFit* RowCostModel::codec(const std::string& kind) const {
  for (const auto& [k, c] : codecs)
    if (k == kind) return &c;
  return nullptr;
}

TaskPrediction predict(const RowCostModel& m, const TaskShape& task) {
  TaskPrediction p;
  p.row = m.row;
  const int n = std::max(1, task.workers);
  const double s = m.speedup_at(n);
  p.efficiency = s / n;
  double bytes = task.payload_bytes;
  double encode = 0, decode = 0;
  if (!task.graph_kind.empty()) {
    if (const CodecFit* c = m.codec(task.graph_kind)) {
      bytes = c->encoded_bytes(task.graph_elements);
      encode = c->encode_ns(task.graph_elements);
      decode = c->decode_ns(task.graph_elements);
    }
  }
  const double send = m.one_way_ns(bytes + kHeaderBytes), back = m.one_way_ns(kResultBytes);
  p.codec_ns = encode + decode;
  p.driver_ns = send + back + encode;
  p.channel_ns = send + back + decode;
  p.latency_ns = (m.round_trip_ns(bytes + kHeaderBytes) + m.round_trip_ns(kResultBytes)) / 2 + encode + decode;
  p.compute_ns = task.compute_ns / p.efficiency;
  if (!m.dispatch_ns.empty()) {
    // Measured: what a task costs with no compute (the driver's loop and both directions through
    // the channel, as the farm runs them), plus the encode and decode the measurement lacked.
    const double measured = m.dispatch_ns(bytes + kHeaderBytes);
    p.dispatch_ns = measured + encode + decode;
    p.driver_ns = std::max(p.driver_ns, measured + encode);
  }
  if (p.dispatch_ns > 0 && (m.shared_gil || n + 1 > std::max(1, m.cores))) {
    // The driver has no core of its own (or one GIL serializes everything): the CPU a task's
    // dispatch takes is CPU the workers' compute does not get, so the two add. At no compute the
    // machine is busy with dispatch alone, so its share of the cores is the measured dispatch.
    // A task with compute: the driver sleeps between answers, and each one wakes it (the wake
    // term; none in a task with no compute, where the answers are ready when it looks).
    if (task.compute_ns > 0 && m.wake_ns) p.wake_ns = *m.wake_ns;
    // The graph's decode runs on the workers, beside their compute, over the scaling as it is;
    // the dispatch and the driver's encode do not.
    p.per_task_ns = (p.dispatch_ns - decode) + (task.compute_ns + decode) / s + p.wake_ns;
    p.limit = m.shared_gil ? "one GIL" : "cores";
  } else if (m.shared_gil) {
    // One GIL: the driver's dispatch and the workers' compute take turns; the scaling curve says
    // how much of the compute still overlaps (none, for a plain thread).
    p.per_task_ns = p.driver_ns + (task.compute_ns + p.channel_ns) / s;
    p.limit = "one GIL";
  } else {
    // The driver on a core of its own: the tightest of its dispatch, the workers, the latency.
    const double driver = p.dispatch_ns > 0 ? p.dispatch_ns : p.driver_ns;
    const double workers = (task.compute_ns + p.channel_ns) / s;
    const double latency = (p.compute_ns + p.latency_ns) / (double(n) * std::max(1, task.depth));
    p.per_task_ns = std::max({driver, workers, latency});
    p.limit = p.per_task_ns == driver ? "driver" : p.per_task_ns == workers ? "workers" : "latency";
  }
  p.throughput = 1e9 / p.per_task_ns;
  if (m.startup_ns && m.teardown_ns) p.startup_ns = n * (*m.startup_ns + *m.teardown_ns);
  if (task.tasks) p.total_ns = p.startup_ns + *task.tasks * p.per_task_ns;
  return p;
}

std::vector<RowCostModel> fit_cost_models(const Run& run) {
  std::vector<std::string> order;
  std::map<std::string, RowCostModel> models;
  struct Points {
    std::vector<std::pair<double, double>> rt, ow, wall;
    std::map<int, std::vector<double>> wall_rounds;  // scaling/N: the wall in each round
    std::map<int, std::vector<std::pair<double, double>>> dispatch;  // workers -> (bytes, ns)
    struct Wake {
      double bytes, ns, loops, compute_us;
    };
    std::map<int, Wake> wake;  // workers -> taskfarm's wake cell
    std::map<std::string, std::map<std::string, std::vector<std::pair<double, double>>>> codec;
  };
  std::map<std::string, Points> points;
  for (const Row& r : run.rows) {
    if (r.row.empty()) continue;
    if (!models.count(r.row)) {
      order.push_back(r.row);
      models[r.row].row = r.row;
      models[r.row].cores = run.num_cpus;
    }
    RowCostModel& m = models[r.row];
    if (r.gil == "shared") m.shared_gil = true;
    Points& pts = points[r.row];
    for (const Result& res : r.results) {
      if (!usable(res)) continue;
      if (res.metric == "round_trip") {
        if (auto b = number_after(res.name, "pingpong/")) pts.rt.emplace_back(*b, res.figure);
      } else if (res.metric == "dispatch" && res.name.rfind("taskfarm/wake/", 0) == 0) {
        pts.wake[static_cast<int>(param(res, "workers", std::max(1, run.num_cpus)))] = {
            param(res, "payload_bytes", res.bytes_per_op) + kHeaderBytes, res.figure,
            param(res, "loops", 0), param(res, "compute_us", 0)};
      } else if (res.metric == "dispatch" && res.name.rfind("taskfarm/dispatch/", 0) == 0) {
        pts.dispatch[static_cast<int>(param(res, "workers", std::max(1, run.num_cpus)))].emplace_back(
            param(res, "payload_bytes", res.bytes_per_op) + kHeaderBytes, res.figure);
      } else if (res.metric == "one_way") {
        if (auto b = number_after(res.name, "stream/")) pts.ow.emplace_back(*b, res.figure);
      } else if (res.metric == "wall") {
        if (auto n = number_after(res.name, "scaling/")) {
          pts.wall.emplace_back(*n, res.figure);
          pts.wall_rounds[static_cast<int>(*n)] = res.by_round;
          if (*n == 1 && param(res, "loops", 0) > 0) m.ns_per_loop = res.figure / param(res, "loops", 0);
        }
      } else if (res.metric == "startup" && res.name == "startup/start") {
        m.startup_ns = res.figure;
      } else if (res.metric == "teardown" && res.name == "startup/teardown") {
        m.teardown_ns = res.figure;
      } else if (res.metric == "memory_uss" && res.name == "memory/1/uss") {
        m.memory_uss_kib = res.figure;
      } else if (res.name.rfind("objects/", 0) == 0) {
        // objects/<kind>/<elements>/pickle5/<encode|transfer|decode>
        const auto parts = split(res.name, '/');
        if (parts.size() != 5 || parts[3] != "pickle5") continue;
        const auto elements = number_after(parts[2], "");
        if (!elements) continue;
        auto& kind = pts.codec[parts[1]];
        kind[parts[4]].emplace_back(*elements, res.figure);
        if (parts[4] == "transfer")
          kind["bytes"].emplace_back(*elements, param(res, "encoded_bytes", res.bytes_per_op));
      }
    }
  }
  std::vector<RowCostModel> out;
  for (const auto& name : order) {
    RowCostModel m = std::move(models[name]);
    Points& pts = points[name];
    m.round_trip_ns = PiecewiseLinear(pts.rt);
    m.one_way_ns = PiecewiseLinear(pts.ow);
    if (!pts.dispatch.empty()) {
      // The worker count nearest the cores (what a task farm runs by default).
      const auto nearest = std::min_element(pts.dispatch.begin(), pts.dispatch.end(), [&](const auto& a, const auto& b) {
        return std::abs(a.first - run.num_cpus) < std::abs(b.first - run.num_cpus);
      });
      m.dispatch_workers = nearest->first;
      m.dispatch_ns = PiecewiseLinear(nearest->second);
    }
    const auto one = std::find_if(pts.wall.begin(), pts.wall.end(), [](const auto& p) { return p.first == 1; });
    if (one != pts.wall.end() && pts.wall.size() >= 2) {
      std::vector<std::pair<double, double>> s;
      // Efficiency above 1 is noise between rounds (N workers cannot beat N x one), capped; so is
      // a speedup above 1 on one GIL (the host's load moving between N = 1 and N).
      // S(N) is the median of per-round N x wall(1) / wall(N), paired by round as the answer's
      // scaling row pairs them (a ratio of the two medians mixes rounds of the machine's fast and
      // slow modes); the ratio of medians where the rounds do not pair.
      const auto& one_rounds = pts.wall_rounds[1];
      for (const auto& [n, wall] : pts.wall) {
        const auto& n_rounds = pts.wall_rounds[static_cast<int>(n)];
        std::vector<double> paired;
        if (one_rounds.size() == n_rounds.size())
          for (std::size_t i = 0; i < n_rounds.size(); ++i)
            if (std::isfinite(one_rounds[i]) && std::isfinite(n_rounds[i]) && n_rounds[i] > 0)
              paired.push_back(n * one_rounds[i] / n_rounds[i]);
        const double speedup = paired.empty() ? n * one->second / wall : median_of(paired);
        s.emplace_back(n, std::min(m.shared_gil ? 1.0 : n, speedup));
      }
      m.speedup = PiecewiseLinear(s);
    }
    if (const auto w = pts.wake.find(m.dispatch_workers);
        w != pts.wake.end() && !m.dispatch_ns.empty() && !m.speedup.empty()) {
      // The wake cell less its dispatch and its compute (its loops at this run's cost per loop,
      // over the speedup at its worker count): never below zero.
      const Points::Wake& c = w->second;
      const double compute = c.loops > 0 && m.ns_per_loop ? c.loops * *m.ns_per_loop : c.compute_us * 1e3;
      m.wake_ns = std::max(0.0, c.ns - m.dispatch_ns(c.bytes) - compute / m.speedup_at(w->first));
    }
    for (auto& [kind, series] : pts.codec) {
      if (!series.count("encode") || !series.count("decode") || !series.count("bytes")) continue;
      m.codecs.emplace_back(kind, CodecFit{PiecewiseLinear(series["encode"]), PiecewiseLinear(series["decode"]),
                                           PiecewiseLinear(series["transfer"]), PiecewiseLinear(series["bytes"])});
    }
    out.push_back(std::move(m));
  }
  return out;
}

const RowCostModel* find_model(const std::vector<RowCostModel>& models, const std::string& row) {
  for (const auto& m : models)
    if (m.row == row) return &m;
  return nullptr;
}

std::optional<Crossover> crossover(const RowCostModel& a, const RowCostModel& b, TaskShape task) {
  // d(c) = log(merit b / merit a) as a ratio of rates or of times; a flip between two grid
  // points where each is ahead by more than 0.5% is then bisected.
  auto d = [&](double c) {
    task.compute_ns = c;
    const TaskPrediction pa = predict(a, task), pb = predict(b, task);
    return pa.total_ns ? std::log(*pa.total_ns / *pb.total_ns) : std::log(pb.throughput / pa.throughput);
  };
  constexpr double kTie = 0.005;
  std::optional<std::pair<double, double>> last;  // (c, d) where one was clearly ahead
  for (double c : compute_grid()) {
    const double dc = d(c);
    if (std::abs(dc) <= kTie) continue;
    if (last && (last->second > 0) != (dc > 0)) {
      double lo = last->first, hi = c;
      const bool lo_positive = last->second > 0;
      for (int i = 0; i < 40; ++i) {
        const double mid = std::sqrt(lo * hi);
        ((d(mid) > 0) == lo_positive ? lo : hi) = mid;
      }
      return Crossover{a.row, b.row, std::sqrt(lo * hi), dc > 0};
    }
    last = {c, dc};
  }
  return std::nullopt;
}

std::optional<double> communication_bound_below(const std::vector<const RowCostModel*>& rows, TaskShape task) {
  if (rows.empty()) return std::nullopt;
  auto within = [&](double c) {
    task.compute_ns = c;
    for (const RowCostModel* m : rows) {
      const TaskPrediction p = predict(*m, task);
      const double s = m->speedup_at(std::max(1, task.workers));
      if (p.per_task_ns > 1.10 * c / s) return false;
    }
    return true;
  };
  const std::vector<double> grid = compute_grid();
  // The smallest compute from which every larger one is within 10%.
  std::optional<double> from;
  for (auto it = grid.rbegin(); it != grid.rend(); ++it) {
    if (!within(*it)) break;
    from = *it;
  }
  if (!from || *from == grid.front()) return std::nullopt;
  return from;
}

Validation validate(const Run& run, const std::vector<RowCostModel>& models) {
  Validation v;
  std::map<std::string, std::vector<double>> abs_errors, quiet_errors;
  // cell -> row -> (measured result, prediction)
  std::map<std::string, std::map<std::string, std::pair<const Result*, double>>> by_cell;
  std::map<std::string, TaskShape> shape_of;
  for (const Row& r : run.rows) {
    const RowCostModel* m = find_model(models, r.row);
    // The task farm's cells only: the applications (workloads/apps.py) count tasks/s too, but
    // their tasks are not compute_us of the kernel plus a payload.
    if (!m || !m->complete()) continue;
    for (const Result& res : r.results) {
      if (res.metric != "task_throughput" || res.name.rfind("taskfarm/", 0) != 0 || !usable(res)) continue;
      TaskShape t;
      t.compute_ns = param(res, "compute_us", 0) * 1e3;
      // The cell's work as this run measured it: its loop count at the scaling workload's cost
      // per loop (the same kernel), not the nominal compute_us the calibration aimed at once, under
      // whatever load there was then.
      if (const double loops = param(res, "loops", 0); loops > 0 && m->ns_per_loop)
        t.compute_ns = loops * *m->ns_per_loop;
      t.payload_bytes = param(res, "payload_bytes", res.bytes_per_op);
      t.workers = static_cast<int>(param(res, "workers", std::max(1, run.num_cpus)));
      t.depth = static_cast<int>(param(res, "depth", 2));
      const TaskPrediction p = predict(*m, t);
      // A cell times a fixed number of tasks from the first sent to the last answered: the
      // steady state plus one channel latency that nothing overlaps (the pipeline's fill).
      const double tasks = param(res, "tasks", 0);
      const double predicted = tasks > 0 ? tasks * 1e9 / (tasks * p.per_task_ns + p.latency_ns) : p.throughput;
      CellCheck c{r.row, res.name, param(res, "compute_us", t.compute_ns / 1e3), t.payload_bytes, t.workers, res.figure, predicted,
                  predicted / res.figure - 1, false, p.limit};
      const double cv = res.rounds > 1 ? res.rounds_cv
                                       : (res.summary.mean > 0 ? res.summary.stddev / res.summary.mean : 0);
      c.noisy = cv > kNoisyCv;
      abs_errors[r.row].push_back(std::abs(c.error));
      if (!c.noisy) quiet_errors[r.row].push_back(std::abs(c.error));
      by_cell[res.name][r.row] = {&res, predicted};
      shape_of[res.name] = t;
      v.cells.push_back(std::move(c));
    }
  }
  v.measured = !v.cells.empty();
  for (const auto& m : models) {
    const auto it = abs_errors.find(m.row);
    if (it == abs_errors.end()) continue;
    const auto& quiet = quiet_errors[m.row];
    v.rows.push_back({m.row, it->second.size(), median_of(it->second),
                      *std::max_element(it->second.begin(), it->second.end()),
                      quiet.empty() ? 0 : *std::max_element(quiet.begin(), quiet.end())});
  }
  // Winners per cell among our three models.
  std::set<double> payloads;
  for (const auto& [cell, rows] : by_cell) {
    std::vector<std::pair<std::string, std::pair<const Result*, double>>> c;
    for (const auto& row : kModels)
      if (rows.count(row)) c.emplace_back(row, rows.at(row));
    if (c.size() < 2) continue;
    const TaskShape& t = shape_of[cell];
    payloads.insert(t.payload_bytes);
    CellWinner w{cell, rows.begin()->second.first->params.value("compute_us", t.compute_ns / 1e3), t.payload_bytes,
                 "", "", false};
    auto measured = c, predicted = c;
    std::sort(measured.begin(), measured.end(),
              [](const auto& x, const auto& y) { return x.second.first->figure > y.second.first->figure; });
    std::sort(predicted.begin(), predicted.end(),
              [](const auto& x, const auto& y) { return x.second.second > y.second.second; });
    w.measured = measured[0].first;
    w.predicted = predicted[0].first;
    const RatioEstimate ratio = paired_ratio(measured[0].second.first->by_round, measured[1].second.first->by_round);
    w.significant = ratio.significant && ratio.ratio > 1;
    if (w.measured != w.predicted) v.mismatches.push_back(w);
    v.winners.push_back(std::move(w));
  }
  std::sort(v.winners.begin(), v.winners.end(), [](const CellWinner& a, const CellWinner& b) {
    return std::tie(a.compute_us, a.payload_bytes) < std::tie(b.compute_us, b.payload_bytes);
  });
  // The boundaries, per payload of the grid, over our three models.
  std::vector<const RowCostModel*> three;
  for (const auto& row : kModels)
    if (const RowCostModel* m = find_model(models, row); m && m->complete()) three.push_back(m);
  if (!shape_of.empty() && three.size() >= 2) {
    TaskShape t = shape_of.begin()->second;
    for (double payload : payloads) {
      t.payload_bytes = payload;
      const std::string size = format_value(payload, "B");
      if (auto x = communication_bound_below(three, t))
        v.boundaries.push_back(fmt::format("communication cost decides only below ~{} of compute per task "
                                           "for payloads of {}", format_compute(*x), size));
      for (std::size_t i = 0; i < three.size(); ++i)
        for (std::size_t j = i + 1; j < three.size(); ++j)
          if (auto x = crossover(*three[i], *three[j], t)) {
            const std::string& winner = x->b_wins_above ? x->b : x->a;
            const std::string& loser = x->b_wins_above ? x->a : x->b;
            v.boundaries.push_back(fmt::format("{} overtakes {} above ~{} of compute per task at {}", winner,
                                               loser, format_compute(x->compute_ns), size));
          }
    }
  }
  return v;
}

std::string format_compute(double ns) { return format_value(ns, "ns"); }

json prediction_json(const TaskPrediction& p) {
  return {{"row", p.row},
          {"throughput", p.throughput},
          {"per_task_ns", p.per_task_ns},
          {"limit", p.limit},
          {"driver_ns", p.driver_ns},
          {"dispatch_ns", p.dispatch_ns},
          {"wake_ns", p.wake_ns},
          {"channel_ns", p.channel_ns},
          {"latency_ns", p.latency_ns},
          {"codec_ns", p.codec_ns},
          {"compute_ns", p.compute_ns},
          {"efficiency", p.efficiency},
          {"startup_ns", p.startup_ns},
          {"total_ns", optional_json(p.total_ns)}};
}

json cost_model_json(const std::vector<RowCostModel>& models, const Validation& v) {
  json rows = json::array();
  for (const auto& m : models) {
    if (!m.complete()) continue;
    json codecs = json::object();
    for (const auto& [kind, c] : m.codecs)
      codecs[kind] = {{"encode_ns", points_json(c.encode_ns)}, {"decode_ns", points_json(c.decode_ns)},
                      {"transfer_ns", points_json(c.transfer_ns)}, {"encoded_bytes", points_json(c.encoded_bytes)}};
    rows.push_back({{"row", m.row},
                    {"shared_gil", m.shared_gil},
                    {"startup_ns", optional_json(m.startup_ns)},
                    {"teardown_ns", optional_json(m.teardown_ns)},
                    {"memory_uss_kib", optional_json(m.memory_uss_kib)},
                    {"round_trip_ns", points_json(m.round_trip_ns)},
                    {"one_way_ns", points_json(m.one_way_ns)},
                    {"dispatch_ns", points_json(m.dispatch_ns)},
                    {"dispatch_workers", m.dispatch_workers},
                    {"wake_ns", optional_json(m.wake_ns)},
                    {"speedup", points_json(m.speedup)},
                    {"ns_per_loop", optional_json(m.ns_per_loop)},
                    {"codecs", codecs}});
  }
  json cells = json::array();
  for (const auto& c : v.cells)
    cells.push_back({{"row", c.row}, {"name", c.cell}, {"compute_us", c.compute_us},
                     {"payload_bytes", c.payload_bytes}, {"workers", c.workers}, {"measured", c.measured},
                     {"predicted", c.predicted}, {"error", c.error}, {"noisy", c.noisy}, {"limit", c.limit}});
  json errors = json::array();
  for (const auto& e : v.rows)
    errors.push_back({{"row", e.row}, {"cells", e.cells}, {"median_abs_error", e.median_abs_error},
                      {"max_abs_error", e.max_abs_error}, {"max_abs_error_quiet", e.max_abs_error_quiet}});
  auto winners_json = [](const std::vector<CellWinner>& list) {
    json out = json::array();
    for (const auto& w : list)
      out.push_back({{"name", w.cell}, {"compute_us", w.compute_us}, {"payload_bytes", w.payload_bytes},
                     {"measured", w.measured}, {"predicted", w.predicted}, {"significant", w.significant}});
    return out;
  };
  // The per-cell table the report shows, its figures formatted here (one source for
  // presentation): a column per row, a line per cell, then the median and the maximum.
  json columns = json::array(), lines = json::array();
  for (const auto& e : v.rows) columns.push_back(e.row);
  std::vector<std::string> cell_order;
  for (const auto& c : v.cells)
    if (std::find(cell_order.begin(), cell_order.end(), c.cell) == cell_order.end()) cell_order.push_back(c.cell);
  for (const auto& name : cell_order) {
    json line = json::array({name.substr(name.find('/') + 1)});
    for (const auto& e : v.rows) {
      std::string text;
      for (const auto& c : v.cells)
        if (c.cell == name && c.row == e.row)
          text = fmt::format("{:+.0f}%{} ({})", 100 * c.error, c.noisy ? "!" : "", c.limit);
      line.push_back(text);
    }
    lines.push_back(std::move(line));
  }
  json median_line = json::array({"median |error|"}), max_line = json::array({"max |error|"});
  for (const auto& e : v.rows) {
    median_line.push_back(fmt::format("{:.0f}%", 100 * e.median_abs_error));
    max_line.push_back(fmt::format("{:.0f}%", 100 * e.max_abs_error));
  }
  if (!v.rows.empty()) {
    lines.push_back(median_line);
    lines.push_back(max_line);
  }
  return {{"models", rows},
          {"validation",
           {{"measured", v.measured},
            {"table", {{"columns", columns}, {"lines", lines}}},
            {"cells", cells},
            {"rows", errors},
            {"winners", winners_json(v.winners)},
            {"mismatches", winners_json(v.mismatches)},
            {"boundaries", v.boundaries}}}};
}

}  // namespace interpbench
