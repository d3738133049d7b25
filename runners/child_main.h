#pragma once
// The hidden `interpbench _child` command: what one supervised child runs. Backend rows embed
// CPython and run the workload's driver (backends/python/driver_host.h); the floor row runs the
// C++-only measurement (backends/floor.h). Either way the child writes the child result file of
// docs/design.md to `result` and exits 0 (results or "skipped"), 1 (the driver failed; the
// file says why) or 2 (bad arguments).
#include <string>

namespace interpbench {

struct ChildArgs {
  std::string row;       // "subinterp" | "subprocess" | "thread" | "floor"
  std::string workload;  // the workload file
  std::string module;    // its module name (the file stem)
  std::string params;    // JSON object
  std::string result;    // where to write the child result file
  double timeout_s = 60; // per blocking operation
  bool shared_gil = false;   // bare-interp; subinterp: the same as --mode shared
  std::string start_method;  // subprocess: "exec" (or empty), "fork", "zygote"
  std::string mode;          // subinterp: "" (own GIL, isolated), "shared", "legacy"
};

int child_main(const ChildArgs& args);

// The hidden `interpbench _exec PROGRAM ARGS...`: ties itself to the runner (PR_SET_PDEATHSIG,
// which survives exec) and execs PROGRAM, so a reference row's Python dies with a SIGKILLed
// runner too. Returns only on failure (127, one line on stderr).
int exec_tied_to_parent(int argc, char** argv);

}  // namespace interpbench
