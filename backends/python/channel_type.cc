// `_interpbench.Channel`: a Python face on one side of a ChannelPair.
//
// GIL policy: every call first tries the non-blocking operation with the GIL held; only when it
// would block is the GIL released for the wait (releasing it wakes whoever waits for a shared
// GIL). recv() copies each message once, ring -> bytes object: a recv that had to block takes
// the GIL back inside the ring's sink to allocate the bytes (the ring holds no lock while calling
// the sink, so this can't deadlock). Where the peer has its own GIL, recv() first spins with the
// GIL held (kGilSpin, spin_policy.h); never with a shared GIL, where it would keep the peer off
// it. Why, with measurements: docs/performance.md ("The ring and the spin, piece by piece").
#include <array>
#include <atomic>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <random>
#include <utility>
#include <vector>

#include "backends/python/buffer_type.h"
#include "backends/python/fast_args.h"
#include "backends/python/module.h"
#include "backends/python/module_state.h"
#include "backends/spin_policy.h"

namespace interpbench::py {
namespace {

// bytes of at least this size pass by reference between two ends in one interpreter.
constexpr Py_ssize_t kByReferenceMinBytes = 64 * 1024;

// One direction's bytes objects passed by reference, where its sending and its receiving
// Channel live in one interpreter (the thread backend): the object itself goes, as
// queue.Queue passes it, and no copy is made. The sender queues a new reference, then sends
// `marker` through the ring, which keeps the order; the receiver that reads the marker takes the
// oldest object. The marker is 24 bytes, 16 of them random per direction, so no message sent by
// copy can be taken for one. Each end records its interpreter when its Channel is made; until
// both have (a worker not yet started), and wherever they differ (subinterpreters, processes),
// every message is copied.
struct ObjectPassing {
  std::mutex mu;
  PyInterpreterState* sender = nullptr;
  PyInterpreterState* receiver = nullptr;
  std::deque<PyObject*> objects;  // owned references, oldest first
  std::array<std::byte, 24> marker{};

  ObjectPassing() {
    std::random_device rd;
    for (std::size_t i = 0; i < 16; i += 4) {
      const std::uint32_t r = rd();
      std::memcpy(marker.data() + i, &r, sizeof r);
    }
    std::memcpy(marker.data() + 16, "ibobjref", 8);
  }
  // The last ChannelEnds goes in channel_dealloc, with the GIL of the interpreter that owns
  // these objects (they are only queued where both ends are in it).
  ~ObjectPassing() {
    for (PyObject* o : objects) Py_DECREF(o);
  }
  // Sender: queues a new reference to `o` where both ends are in one interpreter; false (nothing
  // queued) where they are not, or not yet known.
  bool queue_if_same_interpreter(PyObject* o) {
    std::lock_guard lock(mu);
    if (sender == nullptr || sender != receiver) return false;
    Py_INCREF(o);
    objects.push_back(o);
    return true;
  }
  bool is_marker(PyObject* bytes) const {
    return PyBytes_GET_SIZE(bytes) == static_cast<Py_ssize_t>(marker.size()) &&
           std::memcmp(PyBytes_AS_STRING(bytes), marker.data(), marker.size()) == 0;
  }
};

// The ObjectPassing of a direction, shared by the two Channels over it (a registry of this
// process, keyed by the direction's Channel, holding neither alive).
std::shared_ptr<ObjectPassing> object_passing_of(const std::shared_ptr<Channel>& direction) {
  static std::mutex mu;
  static std::vector<std::pair<std::weak_ptr<Channel>, std::weak_ptr<ObjectPassing>>> registry;
  std::lock_guard lock(mu);
  std::erase_if(registry, [](const auto& e) { return e.first.expired() || e.second.expired(); });
  for (const auto& [channel, passing] : registry)
    if (channel.lock() == direction)
      if (auto p = passing.lock()) return p;
  auto p = std::make_shared<ObjectPassing>();
  registry.emplace_back(direction, p);
  return p;
}

struct ChannelEnds {
  std::shared_ptr<Channel> send;
  std::shared_ptr<Channel> recv;
  std::shared_ptr<BufferPool> pool;
  std::size_t worker_id = 0;
  std::size_t worker_count = 1;
  bool gil_shared_with_peer = false;
  // The rings are single-producer/single-consumer. Blocking calls run without the GIL, so two
  // Python threads could otherwise be inside one direction at once: refuse instead of corrupting.
  std::atomic_flag sending = ATOMIC_FLAG_INIT;
  std::atomic_flag receiving = ATOMIC_FLAG_INIT;
  SpinBudget<kGilSpin> recv_spin;  // the receiving thread's (guarded by `receiving`)
  std::shared_ptr<ObjectPassing> send_objects, recv_objects;  // ObjectPassing of each direction
};

// Marks one direction busy for a call; `ok()` false (RuntimeError set) if it already was.
class DirectionGuard {
 public:
  explicit DirectionGuard(std::atomic_flag& flag) : flag_(flag) {
    ok_ = !flag_.test_and_set(std::memory_order_acquire);
    if (!ok_) {
      PyErr_SetString(PyExc_RuntimeError,
                      "a Channel direction is used by two threads at once (one sender, one receiver)");
    }
  }
  ~DirectionGuard() {
    if (ok_) flag_.clear(std::memory_order_release);
  }
  bool ok() const { return ok_; }

