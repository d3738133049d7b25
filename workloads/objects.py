"""objects: what it costs to pass an object graph, split into encode, transfer and decode.

The question this answers: is it walking the object graph (pickle) or the channel that makes
communication slow? For each graph kind and size, and each codec, the driver encodes the graph,
sends the encoded parts to one worker, and the worker decodes them.

Graphs (n = each entry of params["sizes"], read as an element count; no third-party types):
  ints     list of n ints
  floats   dict of n str -> float
  records  list of n small tuples (int, str, float, bool)
  nested   dicts of dicts: n/10 groups of 10 {"id", "score", "tags"} records
  blobs    {"meta": {...}, "blobs": 4 bytes objects of 16*n bytes each} (bytes-heavy)
Codecs:
  pickle5             pickle.dumps(protocol=5) / pickle.loads
  marshal             marshal.dumps / marshal.loads
  raw                 a bytes object as long as the pickle5 encoding: no codec, transfer only
  pickle5-oob         (blobs) protocol 5 with out-of-band buffers: a small frame plus each blob
                      as its own message; loads(frame, buffers=...) keeps the received blobs
  pickle5-handoff     (where ctx.handoff) the pickle copied into a ch.alloc() buffer that is
                      handed over with send_buffer / recv_buffer
  pickle5-oob-handoff (blobs, where ctx.handoff) the blobs live in ch.alloc() buffers handed over
                      without a copy; only the frame goes through the channel

Timed, per message, time.perf_counter_ns (CLOCK_MONOTONIC: one system-wide clock, so the driver's
and the worker's readings compare, even across processes):
  encode   driver: dumps (+ ch.alloc and the copy into the buffer for pickle5-handoff; + ch.alloc
           of the blob buffers for pickle5-oob-handoff, whose filling stands for the producer
           writing its data in place and is not timed)
  transfer one-way: from the driver's clock before the first send of the message's parts to
           the worker's clock after its last recv returned
  decode   worker: loads (marshal/pickle) of the received parts
The worker then answers with its two readings (untimed). bytes_per_op = encoded bytes per
message (frame + out-of-band buffers). One sample per message; `iterations` messages per
repetition, fewer for big encodings (params["bytes_budget"] bytes per repetition, at least 3).
params["graphs"] and params["codecs"] restrict the graph kinds and codecs run (default: all).
"""
import json
import marshal
import pickle
import struct
import time

TIMED = ("per message, time.perf_counter_ns (CLOCK_MONOTONIC, one clock for all sides): encode "
         "(driver), transfer one-way (driver before send -> worker after recv), decode (worker)")

DEFAULT_BYTES_BUDGET = 32 << 20
REPLY = struct.Struct("<qqq")  # worker's clock after recv, decode ns, len(decoded) or -1
GRAPHS = ("ints", "floats", "records", "nested", "blobs")
BLOBS = 4


