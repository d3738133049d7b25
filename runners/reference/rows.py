"""Every reference row, in report order (core/row_catalogue.cc lists the same names)."""
from reference.interpreters_poll_row import ROW as INTERPRETERS_POLL
from reference.interpreters_row import ROW as INTERPRETERS
from reference.multiprocessing_row import ROW as MULTIPROCESSING
from reference.threading_row import ROW as THREADING

ROWS = {row.name: row for row in (THREADING, MULTIPROCESSING, INTERPRETERS, INTERPRETERS_POLL)}