 private:
  std::atomic_flag& flag_;
  bool ok_;
};

struct ChannelObject {
  PyObject_HEAD
  ChannelEnds* ends;
};

ChannelEnds& ends(PyObject* self) { return *reinterpret_cast<ChannelObject*>(self)->ends; }
ModuleState* st(PyObject* self) { return state_of(Py_TYPE(self)); }

// Channel is a GC type, only so that the collector sees the reference to its (heap) type: a
// Channel stored where its module reaches it (a module global, the module state's binding) is
// otherwise a cycle module -> Channel -> type -> module that nothing can collect.
int channel_traverse(PyObject* self, visitproc visit, void* arg) {
  Py_VISIT(Py_TYPE(self));
  return 0;
}

void channel_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  PyObject_GC_UnTrack(self);
  delete reinterpret_cast<ChannelObject*>(self)->ends;
  type->tp_free(self);
  Py_DECREF(type);
}

// A buffer-protocol view of `obj`, released on scope exit.
class BufferView {
 public:
  bool acquire(PyObject* obj) {
    if (PyObject_GetBuffer(obj, &view_, PyBUF_SIMPLE) < 0) return false;
    held_ = true;
    return true;
  }
  ~BufferView() {
    if (held_) PyBuffer_Release(&view_);
  }
  std::span<const std::byte> bytes() const {
    return {static_cast<const std::byte*>(view_.buf), static_cast<std::size_t>(view_.len)};
  }

 private:
  Py_buffer view_{};
  bool held_ = false;
};

// Sends `msg`: try first with the GIL, then block without it.
bool send_bytes(PyObject* self, std::span<const std::byte> msg, const std::optional<double>& timeout) {
  DirectionGuard busy(ends(self).sending);
  if (!busy.ok()) return false;
  Channel& ch = *ends(self).send;
  try {
    TryResult r = ch.try_send(msg);
    if (r == TryResult::kDone) return true;
    if (r == TryResult::kClosed) throw ChannelClosed("send on a closed channel");
    Deadline deadline = Deadline::from_seconds(timeout);
    if (deadline.expired()) throw ChannelTimeout("send timed out");
    GilRelease nogil;
    ch.send(msg, deadline);
    return true;
  } catch (...) {
    set_python_error(st(self), std::current_exception());
    return false;
  }
}

// recv() copies messages up to this size with the GIL held (a memcpy of at most 64 KiB, cheaper
// than one more GIL hand-off); larger ones are received without it.
constexpr std::size_t kCopyWithGilMaxBytes = 64 * 1024;

// recv()'s spin with the GIL held (peers with their own GIL only): true when a message (or
// close) came within the budget, which learns from the outcome.
bool spin_with_gil(SpinBudget<kGilSpin>& budget, const Channel& ch) {
  const auto spin = budget.next();
  if (spin.count() == 0) return false;
  if (spin_until([&] { return ch.readable(); }, [] { return false; }, spin, std::nullopt)) {
    budget.caught();
    return true;
  }
  budget.missed();
  return false;
}

PyObject* end_of_stream(PyObject* self) {
  PyErr_SetString(st(self)->end_of_stream, "channel closed");
  return nullptr;
}

// Python's recv_view for the length of one call: the channel may deliver a message as a pool
// block (Channel::deliver_views), which `delivered` turns into a Buffer.
class ViewsForThisCall {
 public:
  ViewsForThisCall(Channel& ch, bool on) : ch_(ch), on_(on) {
    if (on_) ch_.deliver_views(true);
  }
  ~ViewsForThisCall() {
    if (on_) ch_.deliver_views(false);
  }

