"""Fixture (not a test module): starts and stops one worker params["starts"] times, as startup
does, and reports the driver process's open file descriptors before and after: a
group that outlives its stop (a reference cycle, a pipe end nobody closes) shows as growth."""
import os

TIMED = "not timed: restart fixture"


def worker(ch, params):
    ch.send(b"ready", timeout=10)
    while True:
        try:
            ch.recv(timeout=10)
        except EOFError:
            return


def open_fds():
    return len(os.listdir("/proc/self/fd"))


def start_once(ctx):
    ch = ctx.start(1)[0]
    try:
        assert ch.recv(timeout=10) == b"ready"
    finally:
        ctx.stop(timeout=10)


def driver(ctx, params):
    start_once(ctx)  # the first start's one-off descriptors (a module's, a timer's) are not growth
    before = open_fds()
    for _ in range(params.get("starts", 30)):
        start_once(ctx)
    return [{"name": "restarts", "metric": "round_trip", "unit": "ns", "timed": TIMED,
             "params": {"fds_before": before, "fds_after": open_fds()},
             "repetitions": [[1]]}]
