"""python runners/reference --row ROW ...: the command line of the reference rows (cli.py)."""
import os
import sys

# Python puts this directory first on sys.path; the modules import each other as the package
# `reference`, which lives in its parent, runners/ (so do the spawned workers and subinterpreters).
sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from reference.cli import main  # noqa: E402

sys.exit(main())