 private:
  Channel& ch_;
  bool on_;
};

// What a recv that returned a message delivered: the bytes its sink made, or else the pool block
// the channel kept aside for a view (recv_view).
PyObject* delivered(PyObject* self, Channel& ch, PyObject* result) {
  if (result != nullptr) return result;
  if (auto h = ch.take_view()) return new_buffer(st(self), ends(self).pool, *h);
  PyErr_SetString(PyExc_SystemError, "recv: a message arrived but nothing was delivered");
  return nullptr;
}

// Receives one message as bytes (`views`: or as a Buffer over the pool block it arrived in, see
// recv_view). `block` false: Py_None when nothing is waiting.
PyObject* recv_bytes(PyObject* self, bool block, const std::optional<double>& timeout,
                     bool views = false) {
  DirectionGuard busy(ends(self).receiving);
  if (!busy.ok()) return nullptr;
  Channel& ch = *ends(self).recv;
  ViewsForThisCall view_mode(ch, views && ends(self).pool != nullptr);
  PyObject* result = nullptr;
  try {
    const MessageSink sink_with_gil = [&](std::size_t size) {
      result = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(size));
      if (result == nullptr) throw std::bad_alloc();
      return reinterpret_cast<std::byte*>(PyBytes_AS_STRING(result));
    };
    TryResult r = ch.try_recv_into(sink_with_gil);
    if (r == TryResult::kDone) return delivered(self, ch, result);
    Py_CLEAR(result);  // closed in the middle of a streamed message: the sink ran, nothing came
    if (r == TryResult::kClosed) return end_of_stream(self);
    if (!block) Py_RETURN_NONE;
    if (!ends(self).gil_shared_with_peer && spin_with_gil(ends(self).recv_spin, ch)) {
      r = ch.try_recv_into(sink_with_gil);
      if (r == TryResult::kDone) return delivered(self, ch, result);
      Py_CLEAR(result);
      if (r == TryResult::kClosed) return end_of_stream(self);
    }
    Deadline deadline = Deadline::from_seconds(timeout);
    if (deadline.expired()) throw ChannelTimeout("recv timed out");
    std::optional<std::size_t> size;
    {
      GilRelease gil;
      size = ch.recv_into(
          [&](std::size_t n) {
            gil.reacquire();
            result = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(n));
            if (result == nullptr) throw std::bad_alloc();
            // A message larger than this may be streamed through the ring: wait for the rest of
            // it (and copy it) without the GIL.
            if (n > kCopyWithGilMaxBytes) gil.release();
            return reinterpret_cast<std::byte*>(PyBytes_AS_STRING(result));
          },
          deadline);
    }
    if (!size) {
      Py_CLEAR(result);  // as above
      return end_of_stream(self);
    }
    return delivered(self, ch, result);
  } catch (...) {
    Py_XDECREF(result);
    return set_python_error(st(self), std::current_exception());
  }
}

