"""The channel API's common part, every row's channel's base class. A module of its own, importing
nothing: a py-multiprocessing worker process imports it (reference/mp_worker.py), and a spawned
one pays for every module it imports in its start time."""


class ChannelBase:
    handoff = False

    def __init__(self, worker_id, worker_count, default_timeout):
        self.worker_id = worker_id
        self.worker_count = worker_count
        self._default_timeout = default_timeout

    def _t(self, timeout):
        return self._default_timeout if timeout is None else timeout

    def alloc(self, n):
        raise NotImplementedError(f"{type(self).__name__}: no zero-copy handoff on this row")

    send_buffer = recv_buffer = alloc

    def recv_view(self, timeout=None):
        """A memoryview of the next message: these rows' standard APIs deliver a new object, so
        it is a view of that (interpbench's subprocess backend leaves big messages in shared
        memory instead)."""
        return memoryview(self.recv(timeout))

    def __repr__(self):
        return f"<{type(self).__name__} worker {self.worker_id}/{self.worker_count}>"
