#pragma once
// `_interpbench.Buffer`: one buffer-pool allocation exposed through the buffer protocol,
// released to its pool on dealloc unless it was handed over (Channel.send_buffer).
#include "backends/python/embed.h"

#include <memory>

#include "backends/buffer_pool.h"
#include "backends/python/module_state.h"

namespace interpbench::py {

struct BufferState {
  std::shared_ptr<BufferPool> pool;
  BufferPool::Handle handle{};
  bool owned = false;      // false once handed over by send_buffer
  Py_ssize_t exports = 0;  // live buffer-protocol views
};

// A new Buffer owning `h`; on failure `h` goes back to `pool` and null is returned (error set).
PyObject* new_buffer(ModuleState* s, std::shared_ptr<BufferPool> pool, BufferPool::Handle h);
// The state of `obj` when it is a Buffer of this module, else null (no error set).
BufferState* buffer_state(ModuleState* s, PyObject* obj);

}  // namespace interpbench::py