PyObject* channel_send(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* a[2];
  if (!fast_args("send", args, nargs, kwnames, {"buffer", "timeout"}, 1, a)) return nullptr;
  std::optional<double> timeout;
  if (!parse_timeout(a[1], &timeout)) return nullptr;
  if (PyBytes_CheckExact(a[0]) && PyBytes_GET_SIZE(a[0]) >= kByReferenceMinBytes &&
      ends(self).send_objects->queue_if_same_interpreter(a[0])) {
    ObjectPassing& p = *ends(self).send_objects;
    if (send_bytes(self, p.marker, timeout)) Py_RETURN_NONE;
    {
      // Not sent: the receiver will never take it. One sender per direction, so it is the last.
      std::lock_guard lock(p.mu);
      if (!p.objects.empty() && p.objects.back() == a[0]) p.objects.pop_back();
    }
    Py_DECREF(a[0]);
    return nullptr;
  }
  if (PyBytes_CheckExact(a[0])) {  // immutable, and kept alive by the caller for the call
    const std::span<const std::byte> msg(reinterpret_cast<const std::byte*>(PyBytes_AS_STRING(a[0])),
                                         static_cast<std::size_t>(PyBytes_GET_SIZE(a[0])));
    if (!send_bytes(self, msg, timeout)) return nullptr;
    Py_RETURN_NONE;
  }
  BufferView view;
  if (!view.acquire(a[0])) return nullptr;
  if (!send_bytes(self, view.bytes(), timeout)) return nullptr;
  Py_RETURN_NONE;
}

PyObject* channel_try_send(PyObject* self, PyObject* buffer) {
  BufferView view;
  if (!view.acquire(buffer)) return nullptr;
  DirectionGuard busy(ends(self).sending);
  if (!busy.ok()) return nullptr;
  try {
    TryResult r = ends(self).send->try_send(view.bytes());
    if (r == TryResult::kClosed) throw ChannelClosed("send on a closed channel");
    return PyBool_FromLong(r == TryResult::kDone);
  } catch (...) {
    return set_python_error(st(self), std::current_exception());
  }
}

// A received marker becomes the object its sender queued (ObjectPassing).
PyObject* object_if_marker(PyObject* self, PyObject* received) {
  if (received == nullptr || !PyBytes_CheckExact(received)) return received;
  ObjectPassing& p = *ends(self).recv_objects;
  if (!p.is_marker(received)) return received;
  PyObject* object = nullptr;
  {
    std::lock_guard lock(p.mu);
    if (!p.objects.empty()) {
      object = p.objects.front();
      p.objects.pop_front();
    }
  }
  Py_DECREF(received);
  if (object == nullptr) {
    PyErr_SetString(PyExc_RuntimeError, "a by-reference message arrived with no object queued");
  }
  return object;
}

PyObject* channel_recv(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* a[1];
  if (!fast_args("recv", args, nargs, kwnames, {"timeout"}, 0, a)) return nullptr;
  std::optional<double> timeout;
  if (!parse_timeout(a[0], &timeout)) return nullptr;
  return object_if_marker(self, recv_bytes(self, true, timeout));
}

// recv_view(timeout=None) -> memoryview of the next message. Where the channel can leave a big
// message where its sender put it (subprocess: a block of the shared buffer pool), the view is
// over that block, with no copy on this side; the block is freed when the view (and every view
// made from it) is gone. Elsewhere it is a view of the bytes recv() would return.
PyObject* channel_recv_view(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
  PyObject* a[1];
  if (!fast_args("recv_view", args, nargs, kwnames, {"timeout"}, 0, a)) return nullptr;
  std::optional<double> timeout;
  if (!parse_timeout(a[0], &timeout)) return nullptr;
  PyRef msg = PyRef::steal(object_if_marker(self, recv_bytes(self, true, timeout, /*views=*/true)));
  if (!msg) return nullptr;
  return PyMemoryView_FromObject(msg.get());
}

PyObject* channel_try_recv(PyObject* self, PyObject*) {
  return object_if_marker(self, recv_bytes(self, false, {}));
}

PyObject* channel_close(PyObject* self, PyObject*) {
  ends(self).send->close();
  Py_RETURN_NONE;
}

BufferPool* pool_or_raise(PyObject* self) {
  if (!ends(self).pool) {
    PyErr_SetString(PyExc_RuntimeError, "this channel has no buffer pool (no handoff)");
    return nullptr;
  }
  return ends(self).pool.get();
}

