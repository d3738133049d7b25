"""apps: application workloads, real code on real data, strong scaling over N workers.

Seven applications, each a variant of this one file (params["apps"], default all of them):

  parse       tokenize + ast.parse of a source file; a summary of token and node counts
  regex       fixed patterns (identifiers, string literals, numbers, def/class lines) over a file
  compress    zlib.compress at level 6 + hashlib.sha256 of a file's bytes (both release the GIL)
  json        a document per file (its functions and classes, from ast) sent as json.dumps text,
              decoded by the worker with json.loads; the driver encodes inside the timed region
  sqlite      the file's token stream loaded into the worker's own in-memory sqlite3 database,
              then a few aggregate queries (sqlite3 releases the GIL while a statement runs)
  nbody       the Computer Language Benchmarks Game's nbody (5 bodies, advance(0.01)): a task is
              one simulation of params["nbody_steps"] steps, params["nbody_tasks"] tasks
  mandelbrot  escape-time mandelbrot over a params["mandelbrot_size"]^2 grid of [-2, 1] x
              [-1.5, 1.5], params["mandelbrot_iterations"] iterations at most; a task is a band
              of params["mandelbrot_rows"] rows

The corpus is the standard library's own source tree (sysconfig.get_paths()["stdlib"]): its .py
files in sorted order, without site-packages and the test suites, that decode as UTF-8 and
parse. params["corpus_files"] of them (default 8; 0: all), evenly spaced over the sorted list and
no larger than params["corpus_max_bytes"] each (default 32 KiB; 0: any size); a task is one file,
sent as its bytes. params["task_repeat"] ({app: k}, default 1) runs an application's tasks k
times over (a light application on a small share: compress and json in the default suite). The
same Python on every row reads the same files, so every row does the same work.

Per application, per repetition, for each N in params["workers"] (N = 1 always added, the base;
the repetition sweeps every N in turn): the driver starts N workers, each answers "ready", and
sends each a load message (the application's number, task index LOAD); the worker imports what
the application needs and answers "loaded". Then one untimed warm-up task per worker, then every task of the application farmed out (two outstanding
per worker, largest first, results collected from whichever worker answers: ctx.select). Each
result is (task index, summary), marshalled; the driver compares every summary with the one it
computed itself, single-threaded, before any worker started, and raises ValueError on the first
that differs: a row whose workers compute something else fails the run. Then ctx.memory(), then
the workers stop.

Every message names its application and task (HEADER), and task(message) -> reply bytes is the
whole of a worker's work: the worker loop calls it per message, and the executor rows
(concurrent.futures) submit it to their pools. Its state (the application's imports, the sqlite
database) is made on a thread's first task of the application and kept per thread (processor()).

Results per application and N (name apps/<app>/<N>...):
  apps/<app>/<N>          task_throughput (items/s, higher is better): tasks / elapsed, driver
                          clock (time.perf_counter_ns) from before the first task is sent to
                          after the last result arrived; fields "speedup" = thr(N) / thr(1) and
                          "efficiency" = speedup / N (strong scaling: the same tasks shared by
                          N workers), "mib_per_s" for the corpus applications.
  apps/<app>/<N>/startup  startup (ns): from before ctx.start(N) to after the last worker's
                          "loaded", which it sends after importing the application's modules
  apps/<app>/<N>/uss      memory_uss (KiB per worker) after the work: the mean over the worker
                          processes (ctx.memory_scope "process"), or the host process's growth
                          over its baseline before the start, / N ("host")
"""
import _thread
import marshal
import os
import struct
import time

TIMED = ("tasks/s: tasks / driver clock (time.perf_counter_ns) from before the first task sent "
         "to after the last result arrived (json: the driver's json.dumps included); startup: "
         "ctx.start(N) to every worker ready with the application's imports done")

APPS = ("parse", "regex", "compress", "json", "sqlite", "nbody", "mandelbrot")
NBODY_TASK = struct.Struct("<I")
MANDEL_TASK = struct.Struct("<IIII")  # first row, rows, size, max iterations
DEFAULT_CORPUS_FILES = 8
DEFAULT_CORPUS_MAX_BYTES = 32 << 10
SKIP_DIRS = {"site-packages", "dist-packages", "__pycache__", "test", "tests", "idle_test"}


