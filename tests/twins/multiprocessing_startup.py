"""Twin of py-multiprocessing's startup and memory: Process(target=f).start(), the child's first
message, then closing its input and join(); and the USS of one started, idle worker.
python multiprocessing_startup.py '[METHOD, STARTS]' -> {"startup": ns, "teardown": ns, "uss": KiB}."""
import multiprocessing, sys, time

CALLS = ("multiprocessing.Process worker, Pipe(duplex=False) per direction, "
         "Connection.send_bytes(buffer) and recv_bytes() with no timeout")


def child(rx, tx, *unused):
    for end in unused:  # the parent's ends, inherited on fork: a held write end hides the EOF
        end.close()
    tx.send_bytes(b"ready")
    try:
        while True:
            rx.recv_bytes()
    except EOFError:
        pass


def uss_kib(pid):
    with open(f"/proc/{pid}/smaps_rollup") as f:
        fields = {line.split()[0]: int(line.split()[1]) for line in f if line.endswith("kB\n")}
    return fields["Private_Clean:"] + fields["Private_Dirty:"]


def start_once(mp, measure_memory):
    t0 = time.perf_counter_ns()
    to_r, to_w = mp.Pipe(duplex=False)
    from_r, from_w = mp.Pipe(duplex=False)
    worker = mp.Process(target=child, args=(to_r, from_w, to_w, from_r))
    worker.start()
    to_r.close()
    from_w.close()
    from_r.recv_bytes()
    t1 = time.perf_counter_ns()
    uss = uss_kib(worker.pid) if measure_memory else None
    t1 = time.perf_counter_ns() if measure_memory else t1
    to_w.close()
    worker.join()
    return t1 - t0, time.perf_counter_ns() - t1, uss


def main(method, starts):
    """STARTS timed starts, or none (0: only the memory figure, as the row's memory workload)."""
    import json, statistics  # here, not at the top: a spawned child re-imports this file
    mp = multiprocessing.get_context(method)
    start_once(mp, False)  # warm-up, as the row's
    timed = [start_once(mp, False) for _ in range(starts)]
    memory = [start_once(mp, True)[2] for _ in range(3)]
    figures = {"uss": statistics.median(memory)}
    if timed:
        figures["startup"] = statistics.median(s for s, _, _ in timed)
        figures["teardown"] = statistics.median(t for _, t, _ in timed)
    print(json.dumps(figures))


if __name__ == "__main__":
    import json
    main(*json.loads(sys.argv[1]))
