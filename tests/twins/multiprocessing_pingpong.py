"""Twin of py-multiprocessing's pingpong: a Pipe ping-pong with one Process, as a user writes it.
python multiprocessing_pingpong.py '[METHOD, SIZES, ITERATIONS, WARMUP]' -> {"size": median ns}."""
import multiprocessing, sys, time

CALLS = ("multiprocessing.Process worker, Pipe(duplex=False) per direction, "
         "Connection.send_bytes(buffer) and recv_bytes() with no timeout")


def echo(rx, tx, *unused):
    for end in unused:  # the parent's ends, inherited on fork: a held write end hides the EOF
        end.close()
    try:
        while True:
            msg = rx.recv_bytes()  # held until the next one arrives, as the workload's echo holds it
            tx.send_bytes(msg)
    except EOFError:
        pass


def main(method, sizes, iterations, warmup):
    import json, statistics  # here, not at the top: a spawned child re-imports this file
    mp = multiprocessing.get_context(method)
    to_r, to_w = mp.Pipe(duplex=False)
    from_r, from_w = mp.Pipe(duplex=False)
    worker = mp.Process(target=echo, args=(to_r, from_w, to_w, from_r))
    worker.start()
    to_r.close()
    from_w.close()
    medians = {}
    for size in sizes:
        msg = b"\x5a" * size
        for _ in range(warmup):
            to_w.send_bytes(msg)
            from_r.recv_bytes()
        samples = []
        for _ in range(iterations[str(size)]):
            t0 = time.perf_counter_ns()
            to_w.send_bytes(msg)
            reply = from_r.recv_bytes()  # held until the next one arrives, as the workload holds it
            samples.append(time.perf_counter_ns() - t0)
        medians[size] = statistics.median(samples)
    to_w.close()
    worker.join()
    print(json.dumps(medians))


if __name__ == "__main__":
    import json
    main(*json.loads(sys.argv[1]))
