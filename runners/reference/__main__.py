"""python runners/reference --row ROW ...: the command line of the reference rows (cli.py)."""
import faulthandler
import os
import sys

# A crash (SIGSEGV in a subinterpreter, an extension module) leaves the crashing thread's Python
# stack in the stderr tail the supervisor keeps (20 lines: not every thread's), as the C++ rows'
# workers do.
faulthandler.enable(all_threads=False)

# Python puts this directory first on sys.path; the modules import each other as the package
# `reference`, which lives in its parent, runners/ (so do the spawned workers and subinterpreters).
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from reference.cli import main  # noqa: E402

sys.exit(main())
