#pragma once
// Arguments of METH_FASTCALL | METH_KEYWORDS methods (the hot Channel methods), parsed without
// building an argument tuple or keyword dict per call.
#include "backends/python/embed.h"

#include <cstddef>
#include <initializer_list>

namespace interpbench::py {

// `out` gets the parameters `names` in order (nullptr where not given), from positional `args`
// and keyword `kwnames`; the first `required` are required. False with TypeError set, as
// CPython words it, on too many, unknown, repeated or missing arguments. `fname` names the method.
bool fast_args(const char* fname, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
               std::initializer_list<const char*> names, std::size_t required, PyObject** out);

}  // namespace interpbench::py
