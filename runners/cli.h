#pragma once
// The command line: run, env, list, report, compare, and the hidden _child. Parses with CLI11,
// dispatches, and is the one place that turns errors into exit codes:
//   --help                      -> help on stdout, 0
//   CLI11 parse errors, BadInput -> "interpbench: <problem>" (one line) on stderr, 2
//   RunFailed, anything else    -> "interpbench: <problem>" (one line) on stderr, 1
// Commands return their own code otherwise (run: 0, 1 when a row failed, 130/143 when stopped;
// compare: 1 on a regression).
namespace interpbench {

int run_cli(int argc, char** argv);

}  // namespace interpbench