# --- the applications: one function each, bytes in, a marshallable summary out -----------------

def app_parse(src):
    import ast
    import io
    import tokenize
    tokens = {}
    for tok in tokenize.tokenize(io.BytesIO(src).readline):
        name = tokenize.tok_name[tok.exact_type if tok.type == tokenize.OP else tok.type]
        tokens[name] = tokens.get(name, 0) + 1
    nodes = {}
    for node in ast.walk(ast.parse(src)):
        name = type(node).__name__
        nodes[name] = nodes.get(name, 0) + 1
    return {"tokens": sum(tokens.values()), "nodes": sum(nodes.values()),
            "token_types": tokens, "node_types": nodes}


REGEX_PATTERNS = (
    ("identifiers", r"\b[A-Za-z_][A-Za-z0-9_]*\b", 0),
    ("strings", r"'''[\s\S]*?'''|\"\"\"[\s\S]*?\"\"\"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"", 0),
    ("numbers", r"\b(?:0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|\d[\d_]*(?:\.\d[\d_]*)?"
                r"(?:[eE][+-]?\d+)?[jJ]?)\b", 0),
    ("defs", r"^[ \t]*(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_]\w*)", 8),  # 8: re.MULTILINE
)


def app_regex(src):
    import re
    text = src.decode("utf-8")
    out = {}
    for name, pattern, flags in REGEX_PATTERNS:
        rx = re.compile(pattern, flags)  # re's cache makes this a lookup after the first file
        if name == "identifiers":
            found = rx.findall(text)
            out[name] = len(found)
            out["distinct_identifiers"] = len(set(found))
        elif name == "defs":
            found = rx.findall(text)
            out["def"] = sum(1 for kind, _ in found if kind == "def")
            out["class"] = sum(1 for kind, _ in found if kind == "class")
            out["def_names"] = sorted({n for _, n in found})[:8]
        else:
            found = rx.findall(text)
            out[name] = len(found)
            out[name + "_chars"] = sum(map(len, found))
    return out


def app_compress(src):
    import hashlib
    import zlib
    return {"bytes": len(src), "zlib6": len(zlib.compress(src, 6)),
            "sha256": hashlib.sha256(src).hexdigest()}


def json_document(src):
    """The records of a file's functions and classes (the driver builds them from ast)."""
    import ast
    records = []
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            records.append({"kind": "function", "name": node.name, "line": node.lineno,
                            "end_line": node.end_lineno,
                            "async": isinstance(node, ast.AsyncFunctionDef),
                            "args": [x.arg for x in a.posonlyargs + a.args + a.kwonlyargs],
                            "defaults": len(a.defaults) + len(a.kw_defaults),
                            "decorators": len(node.decorator_list),
                            "doc": ast.get_docstring(node) or ""})
        elif isinstance(node, ast.ClassDef):
            records.append({"kind": "class", "name": node.name, "line": node.lineno,
                            "end_line": node.end_lineno, "bases": len(node.bases),
                            "methods": [b.name for b in node.body
                                        if isinstance(b, (ast.FunctionDef, ast.AsyncFunctionDef))],
                            "decorators": len(node.decorator_list),
                            "doc": ast.get_docstring(node) or ""})
    return {"records": records, "count": len(records)}


def app_json(text):
    import json
    doc = json.loads(text)
    records = doc["records"]
    if doc["count"] != len(records):
        raise ValueError("json document: count does not match its records")
    functions = [r for r in records if r["kind"] == "function"]
    return {"records": len(records), "functions": len(functions),
            "classes": len(records) - len(functions),
            "args": sum(len(r["args"]) for r in functions),
            "lines": sum(r["end_line"] - r["line"] + 1 for r in records),
            "doc_chars": sum(len(r["doc"]) for r in records),
            "longest": max((r["name"] for r in records), key=len, default="")}


SQLITE_QUERIES = (
    ("by_type", "SELECT type, COUNT(*) FROM tokens GROUP BY type ORDER BY type"),
    ("distinct_names", "SELECT COUNT(DISTINCT string) FROM tokens WHERE type = 'NAME'"),
    ("top_names", "SELECT string, COUNT(*) AS c FROM tokens WHERE type = 'NAME' "
                  "GROUP BY string ORDER BY c DESC, string LIMIT 5"),
    ("busiest_lines", "SELECT line, COUNT(*) AS c FROM tokens GROUP BY line "
                      "ORDER BY c DESC, line LIMIT 3"),
    ("string_chars", "SELECT COALESCE(SUM(LENGTH(string)), 0) FROM tokens WHERE type = 'STRING'"),
)


def sqlite_open():
    import sqlite3
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE tokens (type TEXT, string TEXT, line INTEGER, col INTEGER)")
    return db


def app_sqlite(src, db):
    import io
    import tokenize
    name = tokenize.tok_name
    rows = [(name[t.type], t.string, t.start[0], t.start[1])
            for t in tokenize.tokenize(io.BytesIO(src).readline)]
    with db:
        db.execute("DELETE FROM tokens")
        db.executemany("INSERT INTO tokens VALUES (?, ?, ?, ?)", rows)
    return {key: [list(r) for r in db.execute(sql).fetchall()] for key, sql in SQLITE_QUERIES}


# The Computer Language Benchmarks Game's nbody (the Python 3 program): 5 bodies, offset
# momentum, energy before and after `steps` advances of 0.01.
SOLAR_MASS = 4 * 3.141592653589793 * 3.141592653589793
DAYS_PER_YEAR = 365.24
BODIES = (
    ([0.0, 0.0, 0.0], [0.0, 0.0, 0.0], SOLAR_MASS),  # sun
    ([4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01],  # jupiter
     [1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
      -6.90460016972063023e-05 * DAYS_PER_YEAR], 9.54791938424326609e-04 * SOLAR_MASS),
    ([8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01],  # saturn
     [-2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
      2.30417297573763929e-05 * DAYS_PER_YEAR], 2.85885980666130812e-04 * SOLAR_MASS),
    ([1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01],  # uranus
     [2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
      -2.96589568540237556e-05 * DAYS_PER_YEAR], 4.36624404335156298e-05 * SOLAR_MASS),
    ([1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01],  # neptune
     [2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
      -9.51592254519715870e-05 * DAYS_PER_YEAR], 5.15138902046611451e-05 * SOLAR_MASS),
)


def nbody_energy(bodies, pairs):
    e = 0.0
    for ((x1, y1, z1), v1, m1, (x2, y2, z2), v2, m2) in pairs:
        e -= (m1 * m2) / ((x1 - x2) ** 2 + (y1 - y2) ** 2 + (z1 - z2) ** 2) ** 0.5
    for (r, [vx, vy, vz], m) in bodies:
        e += m * (vx * vx + vy * vy + vz * vz) / 2.0
    return e


def app_nbody(steps):
    bodies = [([*r], [*v], m) for r, v, m in BODIES]  # a fresh system per task
    pairs = [(bodies[i][0], bodies[i][1], bodies[i][2], bodies[j][0], bodies[j][1], bodies[j][2])
             for i in range(len(bodies)) for j in range(i + 1, len(bodies))]
    px = py = pz = 0.0
    for (r, [vx, vy, vz], m) in bodies:
        px -= vx * m
        py -= vy * m
        pz -= vz * m
    (r, v, m) = bodies[0]
    v[0], v[1], v[2] = px / m, py / m, pz / m
    before = nbody_energy(bodies, pairs)
    dt = 0.01
    for _ in range(steps):
        for (([x1, y1, z1], v1, m1, [x2, y2, z2], v2, m2)) in pairs:
            dx, dy, dz = x1 - x2, y1 - y2, z1 - z2
            mag = dt * ((dx * dx + dy * dy + dz * dz) ** (-1.5))
            b1m, b2m = m1 * mag, m2 * mag
            v1[0] -= dx * b2m
            v1[1] -= dy * b2m
            v1[2] -= dz * b2m
            v2[0] += dx * b1m
            v2[1] += dy * b1m
            v2[2] += dz * b1m
        for (r, [vx, vy, vz], m) in bodies:
            r[0] += dt * vx
            r[1] += dt * vy
            r[2] += dt * vz
    return {"steps": steps, "before": before, "after": nbody_energy(bodies, pairs)}


def app_mandelbrot(first, rows, size, max_iter):
    """Escape-time iterations over rows first .. first + rows - 1 of a size x size grid."""
    inside = total = 0
    for y in range(first, min(first + rows, size)):
        ci = -1.5 + 3.0 * y / size
        for x in range(size):
            cr = -2.0 + 3.0 * x / size
            zr = zi = 0.0
            i = 0
            while i < max_iter and zr * zr + zi * zi <= 4.0:
                zr, zi = zr * zr - zi * zi + cr, 2.0 * zr * zi + ci
                i += 1
            total += i
            inside += i == max_iter
    return {"rows": rows, "inside": inside, "iterations": total}


def import_app(app):
    """The modules an application needs (a worker's startup includes them)."""
    modules = {"parse": ("ast", "io", "tokenize"), "regex": ("re",),
               "compress": ("hashlib", "zlib"), "json": ("json",),
               "sqlite": ("io", "sqlite3", "tokenize"), "nbody": (), "mandelbrot": ()}[app]
    for m in modules:
        __import__(m)


class Processor:
    """One worker's (or the driver's reference) state for an application: task payload ->
    summary."""

    def __init__(self, app):
        import_app(app)
        self.app = app
        self.db = sqlite_open() if app == "sqlite" else None

    def __call__(self, payload):
        app = self.app
        if app == "parse":
            return app_parse(payload)
        if app == "regex":
            return app_regex(payload)
        if app == "compress":
            return app_compress(payload)
        if app == "json":
            return app_json(payload)
        if app == "sqlite":
            return app_sqlite(payload, self.db)
        if app == "nbody":
            return app_nbody(NBODY_TASK.unpack(payload)[0])
        if app == "mandelbrot":
            return app_mandelbrot(*MANDEL_TASK.unpack(payload))
        raise ValueError(f"unknown application {app!r}")

    def close(self):
        if self.db is not None:
            self.db.close()


# --- task: one message in, one reply out (the worker loop and the executor rows alike) ----------

# A message names its application and its task, so that task() needs no session: the executor
# rows (concurrent.futures) submit task(message) to whichever worker of the pool is free.
HEADER = struct.Struct("<BI")  # the application (its index in APPS), the task index
LOAD = 0xFFFFFFFF  # the task index of a load message: import the application, answer LOADED
LOADED = b"loaded"

# The Processors of this thread: {app: Processor}, created on a thread's first task of an
# application and kept (imports and sqlite's in-memory database made once per worker). Per
# thread: a worker process or interpreter runs its tasks on one thread, and the thread rows'
# workers (threads of one interpreter) each get their own database.
_state = _thread._local()


def processor(app):
    procs = getattr(_state, "procs", None)
    if procs is None:
        procs = _state.procs = {}
    process = procs.get(app)
    if process is None:
        process = procs[app] = Processor(app)
    return process


def close_processors():
    for process in getattr(_state, "procs", {}).values():
        process.close()
    _state.procs = {}


def task(message):
    """The reply to one message: LOADED to a load message (the application imported), else the
    marshalled (task index, summary) of the task's payload."""
    app_id, index = HEADER.unpack_from(message)
    if app_id >= len(APPS):
        raise ValueError(f"unknown application number {app_id}")
    app = APPS[app_id]
    process = processor(app)
    if index == LOAD:
        return LOADED
    payload = memoryview(message)[HEADER.size:]
    payload = payload.tobytes() if app != "json" else bytes(payload).decode("utf-8")
    return marshal.dumps((index, process(payload)))


# --- worker: "ready", then task(message) per message until EOF ----------------------------------

def worker(ch, params):
    timeout = params.get("timeout")
    ch.send(b"ready", timeout=timeout)
    try:
        while True:
            try:
                message = ch.recv(timeout=timeout)
            except EOFError:
                return
            ch.send(task(message), timeout=timeout)
    finally:
        close_processors()


# --- driver --------------------------------------------------------------------------------------

def corpus(params):
    """[(relative path, bytes)]: the corpus share of params (see the module docstring)."""
    import ast
    import sysconfig
    root = sysconfig.get_paths()["stdlib"]
    paths = []
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS)
        paths += [os.path.join(d, f) for f in files if f.endswith(".py")]
    paths.sort()
    max_bytes = params.get("corpus_max_bytes", DEFAULT_CORPUS_MAX_BYTES)
    if max_bytes:
        paths = [p for p in paths if os.path.getsize(p) <= max_bytes]
    want = params.get("corpus_files", DEFAULT_CORPUS_FILES) or len(paths)
    chosen = []
    # Evenly spaced over the sorted list; a file that does not decode or parse is replaced by
    # the next one after it.
    step = max(1, len(paths) // max(1, want))
    i = 0
    while len(chosen) < want and i < len(paths):
        with open(paths[i], "rb") as f:
            src = f.read()
        try:
            ast.parse(src.decode("utf-8"))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            i += 1
            continue
        chosen.append((os.path.relpath(paths[i], root), src))
        i += step
    if not chosen:
        raise ValueError(f"no corpus: no parsable .py file under {root}")
    return chosen


def app_tasks(app, files, params):
    """[(payload for the processor, make(index) -> message bytes)]: the tasks of `app`,
    largest first (the farm balances better when the big ones start first)."""
    import json
    if app in ("parse", "regex", "compress", "sqlite"):
        payloads = sorted((src for _, src in files), key=len, reverse=True)
        return [(p, p) for p in payloads]
    if app == "json":
        docs = sorted((json_document(src) for _, src in files),
                      key=lambda d: len(json.dumps(d)), reverse=True)
        # The reference decodes the text the worker gets; the worker's message is encoded by
        # the driver in the timed region (json.dumps of the document).
        return [(json.dumps(d), d) for d in docs]
    if app == "nbody":
        steps = params.get("nbody_steps", 2000)
        return [(NBODY_TASK.pack(steps),) * 2 for _ in range(params.get("nbody_tasks", 8))]
    if app == "mandelbrot":
        size = params.get("mandelbrot_size", 200)
        rows = max(1, params.get("mandelbrot_rows", 10))
        it = params.get("mandelbrot_iterations", 50)
        return [(MANDEL_TASK.pack(y, rows, size, it),) * 2 for y in range(0, size, rows)]
    raise ValueError(f"unknown application {app!r}")


def message(app, index, data):
    head = HEADER.pack(APPS.index(app), index)
    if app == "json":
        import json
        return head + json.dumps(data).encode("utf-8")
    return head + data


def farm(ctx, channels, app, tasks, reference, depth, timeout):
    """Runs every task over the channels, checks each summary; returns elapsed ns."""
    clock = time.perf_counter_ns
    order = iter(range(len(tasks)))
    pending = 0
    t0 = clock()
    for _ in range(depth):
        for ch in channels:
            i = next(order, None)
            if i is not None:
                ch.send(message(app, i, tasks[i][1]), timeout=timeout)
                pending += 1
    while pending:
        ch = ctx.select(channels, timeout=timeout)
        index, summary = marshal.loads(ch.recv(timeout=timeout))
        pending -= 1
        if summary != reference[index]:
            raise ValueError(f"apps/{app}: worker {ch.worker_id}'s summary of task {index} differs "
                             f"from the driver's reference: {summary!r} != {reference[index]!r}")
        i = next(order, None)
        if i is not None:
            ch.send(message(app, i, tasks[i][1]), timeout=timeout)
            pending += 1
    return clock() - t0


def warm_up(ctx, channels, app, tasks, reference, timeout):
    """One task per worker (the smallest), untimed and checked."""
    last = len(tasks) - 1
    for ch in channels:
        ch.send(message(app, last, tasks[last][1]), timeout=timeout)
    for ch in channels:
        index, summary = marshal.loads(ch.recv(timeout=timeout))
        if summary != reference[index]:
            raise ValueError(f"apps/{app}: worker {ch.worker_id}'s warm-up summary differs "
                             f"from the driver's reference")


def memory_per_worker(ctx, n, baseline):
    readings = ctx.memory()
    if baseline is not None:
        return (readings[0]["uss_kib"] - baseline["uss_kib"]) / n
    if len(readings) != n:
        raise ValueError(f"ctx.memory() gave {len(readings)} readings for {n} workers")
    return sum(r["uss_kib"] for r in readings) / n


def measure(ctx, app, n, tasks, reference, params, timeout):
    """One repetition of `app` at N workers: (startup ns, elapsed ns, USS KiB per worker)."""
    baseline = None
    if ctx.memory_scope == "host":  # the host's growth; as memory.py: no collection before a fork
        import gc
        gc.collect()
        baseline = ctx.memory()[0]
    clock = time.perf_counter_ns
    t0 = clock()
    channels = ctx.start(n)
    try:
        for ch in channels:
            if ch.recv(timeout=timeout) != b"ready":
                raise ValueError(f"worker {ch.worker_id} did not report ready")
        load = HEADER.pack(APPS.index(app), LOAD)
        for ch in channels:
            ch.send(load, timeout=timeout)
        for ch in channels:
            if ch.recv(timeout=timeout) != LOADED:
                raise ValueError(f"worker {ch.worker_id} did not report {app} loaded")
        startup = clock() - t0
        if params.get("warmup", 1):
            warm_up(ctx, channels, app, tasks, reference, timeout)
        elapsed = farm(ctx, channels, app, tasks, reference, max(1, params.get("depth", 2)),
                       timeout)
        uss = memory_per_worker(ctx, n, baseline)
    finally:
        ctx.stop()
    return startup, elapsed, uss


def reference_summaries(app, tasks):
    """The driver's own single-threaded summary of every task, computed before any worker starts;
    a payload seen before is not computed again (nbody's tasks are one simulation sent
    params["nbody_tasks"] times)."""
    ref = Processor(app)
    done = {}
    try:
        for payload, _ in tasks:
            if payload not in done:
                done[payload] = ref(payload)
    finally:
        ref.close()
    return [done[payload] for payload, _ in tasks]


# The params that decide the corpus share and every application's tasks: with the Python's
# version, the key of what RunCache keeps.
INPUT_PARAMS = ("corpus_files", "corpus_max_bytes", "nbody_steps", "nbody_tasks",
                "mandelbrot_size", "mandelbrot_rows", "mandelbrot_iterations")


class RunCache:
    """What every child of one run computes alike (the corpus share, each application's tasks and
    the driver's reference summaries: ~0.15 s of each child's fixed cost on 2 cores), kept in the
    directory the run owns (params["run_dir"]; the supervisor removes it with the run). Without
    one, nothing is kept. Values are marshalled; a file that does not load is computed again."""

    def __init__(self, params):
        import hashlib
        import sys
        self.dir = params.get("run_dir")
        inputs = [sys.version, sys.implementation.cache_tag]
        inputs += [params.get(k) for k in INPUT_PARAMS]
        self.base = hashlib.sha256(repr(inputs).encode()).hexdigest()[:16]

    def _path(self, name):
        return os.path.join(self.dir, f"apps-{self.base}-{name}.marshal")

    def get(self, name):
        if not self.dir:
            return None
        try:
            with open(self._path(name), "rb") as f:
                return marshal.loads(f.read())
        except (OSError, ValueError, EOFError, TypeError):
            return None

    def put(self, name, value):
        if not self.dir or not os.path.isdir(self.dir):
            return
        path = self._path(name)
        tmp = f"{path}.{os.getpid()}.{_thread.get_ident()}"
        with open(tmp, "wb") as f:
            f.write(marshal.dumps(value))
        os.replace(tmp, path)  # atomic: a reader sees the whole file or none


def cached_corpus(cache, params):
    files = cache.get("corpus")
    if files is None:
        files = corpus(params)
        cache.put("corpus", [list(f) for f in files])
    return [tuple(f) for f in files]


def cached_tasks_and_reference(cache, app, files, params):
    """(tasks, reference) of `app`: computed by the run's first child, loaded by the others. A
    loaded copy is checked first: the driver computes the smallest task's summary itself (which
    also imports the application's modules in the driver, as computing every summary did) and
    computes everything again if it differs."""
    kept = cache.get(app)
    if kept is not None:
        tasks = [tuple(t) for t in kept[0]]
        reference = kept[1]
        ref = Processor(app)
        try:
            fresh = ref(tasks[-1][0]) if tasks else None
        finally:
            ref.close()
        if tasks and fresh == reference[-1]:
            return tasks, reference
    tasks = app_tasks(app, files, params)
    reference = reference_summaries(app, tasks)
    cache.put(app, [[list(t) for t in tasks], reference])
    return tasks, reference


def worker_counts(params):
    counts = params.get("workers") or list(range(1, 2 * params.get("cores", 1) + 1))
    return sorted(set(counts) | {1})


def driver(ctx, params):
    import statistics  # here, not at the top: workers run the top too, and it costs them startup
    timeout = params.get("timeout")
    apps = params.get("apps") or list(APPS)
    unknown = [a for a in apps if a not in APPS]
    if unknown:
        raise ValueError(f"unknown application(s) {unknown} (valid: {', '.join(APPS)})")
    cache = RunCache(params)
    files = cached_corpus(cache, params) if set(apps) - {"nbody", "mandelbrot"} else []
    corpus_bytes = sum(len(src) for _, src in files)
    counts = worker_counts(params)
    results = []
    for app in apps:
        tasks, reference = cached_tasks_and_reference(cache, app, files, params)
        # A light application on a small share runs its tasks again, so that its timed region
        # is not all noise (params["task_repeat"]: {app: times}).
        repeat = max(1, (params.get("task_repeat") or {}).get(app, 1))
        tasks, reference = tasks * repeat, reference * repeat
        reps = {n: [] for n in counts}
        # Repetitions sweep every N in turn, as scaling.py does: a slow spell of the machine
        # lands on every N alike.
        for _ in range(params.get("repetitions", 1)):
            for n in counts:
                reps[n].append(measure(ctx, app, n, tasks, reference, params, timeout))
        app_params = {"app": app, "tasks": len(tasks), "cores": ctx.cores}
        if app in ("parse", "regex", "compress", "json", "sqlite"):
            app_params.update(files=len(files), corpus_bytes=corpus_bytes)
        base = None
        for n in counts:
            p = dict(app_params, workers=n)
            throughput = [len(tasks) * 1e9 / e for _, e, _ in reps[n]]
            median = statistics.median(throughput)
            base = median if n == 1 else base
            r = {"name": f"apps/{app}/{n}", "metric": "task_throughput", "unit": "items/s",
                 "timed": TIMED, "higher_is_better": True, "params": p,
                 "repetitions": [[t] for t in throughput],
                 "speedup": median / base, "efficiency": median / base / n}
            if corpus_bytes and app != "json":
                r["mib_per_s"] = median * corpus_bytes / len(tasks) / (1 << 20)
            results.append(r)
            results.append({"name": f"apps/{app}/{n}/startup", "metric": "startup", "unit": "ns",
                            "timed": "ctx.start(N) to every worker ready, the application's "
                                     "imports done; driver clock (time.perf_counter_ns)",
                            "higher_is_better": False, "params": p,
                            "repetitions": [[s] for s, _, _ in reps[n]]})
            results.append({"name": f"apps/{app}/{n}/uss", "metric": "memory_uss", "unit": "KiB",
                            "timed": "not timed: USS per worker after the work "
                                     "(/proc/PID/smaps_rollup; host scope: growth / N)",
                            "higher_is_better": False,
                            "params": dict(p, scope=ctx.memory_scope),
                            "repetitions": [[u] for _, _, u in reps[n]]})
    return results

