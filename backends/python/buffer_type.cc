#include "backends/python/buffer_type.h"

#include <exception>
#include <utility>

namespace interpbench::py {
namespace {

struct BufferObject {
  PyObject_HEAD
  BufferState* state;
};

BufferState& bstate(PyObject* self) { return *reinterpret_cast<BufferObject*>(self)->state; }

void buffer_dealloc(PyObject* self) {
  PyTypeObject* type = Py_TYPE(self);
  BufferState* b = reinterpret_cast<BufferObject*>(self)->state;
  if (b != nullptr && b->owned) b->pool->release(b->handle);
  delete b;
  type->tp_free(self);
  Py_DECREF(type);
}

int buffer_getbuffer(PyObject* self, Py_buffer* view, int flags) {
  BufferState& b = bstate(self);
  if (!b.owned) {
    PyErr_SetString(PyExc_BufferError, "this buffer was handed over: its memory is the peer's");
    view->obj = nullptr;
    return -1;
  }
  void* addr = nullptr;
  try {
    addr = b.pool->address(b.handle);
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_BufferError, e.what());
    view->obj = nullptr;
    return -1;
  }
  if (PyBuffer_FillInfo(view, self, addr, static_cast<Py_ssize_t>(b.handle.size), 0, flags) < 0)
    return -1;
  ++b.exports;
  return 0;
}

void buffer_releasebuffer(PyObject* self, Py_buffer*) { --bstate(self).exports; }

Py_ssize_t buffer_length(PyObject* self) { return static_cast<Py_ssize_t>(bstate(self).handle.size); }

PyType_Slot g_buffer_slots[] = {
    {Py_tp_dealloc, reinterpret_cast<void*>(buffer_dealloc)},
    {Py_bf_getbuffer, reinterpret_cast<void*>(buffer_getbuffer)},
    {Py_bf_releasebuffer, reinterpret_cast<void*>(buffer_releasebuffer)},
    {Py_mp_length, reinterpret_cast<void*>(buffer_length)},
    {Py_tp_doc, const_cast<char*>("Memory of the group's buffer pool; memoryview(buf) to use it.")},
    {0, nullptr},
};

PyType_Spec g_buffer_spec = {
    "_interpbench.Buffer",
    sizeof(BufferObject),
    0,
    Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_IMMUTABLETYPE,
    g_buffer_slots,
};

}  // namespace

PyType_Spec* buffer_type_spec() { return &g_buffer_spec; }

PyObject* new_buffer(ModuleState* s, std::shared_ptr<BufferPool> pool, BufferPool::Handle h) {
  auto* type = reinterpret_cast<PyTypeObject*>(s->buffer_type);
  PyObject* obj = type->tp_alloc(type, 0);
  if (obj == nullptr) {
    pool->release(h);
    return nullptr;
  }
  reinterpret_cast<BufferObject*>(obj)->state = new BufferState{std::move(pool), h, true, 0};
  return obj;
}

BufferState* buffer_state(ModuleState* s, PyObject* obj) {
  if (!PyObject_TypeCheck(obj, reinterpret_cast<PyTypeObject*>(s->buffer_type))) return nullptr;
  return &bstate(obj);
}

}  // namespace interpbench::py