PyObject* channel_alloc(PyObject* self, PyObject* arg) {
  Py_ssize_t n = PyLong_AsSsize_t(arg);
  if (n == -1 && PyErr_Occurred()) return nullptr;
  if (n < 0) {
    PyErr_SetString(PyExc_ValueError, "alloc() size must be >= 0");
    return nullptr;
  }
  BufferPool* pool = pool_or_raise(self);
  if (pool == nullptr) return nullptr;
  try {
    BufferPool::Handle h = pool->allocate(static_cast<std::size_t>(n));
    return new_buffer(st(self), ends(self).pool, h);
  } catch (...) {
    return set_python_error(st(self), std::current_exception());
  }
}

PyObject* channel_send_buffer(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"buffer", "timeout", nullptr};
  PyObject* buffer = nullptr;
  PyObject* timeout_arg = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|O:send_buffer", const_cast<char**>(kwlist),
                                   &buffer, &timeout_arg)) {
    return nullptr;
  }
  std::optional<double> timeout;
  if (!parse_timeout(timeout_arg, &timeout)) return nullptr;
  ModuleState* s = st(self);
  BufferState* state = buffer_state(s, buffer);
  if (state == nullptr) {
    PyErr_SetString(PyExc_TypeError, "send_buffer() takes a Buffer from alloc() or recv_buffer()");
    return nullptr;
  }
  BufferState& b = *state;
  if (!b.owned) {
    PyErr_SetString(PyExc_ValueError, "this buffer was already handed over");
    return nullptr;
  }
  if (b.exports > 0) {
    // The receiver may release the memory: no view of it may outlive the handover.
    PyErr_SetString(PyExc_BufferError, "release every memoryview of the buffer before send_buffer()");
    return nullptr;
  }
  if (b.pool != ends(self).pool) {
    PyErr_SetString(PyExc_ValueError, "the buffer belongs to another group's pool");
    return nullptr;
  }
  auto handle = std::as_bytes(std::span(&b.handle, 1));
  if (!send_bytes(self, handle, timeout)) return nullptr;
  b.owned = false;
  Py_RETURN_NONE;
}

PyObject* channel_recv_buffer(PyObject* self, PyObject* args, PyObject* kwargs) {
  static const char* kwlist[] = {"timeout", nullptr};
  PyObject* timeout_arg = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kwargs, "|O:recv_buffer", const_cast<char**>(kwlist),
                                   &timeout_arg)) {
    return nullptr;
  }
  std::optional<double> timeout;
  if (!parse_timeout(timeout_arg, &timeout)) return nullptr;
  if (pool_or_raise(self) == nullptr) return nullptr;
  PyRef msg = PyRef::steal(recv_bytes(self, true, timeout));
  if (!msg) return nullptr;
  if (PyBytes_GET_SIZE(msg.get()) != sizeof(BufferPool::Handle)) {
    PyErr_SetString(PyExc_ValueError, "recv_buffer(): the message is not a buffer handle");
    return nullptr;
  }
  BufferPool::Handle h;
  std::memcpy(&h, PyBytes_AS_STRING(msg.get()), sizeof h);
  try {
    (void)ends(self).pool->address(h);  // validates the handle where the pool can
  } catch (...) {
    return set_python_error(st(self), std::current_exception());
  }
  return new_buffer(st(self), ends(self).pool, h);
}

PyObject* channel_get_worker_id(PyObject* self, void*) {
  return PyLong_FromSize_t(ends(self).worker_id);
}
PyObject* channel_get_worker_count(PyObject* self, void*) {
  return PyLong_FromSize_t(ends(self).worker_count);
}

PyObject* channel_repr(PyObject* self) {
  return PyUnicode_FromFormat("<_interpbench.Channel worker %zu of %zu>", ends(self).worker_id,
                              ends(self).worker_count);
}