def make_graph(kind, n):
    if kind == "ints":
        return [i * 7919 for i in range(n)]
    if kind == "floats":
        return {f"key{i}": i * 0.5 for i in range(n)}
    if kind == "records":
        return [(i, f"name{i}", i * 0.25, i % 2 == 0) for i in range(n)]
    if kind == "nested":
        return {f"group{g}": {f"item{j}": {"id": g * 10 + j, "score": g + j / 10,
                                            "tags": ["a", "b"]} for j in range(10)}
                for g in range(max(1, n // 10))}
    if kind == "blobs":
        return {"meta": {"n": n, "kind": "blobs"},
                "blobs": [bytes([i]) * (16 * n) for i in range(BLOBS)]}
    raise ValueError(f"unknown graph kind '{kind}'")


def codecs_for(kind, handoff):
    codecs = ["pickle5", "marshal", "raw"]
    if kind == "blobs":
        codecs.append("pickle5-oob")
    if handoff:
        codecs.append("pickle5-handoff")
        if kind == "blobs":
            codecs.append("pickle5-oob-handoff")
    return codecs


# --- worker -----------------------------------------------------------------------------------

def worker(ch, params):
    timeout = params.get("timeout")
    clock = time.perf_counter_ns
    while True:
        try:
            control = json.loads(ch.recv(timeout=timeout))
        except EOFError:
            return
        codec, parts, count = control["codec"], control["parts"], control["count"]
        handoff_parts = control.get("handoff_parts", 0)
        ch.send(b"ok", timeout=timeout)
        for _ in range(count):
            received = [ch.recv(timeout=timeout) for _ in range(parts - handoff_parts)]
            received += [ch.recv_buffer(timeout=timeout) for _ in range(handoff_parts)]
            t_recv = clock()
            if codec == "raw":
                t_dec = clock()
                n_items = -1
            else:
                t0 = clock()
                obj = decode(codec, received)
                t_dec = clock() - t0
                n_items = len(obj)
                del obj
            del received
            ch.send(REPLY.pack(t_recv, t_dec, n_items), timeout=timeout)


def decode(codec, parts):
    if codec == "marshal":
        return marshal.loads(parts[0])
    if codec in ("pickle5", "pickle5-handoff"):
        return pickle.loads(parts[0])
    return pickle.loads(parts[0], buffers=parts[1:])  # pickle5-oob, pickle5-oob-handoff


# --- driver -----------------------------------------------------------------------------------

class Sender:
    """Encodes one graph with one codec and sends it; returns the encode time in ns."""

    def __init__(self, ch, codec, graph, timeout):
        self.ch, self.codec, self.graph, self.timeout = ch, codec, graph, timeout
        if codec == "raw":
            self.raw = b"\x01" * len(pickle.dumps(graph, protocol=5))
        if codec.startswith("pickle5-oob"):
            self.blobs = graph["blobs"]
        # Size the message with the copying twin of a handoff codec: a probe must not take
        # buffers from the pool that it never sends.
        twin = {"pickle5-handoff": "pickle5", "pickle5-oob-handoff": "pickle5-oob"}
        self.codec = twin.get(codec, codec)
        parts, _ = self.encode()
        self.codec = codec
        self.parts = len(parts)
        # Parts the worker takes with recv_buffer (they come after the ones it takes with recv).
        self.handoff_parts = {"pickle5-handoff": 1,
                              "pickle5-oob-handoff": len(parts) - 1}.get(codec, 0)
        self.encoded_bytes = sum(len(memoryview(p)) for p in parts)

    def encode(self):
        """([parts to send], [pool buffers to hand off]); the timed part is self.encode_ns."""
        clock = time.perf_counter_ns
        codec, graph = self.codec, self.graph
        if codec == "raw":
            self.encode_ns = 0
            return [self.raw], []
        t0 = clock()
        if codec == "pickle5":
            out = [pickle.dumps(graph, protocol=5)], []
        elif codec == "marshal":
            out = [marshal.dumps(graph)], []
        elif codec == "pickle5-handoff":
            data = pickle.dumps(graph, protocol=5)
            buf = self.ch.alloc(len(data))
            memoryview(buf)[:] = data
            out = [], [buf]
        elif codec == "pickle5-oob":
            buffers = []
            frame = pickle.dumps(self._oob_graph(self.blobs), protocol=5,
                                 buffer_callback=buffers.append)
            out = [frame] + [b.raw() for b in buffers], []
        else:  # pickle5-oob-handoff
            pool = [self.ch.alloc(len(b)) for b in self.blobs]
            t_alloc = clock() - t0
            for p, b in zip(pool, self.blobs):  # the producer writing in place: not timed
                memoryview(p)[:] = b
            t1 = clock()
            frame = pickle.dumps(self._oob_graph(pool), protocol=5, buffer_callback=lambda b: 0)
            self.encode_ns = t_alloc + clock() - t1
            return [frame], pool
        self.encode_ns = clock() - t0
        return out

    def _oob_graph(self, blobs):
        return {"meta": self.graph["meta"], "blobs": [pickle.PickleBuffer(b) for b in blobs]}

    def send(self, parts, pool):
        for p in parts:
            self.ch.send(p, timeout=self.timeout)
        for b in pool:
            self.ch.send_buffer(b)


def measure(ch, sender, count, n_items, timeout):
    """Sends `count` messages; returns (encode, transfer, decode) sample lists."""
    clock = time.perf_counter_ns
    control = {"codec": sender.codec, "parts": sender.parts, "count": count,
               "handoff_parts": sender.handoff_parts}
    ch.send(json.dumps(control).encode(), timeout=timeout)
    if ch.recv(timeout=timeout) != b"ok":
        raise ValueError("worker did not acknowledge the phase")
    encode, transfer, decode = [], [], []
    for _ in range(count):
        parts, pool = sender.encode()
        t_send = clock()
        sender.send(parts, pool)
        del parts, pool
        t_recv, t_dec, got = REPLY.unpack(ch.recv(timeout=timeout))
        if got not in (-1, n_items):
            raise ValueError(f"worker decoded {got} items, expected {n_items}")
        encode.append(sender.encode_ns)
        transfer.append(t_recv - t_send)
        decode.append(t_dec)
    return encode, transfer, decode


def driver(ctx, params):
    impl = time.get_clock_info("perf_counter").implementation
    if "CLOCK_MONOTONIC" not in impl:
        raise RuntimeError(f"perf_counter is {impl}: one-way transfer needs CLOCK_MONOTONIC")
    timeout = params.get("timeout")
    budget = params.get("bytes_budget", DEFAULT_BYTES_BUDGET)
    results = []
    ch = ctx.start(1)[0]
    try:
        for kind in params.get("graphs", GRAPHS):
            for n in params.get("sizes", [16, 256, 4096, 65536]):
                graph = make_graph(kind, n)
                for codec in codecs_for(kind, ctx.handoff):
                    if codec not in params.get("codecs", [codec]):
                        continue
                    sender = Sender(ch, codec, graph, timeout)
                    count = max(3, min(params.get("iterations", 100),
                                       budget // max(sender.encoded_bytes, 1)))
                    warmup = min(count, params.get("warmup", 10))
                    if warmup:
                        measure(ch, sender, warmup, len(graph), timeout)
                    reps = [measure(ch, sender, count, len(graph), timeout)
                            for _ in range(params.get("repetitions", 5))]
                    for i, metric in enumerate(("encode", "transfer", "decode")):
                        if codec == "raw" and metric != "transfer":
                            continue
                        results.append({
                            "name": f"objects/{kind}/{n}/{codec}/{metric}",
                            "metric": metric,
                            "unit": "ns",
                            "timed": TIMED,
                            "higher_is_better": False,
                            "params": {"graph": kind, "elements": n, "codec": codec,
                                       "encoded_bytes": sender.encoded_bytes, "workers": 1},
                            "repetitions": [r[i] for r in reps],
                            "bytes_per_op": sender.encoded_bytes,
                        })
    finally:
        ctx.stop()
    return results
