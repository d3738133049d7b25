#include "backends/python/bare_interp.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <memory>
#include <thread>

#include "backends/child_result.h"
#include "backends/cpu_pinning.h"
#include "backends/python/embed.h"

namespace interpbench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

constexpr const char* kTimed =
    "startup: C++ steady clock from before creating a std::thread that runs "
    "Py_NewInterpreterFromConfig (the subinterp backend's config) and imports _interpbench, to "
    "after that thread signalled ready (condition variable); teardown: from then to the return of "
    "join() after Py_EndInterpreter on that thread";
constexpr const char* kSiteTimed =
    "import site + site.main() in a fresh subinterpreter (the subinterp backend's config, "
    "_interpbench imported), on its thread's steady clock: what a worker of a workload with "
    "IMPORT_SITE = True pays on top of startup";

long long ns_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(b - a).count();
}

// One interpreter thread's life, stepped by the timing thread: created -> ready -> told to end.
struct Handshake {
  std::mutex mu;
  std::condition_variable cv;
  bool ready = false, end = false;
  std::string error;        // set instead of ready when creation failed
  long long site_ns = -1;   // measured when asked
  bool pin_failed = false;  // the interpreter thread's CPU was refused (cpu_pinning.h)

  void wait_ready(std::chrono::duration<double> timeout) {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, timeout, [&] { return ready || !error.empty(); })) {
      throw std::runtime_error("bare-interp: the interpreter thread did not signal ready in time");
    }
    if (!error.empty()) throw std::runtime_error(error);
  }
};

struct Sample {
  long long start_ns, teardown_ns, site_ns;
  bool pin_failed;
};

// One start; with `time_site`, the new interpreter also imports site (untimed for start). The
// interpreter thread is worker 0 of a group of one, as a subinterp worker is: it places itself
// first (it inherited the timing thread's mask).
Sample start_once(py::GilMode mode, bool time_site, double timeout_s, const PinPlan& pin) {
  auto hs = std::make_shared<Handshake>();
  const auto t0 = Clock::now();
  std::thread thread([hs, mode, time_site, pin] {
    hs->pin_failed = !pin_worker_thread(pin, 0, 1) && pin.pins(1);  // read after join()
    try {
      py::SubInterpreter interp(mode);
      {
        py::SubInterpreter::Activate active(interp);
        py::PyRef module = py::PyRef::checked(PyImport_ImportModule("_interpbench"));
        if (time_site) {
          const auto s0 = Clock::now();
          py::import_site();
          hs->site_ns = ns_between(s0, Clock::now());
        }
      }
      std::unique_lock lock(hs->mu);
      hs->ready = true;
      hs->cv.notify_all();
      hs->cv.wait(lock, [&] { return hs->end; });  // the timing thread always sets end
      lock.unlock();
      // ~SubInterpreter: Py_EndInterpreter on this thread, as the subinterp backend does.
    } catch (const std::exception& e) {
      std::lock_guard lock(hs->mu);
      hs->error = std::string("bare-interp: ") + e.what();
      hs->cv.notify_all();
    }
  });
  try {
    hs->wait_ready(std::chrono::duration<double>(timeout_s));
  } catch (...) {
    {
      std::lock_guard lock(hs->mu);
      hs->end = true;
      hs->cv.notify_all();
    }
    if (hs->error.empty()) {
      thread.detach();  // still inside Python: the process must end without finalizing
      py::note_abandoned_thread();
    } else {
      thread.join();
    }
    throw;
  }
  const auto t1 = Clock::now();
  {
    std::lock_guard lock(hs->mu);
    hs->end = true;
    hs->cv.notify_all();
  }
  thread.join();
  const auto t2 = Clock::now();
  return {ns_between(t0, t1), ns_between(t1, t2), hs->site_ns, hs->pin_failed};
}

}  // namespace

json run_bare_interp(const std::string& workload, const json& params, bool shared_gil) {
  const py::GilMode mode = shared_gil || !py::kHasPerInterpreterGil ? py::GilMode::kShared
                                                                    : py::GilMode::kOwn;
  json out = empty_child_result("bare-interp", "baseline", workload, py::gil_mode_name(mode));
  // The timing thread is the driver of a group of one (docs/design.md, params["pin"]).
  const PinPlan pin = pin_plan(params);
  PinningRecord pinning(pin);
  out["pinning"] = pinning.to_json();
  if (workload != "startup") {
    out["skipped"] = "bare-interp measures startup only";
    return out;
  }
  const double timeout_s = params.value("timeout", 10.0);
  const int starts = std::max(1, params.value("iterations", 10));
  const int repetitions = std::max(1, params.value("repetitions", 5));
  const bool warmup = params.value("warmup", 1) != 0;

  pinning.note(1, pin_driver_thread(pin, 1));
  auto start = [&](bool time_site) {
    const Sample sample = start_once(mode, time_site, timeout_s, pin);
    if (sample.pin_failed) pinning.note(1, false);
    return sample;
  };
  py::MainInterpreter interpreter;
  out["python"] = py::python_version();
  json start_ns = json::array(), teardown = json::array(), site = json::array();
  {
    py::GilRelease nogil;  // the interpreter threads take the main GIL to create theirs
    if (warmup) start(false);
    for (int r = 0; r < repetitions; ++r) {
      json s = json::array(), t = json::array(), i = json::array();
      for (int k = 0; k < starts; ++k) {
        const Sample sample = start(false);
        s.push_back(sample.start_ns);
        t.push_back(sample.teardown_ns);
      }
      // Separate starts, so the timed ones above stay exactly the bare floor.
      for (int k = 0; k < starts; ++k) i.push_back(start(true).site_ns);
      start_ns.push_back(s);
      teardown.push_back(t);
      site.push_back(i);
    }
  }
  const json common_params = {{"workers", 1}, {"starts", starts}};
  auto result = [&](const char* name, const char* metric, const char* timed, json reps) {
    return json{{"name", name},       {"metric", metric},  {"unit", "ns"},
                {"timed", timed},     {"higher_is_better", false},
                {"params", common_params}, {"repetitions", std::move(reps)}};
  };
  out["pinning"] = pinning.to_json();
  out["results"] = json::array({result("startup/start", "startup", kTimed, start_ns),
                                result("startup/teardown", "teardown", kTimed, teardown),
                                result("startup/site_import", "site_import", kSiteTimed, site)});
  out["notes"].push_back(
      "bare-interp: the floor under subinterp startup (a thread, a subinterpreter with the "
      "subinterp backend's config, import _interpbench); no workload, driver or channel");
  return out;
}

}  // namespace interpbench