PyMethodDef g_channel_methods[] = {
    {"send", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(channel_send)),
     METH_FASTCALL | METH_KEYWORDS, "send(buffer, timeout=None): blocks while the ring is full."},
    {"recv", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(channel_recv)),
     METH_FASTCALL | METH_KEYWORDS, "recv(timeout=None) -> bytes; EOFError at end of stream."},
    {"recv_view", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(channel_recv_view)),
     METH_FASTCALL | METH_KEYWORDS,
     "recv_view(timeout=None) -> memoryview; a big message stays in shared memory (no copy here)."},
    {"try_send", channel_try_send, METH_O, "try_send(buffer) -> bool, never blocks."},
    {"try_recv", channel_try_recv, METH_NOARGS, "try_recv() -> bytes or None, never blocks."},
    {"close", channel_close, METH_NOARGS, "Close this side's sending direction."},
    {"alloc", channel_alloc, METH_O, "alloc(n) -> Buffer: writable pool memory for send_buffer."},
    {"send_buffer", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(channel_send_buffer)),
     METH_VARARGS | METH_KEYWORDS, "send_buffer(buf, timeout=None): hand buf over without a copy."},
    {"recv_buffer", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(channel_recv_buffer)),
     METH_VARARGS | METH_KEYWORDS, "recv_buffer(timeout=None) -> Buffer handed over by the peer."},
    {nullptr, nullptr, 0, nullptr},
};

PyGetSetDef g_channel_getset[] = {
    {"worker_id", channel_get_worker_id, nullptr, "index of the worker, 0-based", nullptr},
    {"worker_count", channel_get_worker_count, nullptr, "workers in the group", nullptr},
    {nullptr, nullptr, nullptr, nullptr, nullptr},
};

PyType_Slot g_channel_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(channel_dealloc)},
    {Py_tp_traverse, reinterpret_cast<void*>(channel_traverse)},
    {Py_tp_methods, g_channel_methods},
    {Py_tp_getset, g_channel_getset},
    {Py_tp_repr, reinterpret_cast<void*>(channel_repr)},
    {Py_tp_doc, const_cast<char*>("One side of a worker's channel pair (made by interpbench).")},
    {0, nullptr},
};

PyType_Spec g_channel_spec = {
    "_interpbench.Channel",
    sizeof(ChannelObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_IMMUTABLETYPE |
        Py_TPFLAGS_HAVE_GC,
    g_channel_slots,
};

PyRef new_channel(std::shared_ptr<Channel> send, std::shared_ptr<Channel> recv,
                  std::shared_ptr<BufferPool> pool, std::size_t worker_id,
                  std::size_t worker_count, bool gil_shared_with_peer) {
  PyRef module = interpbench_module();
  ModuleState* s = module_state(module.get());
  auto* type = reinterpret_cast<PyTypeObject*>(s->channel_type);
  PyRef obj = PyRef::checked(type->tp_alloc(type, 0));
  auto* e = new ChannelEnds;
  e->send = std::move(send);
  e->recv = std::move(recv);
  e->pool = std::move(pool);
  e->worker_id = worker_id;
  e->worker_count = worker_count;
  e->gil_shared_with_peer = gil_shared_with_peer;
  e->send_objects = object_passing_of(e->send);
  e->recv_objects = object_passing_of(e->recv);
  PyInterpreterState* here = PyInterpreterState_Get();
  {
    std::lock_guard lock(e->send_objects->mu);
    e->send_objects->sender = here;
  }
  {
    std::lock_guard lock(e->recv_objects->mu);
    e->recv_objects->receiver = here;
  }
  reinterpret_cast<ChannelObject*>(obj.get())->ends = e;
  return obj;
}

}  // namespace

PyType_Spec* channel_type_spec() { return &g_channel_spec; }

Channel* channel_recv_end(ModuleState* s, PyObject* obj) {
  if (!PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(s->channel_type))) {
    PyErr_Format(PyExc_TypeError, "expected a Channel, got %s", Py_TYPE(obj)->tp_name);
    return nullptr;
  }
  return ends(obj).recv.get();
}

PyRef make_worker_channel(const WorkerBinding& b) {
  return new_channel(b.channels.from_worker, b.channels.to_worker, b.pool, b.worker_id,
                     b.worker_count, b.gil_shared_with_peer);
}

PyRef make_driver_channel(const ChannelPair& pair, std::shared_ptr<BufferPool> pool,
                          std::size_t worker_id, std::size_t worker_count,
                          bool gil_shared_with_peer) {
  return new_channel(pair.to_worker, pair.from_worker, std::move(pool), worker_id, worker_count,
                     gil_shared_with_peer);
}

}  // namespace interpbench::py
