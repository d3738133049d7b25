"""Fixture (not a test module): exercises the Channel semantics every row must share. The driver
returns one RESULT whose params hold what it observed; the worker raises if its side misbehaves."""
TIMED = "not timed: channel semantics fixture"


def worker(ch, params):
    first = ch.recv(timeout=10)
    if first == b"raise":
        raise ValueError("boom")
    if first == b"twice":  # two answers at once, for the driver's select
        ch.send(b"1", timeout=10)
        ch.send(b"2", timeout=10)
        while True:
            try:
                ch.recv(timeout=10)
            except EOFError:
                return
    assert first == b"go", first
    try:
        ch.recv(timeout=0.01)  # the driver sends nothing until it gets our answer
        outcome = "no error"
    except TimeoutError:
        outcome = "TimeoutError"
    ch.send(outcome.encode(), timeout=10)
    ch.send(ch.recv(timeout=10), timeout=10)  # echo "hello"
    ch.close()
    try:
        ch.send(b"x")
        raise AssertionError("send after close did not raise")
    except BrokenPipeError:
        pass
    while True:
        try:
            ch.recv(timeout=10)
        except EOFError:
            return


def os_threads():
    """The threads of this process, as the kernel counts them (a fork copies only the caller)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("Threads:"))


def observe(fn, *args, **kwargs):
    try:
        return repr(fn(*args, **kwargs))
    except Exception as exc:  # noqa: BLE001 - the type is the observation
        return type(exc).__name__


def driver(ctx, params):
    obs = {"worker_ids": [], "handoff": ctx.handoff, "scope": ctx.memory_scope,
           "os_threads_before_start": os_threads()}
    ch = ctx.start(1)[0]
    obs["worker_ids"] = [ch.worker_id, ch.worker_count]
    obs["recv_timeout"] = observe(ch.recv, timeout=0.05)
    obs["select_timeout"] = observe(ctx.select, [ch], timeout=0.05)
    obs["try_recv_empty"] = observe(ch.try_recv)
    ch.send(b"go")
    obs["worker_recv_timeout"] = ch.recv(timeout=10).decode()
    obs["try_send"] = observe(ch.try_send, b"hello")
    obs["echo"] = ch.recv(timeout=10).decode()
    obs["select_closed"] = ctx.select([ch], timeout=10) is ch
    obs["eof"] = observe(ch.recv, timeout=10)
    obs["eof_again"] = observe(ch.recv, timeout=10)
    obs["try_recv_eof"] = observe(ch.try_recv)
    ch.close()
    obs["send_after_close"] = observe(ch.send, b"x")
    ctx.stop(timeout=10)

    # Two workers with two answers each: select serves them in turn (worker ids 0 1 0 1 or
    # 1 0 1 0), not the first until it is drained.
    import time
    pair = ctx.start(2)
    for c in pair:
        c.send(b"twice")
    for c in pair:
        ctx.select([c], timeout=10)
    time.sleep(0.05)  # each worker's second answer follows its first at once
    order = []
    for _ in range(4):
        c = ctx.select(pair, timeout=10)
        c.recv(timeout=10)
        order.append(c.worker_id)
    obs["select_order"] = order
    ctx.stop(timeout=10)

    ch = ctx.start(1)[0]
    ch.send(b"raise")
    obs["stop_error"] = observe(ctx.stop, timeout=10)
    try:
        ctx.stop()
        obs["stop_again"] = "ok"
    except Exception as exc:  # noqa: BLE001
        obs["stop_again"] = str(exc)
    return [{"name": "semantics", "metric": "round_trip", "unit": "ns", "timed": TIMED,
             "params": obs, "repetitions": [[1]]}]
