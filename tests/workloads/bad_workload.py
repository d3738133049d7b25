"""Fixture: a workload file without the required functions."""
TIMED = "nothing"
