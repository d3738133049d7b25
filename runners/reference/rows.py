"""Every reference row, in report order (core/row_catalogue.cc lists the same names)."""
from reference.executor_row import INTERP as EXECUTOR_INTERP
from reference.executor_row import PROCESS as EXECUTOR_PROCESS
from reference.executor_row import THREAD as EXECUTOR_THREAD
from reference.interpreters_poll_row import ROW as INTERPRETERS_POLL
from reference.interpreters_row import ROW as INTERPRETERS
from reference.multiprocessing_row import ROW as MULTIPROCESSING
from reference.threading_row import ROW as THREADING

ROWS = {row.name: row for row in (THREADING, MULTIPROCESSING, INTERPRETERS, INTERPRETERS_POLL,
                                  EXECUTOR_THREAD, EXECUTOR_PROCESS, EXECUTOR_INTERP)}
