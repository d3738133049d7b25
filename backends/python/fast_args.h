#pragma once
// Arguments of METH_FASTCALL | METH_KEYWORDS methods (the hot Channel methods), parsed without
// building an argument tuple or keyword dict per call. Inline: it sits on every send/recv.
#include "backends/python/embed.h"

#include <cstddef>
#include <initializer_list>

namespace interpbench::py {

// `out` gets the parameters `names` in order (nullptr where not given), from positional `args`
// and keyword `kwnames`; the first `required` are required. False with TypeError set, as
// CPython words it, on too many, unknown, repeated or missing arguments. `fname` names the method.
inline bool fast_args(const char* fname, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames,
                       std::initializer_list<const char*> names, std::size_t required,
                       PyObject** out) {
  const auto n = static_cast<Py_ssize_t>(names.size());
  if (nargs > n) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %zd arguments (%zd given)", fname, n, nargs);
    return false;
  }
  for (Py_ssize_t i = 0; i < n; ++i) out[i] = i < nargs ? args[i] : nullptr;
  const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
  for (Py_ssize_t k = 0; k < nkw; ++k) {
    PyObject* key = PyTuple_GET_ITEM(kwnames, k);
    Py_ssize_t i = 0;
    for (const char* name : names) {
      if (PyUnicode_CompareWithASCIIString(key, name) == 0) break;
      ++i;
    }
    if (i == n) {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname, key);
      return false;
    }
    if (out[i] != nullptr) {
      PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%U'", fname, key);
      return false;
    }
    out[i] = args[nargs + k];
  }
  for (std::size_t i = 0; i < required; ++i) {
    if (out[i] == nullptr) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname,
                   names.begin()[i]);
      return false;
    }
  }
  return true;
}


}  // namespace interpbench::py
