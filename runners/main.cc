// interpbench: see runners/cli.h for the commands and exit codes.
#include "runners/cli.h"

int main(int argc, char** argv) { return interpbench::run_cli(argc, argv); }
