"""Fixture (not a test module): what a worker has imported after an empty poll and a message.
The worker's recv times out once (an empty queue), answers, and reports the modules from
params["watch"] (top-level names) that its interpreter holds then. The driver reports which of
params["driver_watch"] (full module names) its process held when driver() began."""
import sys

TIMED = "not timed: imports fixture"


def worker(ch, params):
    try:
        ch.recv(timeout=0.02)
    except TimeoutError:
        pass
    watch = set(params["watch"])
    held = sorted(m for m in sys.modules if m.split(".")[0] in watch)
    ch.send(",".join(held).encode(), timeout=10)
    while True:
        try:
            ch.recv(timeout=10)
        except EOFError:
            return


def driver(ctx, params):
    driver_held = sorted(m for m in params.get("driver_watch", []) if m in sys.modules)
    ch = ctx.start(1)[0]
    held = ch.recv(timeout=10).decode()
    ctx.stop(timeout=10)
    return [{"name": "imports", "metric": "round_trip", "unit": "ns", "timed": TIMED,
             "params": {"held": held.split(",") if held else [], "driver_held": driver_held},
             "repetitions": [[1]]}]
