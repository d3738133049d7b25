// The embedding layer and the _interpbench module: PyRef ownership, GIL guards, subinterpreter
// isolation and GIL mode, exception text, and the Channel/Buffer types as Python code sees them.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "backends/heap_buffer_pool.h"
#include "backends/inproc_channel.h"
#include "backends/python/embed.h"
#include "backends/python/module.h"
#include "backends/python/worker_runner.h"
#include "tests/python_test_env.h"

namespace interpbench {
namespace {

using py::GilAcquire;
using py::PyRef;

// Runs `code` in `globals`; throws PythonError on an exception.
void run(const std::string& code, PyObject* globals) {
  PyRef r = PyRef::checked(PyRun_String(code.c_str(), Py_file_input, globals, globals));
}

PyRef new_globals() {
  PyRef g = PyRef::checked(PyDict_New());
  PyDict_SetItemString(g.get(), "__builtins__", PyEval_GetBuiltins());
  return g;
}

std::string str_of(PyObject* globals, const char* name) {
  PyObject* v = PyDict_GetItemString(globals, name);  // borrowed
  if (v == nullptr || !PyUnicode_Check(v)) return "<missing>";
  return PyUnicode_AsUTF8(v);
}

TEST(PyRefTest, MoveLeavesSourceEmptyAndKeepsOneReference) {
  GilAcquire gil;
  PyRef a = PyRef::steal(PyList_New(0));
  Py_ssize_t before = Py_REFCNT(a.get());
  PyRef b = std::move(a);
  EXPECT_FALSE(a);
  ASSERT_TRUE(b);
  EXPECT_EQ(Py_REFCNT(b.get()), before);
  PyRef c;
  c = std::move(b);
  EXPECT_FALSE(b);
  EXPECT_EQ(Py_REFCNT(c.get()), before);
}

TEST(PyRefTest, BorrowAddsAReferenceAndDestructorDropsIt) {
  GilAcquire gil;
  PyRef owner = PyRef::steal(PyList_New(0));
  Py_ssize_t before = Py_REFCNT(owner.get());
  {
    PyRef borrowed = PyRef::borrow(owner.get());
    EXPECT_EQ(Py_REFCNT(owner.get()), before + 1);
  }
  EXPECT_EQ(Py_REFCNT(owner.get()), before);
  PyObject* raw = owner.release();
  EXPECT_FALSE(owner);
  Py_DECREF(raw);
}

TEST(PyRefTest, CheckedThrowsThePendingPythonError) {
  GilAcquire gil;
  EXPECT_THROW(PyRef::checked(PyImport_ImportModule("no_such_module_interpbench")),
               py::PythonError);
  EXPECT_FALSE(PyErr_Occurred());
}

TEST(GilTest, ReleaseLetsAnotherThreadTakeTheGil) {
  GilAcquire gil;
  EXPECT_TRUE(PyGILState_Check());
  PyRef globals = new_globals();
  {
    py::GilRelease released;
    std::thread other([&] {
      GilAcquire inner;
      run("value = 'set by another thread'", globals.get());
    });
    other.join();  // would deadlock if the GIL were still held here
  }
  EXPECT_TRUE(PyGILState_Check());
  EXPECT_EQ(str_of(globals.get(), "value"), "set by another thread");
}

TEST(GilTest, AcquireIsReentrant) {
  GilAcquire outer;
  {
    GilAcquire inner;
    EXPECT_TRUE(PyGILState_Check());
  }
  EXPECT_TRUE(PyGILState_Check());
}

TEST(ErrorTextTest, OneLineTypeAndMessagePlusTraceback) {
  GilAcquire gil;
  PyRef globals = new_globals();
  try {
    run("def f():\n    raise ValueError('boom')\nf()\n", globals.get());
    FAIL() << "no exception";
  } catch (const py::PythonError& e) {
    EXPECT_STREQ(e.what(), "ValueError: boom");
    EXPECT_NE(e.traceback.find("Traceback"), std::string::npos) << e.traceback;
    EXPECT_NE(e.traceback.find("in f"), std::string::npos) << e.traceback;
  }
  EXPECT_FALSE(PyErr_Occurred());
}

TEST(ErrorTextTest, EmptyMessageGivesTheTypeAlone) {
  GilAcquire gil;
  PyErr_SetNone(PyExc_RuntimeError);
  EXPECT_EQ(py::fetch_error_text().line, "RuntimeError");
}

TEST(ErrorTextTest, MultiLineMessageKeepsItsFirstLine) {
  GilAcquire gil;
  PyErr_SetString(PyExc_KeyError, "first\nsecond");
  EXPECT_EQ(py::fetch_error_text().line, "KeyError: 'first\\nsecond'");  // KeyError repr()s
  PyErr_SetString(PyExc_OSError, "first\nsecond");
  EXPECT_EQ(py::fetch_error_text().line, "OSError: first");
}

TEST(ModuleTest, MainInterpreterSeesTheModuleAndItsExceptionHierarchy) {
  GilAcquire gil;
  PyRef globals = new_globals();
  run("import _interpbench as m\n"
      "ok = (issubclass(m.EndOfStream, EOFError) and issubclass(m.ChannelClosedError, BrokenPipeError)"
      " and issubclass(m.ChannelTimeout, TimeoutError))\n"
      "gil = m.gil_mode()\n"
      "try:\n"
      "    m.channel()\n"
      "    unbound = 'no error'\n"
      "except RuntimeError as e:\n"
      "    unbound = 'RuntimeError'\n",
      globals.get());
  EXPECT_EQ(PyDict_GetItemString(globals.get(), "ok"), Py_True);
  EXPECT_EQ(str_of(globals.get(), "gil"), "main");
  EXPECT_EQ(str_of(globals.get(), "unbound"), "RuntimeError");
}

// A driver Channel and a worker Channel over one in-process pair, as Python objects.
struct ChannelFixture {
  ChannelPair pair = make_inproc_channel_pair(512);
  std::shared_ptr<HeapBufferPool> pool = std::make_shared<HeapBufferPool>();
  PyRef globals = new_globals();
  ChannelFixture() {
    PyRef d = py::make_driver_channel(pair, pool, 0, 1, /*gil_shared_with_peer=*/false);
    PyRef w = py::make_worker_channel(py::WorkerBinding{pair, pool, 0, 1});
    PyDict_SetItemString(globals.get(), "d", d.get());
    PyDict_SetItemString(globals.get(), "w", w.get());
  }
};

bool flag(PyObject* globals, const char* name) {
  return PyDict_GetItemString(globals, name) == Py_True;
}

TEST(ChannelTypeTest, MessagesLargerThanTheRingArriveWhole) {
  GilAcquire gil;
  ChannelFixture f;
  run("import threading\n"
      "got = []\n"
      "t = threading.Thread(target=lambda: got.append(w.recv(timeout=30)))\n"
      "t.start()\n"
      "msg = bytes(range(256)) * 40\n"  // 10240 bytes through a 512-byte ring
      "d.send(msg, timeout=30)\n"
      "t.join(30)\n"
      "ok = got == [msg]\n",
      f.globals.get());
  EXPECT_TRUE(flag(f.globals.get(), "ok"));
}

// The send side of ADirectionBlockedInOneThreadIsRefusedToAnother: a send waiting (without the
// GIL) on a full ring holds its direction, so a second thread's try_send is refused with
// RuntimeError; the waiting send completes once the ring drains.
TEST(ChannelTypeTest, ASendWaitingOnAFullRingHoldsItsDirection) {
  GilAcquire gil;
  ChannelFixture f;  // 512 bytes: four 100-byte messages fill it
  run("import threading, time\n"
      "filled = 0\n"
      "while d.try_send(b'x' * 100):\n"
      "    filled += 1\n"
      "sent, send_errors = [], []\n"
      "s = threading.Thread(target=lambda: sent.append(d.send(b'y' * 100, timeout=30)))\n"
      "s.start()\n"
      "give_up = time.monotonic() + 10\n"
      "while not send_errors and time.monotonic() < give_up:\n"
      "    try:\n"
      "        d.try_send(b'z')\n"
      "        time.sleep(0.001)\n"
      "    except RuntimeError as e:\n"
      "        send_errors.append(str(e))\n"
      "for _ in range(filled):\n"
      "    w.recv(timeout=30)\n"
      "s.join(30)\n"
      "send_ok = (filled > 0 and bool(send_errors) and 'two threads' in send_errors[0]\n"
      "           and sent == [None] and w.recv(timeout=30) == b'y' * 100)\n",
      f.globals.get());
  EXPECT_TRUE(flag(f.globals.get(), "send_ok"));
}

// Both ends in one interpreter (the thread backend's case): bytes of 64 KiB or more arrive as the
// object that was sent, smaller ones and other buffers as copies, all in the order sent; a send
// that fails (timeout on a full ring) leaves no reference behind.
TEST(ChannelTypeTest, LargeBytesPassByReferenceWithinOneInterpreter) {
  GilAcquire gil;
  ChannelFixture f;  // a 512-byte ring: the markers (24 bytes) fit, a 64 KiB copy streams
  run("import sys, threading\n"
      "big = bytes(range(256)) * 256\n"  // 64 KiB
      "small = b'x' * 100\n"
      "arr = bytearray(big)\n"
      "got = []\n"
      "def reader():\n"
      "    for _ in range(4):\n"
      "        got.append(w.recv(timeout=30))\n"
      "t = threading.Thread(target=reader)\n"
      "t.start()\n"
      "for m in (big, small, arr, big):\n"
      "    d.send(m, timeout=30)\n"
      "t.join(30)\n"
      "same = got[0] is big and got[3] is big\n"
      "copies = got[1] == small and got[1] is not small and got[2] == bytes(arr) and type(got[2]) is bytes\n"
      "got.clear()\n"
      "# A full ring: the marker's send times out, and the object's count is as before.\n"
      "before = sys.getrefcount(big)\n"
      "while d.try_send(b'f' * 40):\n"
      "    pass\n"
      "try:\n"
      "    d.send(big, timeout=0.05)\n"
      "    timed_out = False\n"
      "except TimeoutError:\n"
      "    timed_out = True\n"
      "no_leak = sys.getrefcount(big) == before\n",
      f.globals.get());
  EXPECT_TRUE(flag(f.globals.get(), "same"));
  EXPECT_TRUE(flag(f.globals.get(), "copies"));
  EXPECT_TRUE(flag(f.globals.get(), "timed_out"));
  EXPECT_TRUE(flag(f.globals.get(), "no_leak"));
}

// Until the receiving end's Channel exists in the sender's interpreter, a large message is copied:
// what the ring carries is the message itself, not a marker.
TEST(ChannelTypeTest, LargeBytesAreCopiedWhileNoReceiverOfThisInterpreterIsKnown) {
  GilAcquire gil;
  ChannelPair pair = make_inproc_channel_pair(1 << 20);
  auto pool = std::make_shared<HeapBufferPool>();
  PyRef globals = new_globals();
  PyRef d = py::make_driver_channel(pair, pool, 0, 1, /*gil_shared_with_peer=*/false);
  PyDict_SetItemString(globals.get(), "d", d.get());
  run("d.send(bytes(range(256)) * 512, timeout=5)\n", globals.get());
  std::vector<std::byte> got;
  const auto n = pair.to_worker->recv_into(
      [&](std::size_t size) {
        got.resize(size);
        return got.data();
      },
      Deadline::after(std::chrono::seconds(5)));
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 128u * 1024u);
  EXPECT_EQ(got[255], std::byte{255});
}

// A receive blocked without the GIL holds its direction: a second thread's recv or try_recv on
// it is refused (RuntimeError), while the other direction stays free; once the blocked call
// returns, the direction is free again.
TEST(ChannelTypeTest, ADirectionBlockedInOneThreadIsRefusedToAnother) {
  GilAcquire gil;
  ChannelFixture f;
  run("import threading, time\n"
      "got = []\n"
      "t = threading.Thread(target=lambda: got.append(w.recv(timeout=30)))\n"
      "t.start()\n"
      // Probe with try_recv only: it never blocks, so it never takes the direction from t.
      "deadline = time.monotonic() + 10\n"
      "refused_try = refused_recv = False\n"
      "while time.monotonic() < deadline and not refused_try:\n"
      "    time.sleep(0.01)\n"
      "    try:\n"
      "        w.try_recv()\n"
      "    except RuntimeError:\n"
      "        refused_try = True\n"
      "try:\n"
      "    w.recv(timeout=0.01)\n"
      "except RuntimeError:\n"
      "    refused_recv = True\n"
      "except TimeoutError:\n"
      "    pass\n"
      "other_free = w.try_send(b'up') is True and d.try_recv() == b'up'\n"
      "d.send(b'x', timeout=5)\n"
      "t.join(30)\n"
      "free_again = w.try_recv() is None\n"
      "ok = got == [b'x'] and refused_try and refused_recv\n",
      f.globals.get());
  EXPECT_TRUE(flag(f.globals.get(), "ok"));
  EXPECT_TRUE(flag(f.globals.get(), "other_free"));
  EXPECT_TRUE(flag(f.globals.get(), "free_again"));
}

TEST(ChannelTypeTest, NonBlockingCallsAndTimeouts) {
  GilAcquire gil;
  ChannelFixture f;
  run("empty = w.try_recv() is None\n"
      "sent = d.try_send(memoryview(b'abc'))\n"
      "got = w.try_recv() == b'abc'\n"
      "try:\n"
      "    w.recv(timeout=0)\n"
      "    timed_out = False\n"
      "except TimeoutError:\n"
      "    timed_out = True\n"
      "ids = (d.worker_id, d.worker_count, w.worker_id, w.worker_count) == (0, 1, 0, 1)\n",
      f.globals.get());
  EXPECT_TRUE(flag(f.globals.get(), "empty"));
  EXPECT_TRUE(flag(f.globals.get(), "sent"));
  EXPECT_TRUE(flag(f.globals.get(), "got"));
  EXPECT_TRUE(flag(f.globals.get(), "timed_out"));
  EXPECT_TRUE(flag(f.globals.get(), "ids"));
}

TEST(ChannelTypeTest, SendAndRecvTakeArgumentsByPositionOrKeyword) {
  GilAcquire gil;
  ChannelFixture f;
  run("d.send(b'a')\n"
      "d.send(buffer=bytearray(b'b'), timeout=5)\n"  // not bytes: the buffer protocol path
      "d.send(memoryview(b'c'), 5)\n"
      "got = [w.recv(), w.recv(5), w.recv(timeout=5)] == [b'a', b'b', b'c']\n"
      "errors = []\n"
      "for call in (lambda: d.send(), lambda: d.send(b'x', bogus=1),\n"
      "             lambda: d.send(b'x', 1, timeout=2), lambda: d.send(b'x', 1, 2),\n"
      "             lambda: w.recv(1, 2), lambda: w.recv(nope=1), lambda: d.send(42)):\n"
      "    try:\n"
      "        call()\n"
      "        errors.append(None)\n"
      "    except TypeError as e:\n"
      "        errors.append(str(e))\n"
      "all_refused = None not in errors\n"
      "named = ('send() missing required argument' in errors[0]\n"
      "         and \"unexpected keyword argument 'bogus'\" in errors[1]\n"
      "         and \"multiple values for argument 'timeout'\" in errors[2])\n"
      "nothing_sent = w.try_recv() is None\n",
      f.globals.get());
  EXPECT_TRUE(flag(f.globals.get(), "got"));
  EXPECT_TRUE(flag(f.globals.get(), "all_refused"));
  EXPECT_TRUE(flag(f.globals.get(), "named"));
  EXPECT_TRUE(flag(f.globals.get(), "nothing_sent"));
}

TEST(ChannelTypeTest, CloseDrainsThenEndOfStreamAndSendFails) {
  GilAcquire gil;
  ChannelFixture f;
  run("import _interpbench\n"
      "d.send(b'last')\n"
      "d.close()\n"
      "drained = w.recv(timeout=5) == b'last'\n"
      "try:\n"
      "    w.recv(timeout=5)\n"
      "    eof = False\n"
      "except _interpbench.EndOfStream:\n"
      "    eof = True\n"
      "try:\n"
      "    d.send(b'x')\n"
      "    broken = False\n"
      "except BrokenPipeError:\n"
      "    broken = True\n"
      "w.send(b'other direction still open')\n"
      "other = d.recv(timeout=5) == b'other direction still open'\n",
      f.globals.get());
  EXPECT_TRUE(flag(f.globals.get(), "drained"));
  EXPECT_TRUE(flag(f.globals.get(), "eof"));
  EXPECT_TRUE(flag(f.globals.get(), "broken"));
  EXPECT_TRUE(flag(f.globals.get(), "other"));
}

TEST(ChannelTypeTest, HandoffMovesPoolBuffersAndReleasesThem) {
  GilAcquire gil;
  ChannelFixture f;
  run("b = d.alloc(8)\n"
      "memoryview(b)[:] = b'abcdefgh'\n"
      "v = memoryview(b)\n"
      "try:\n"
      "    d.send_buffer(b)\n"
      "    refused_with_view = False\n"
      "except BufferError:\n"
      "    refused_with_view = True\n"
      "v.release()\n"
      "d.send_buffer(b)\n"
      "r = w.recv_buffer(timeout=5)\n"
      "same = bytes(memoryview(r)) == b'abcdefgh' and len(r) == 8\n"
      "try:\n"
      "    memoryview(b)\n"
      "    sender_locked_out = False\n"
      "except BufferError:\n"
      "    sender_locked_out = True\n",
      f.globals.get());
  EXPECT_TRUE(flag(f.globals.get(), "refused_with_view"));
  EXPECT_TRUE(flag(f.globals.get(), "same"));
  EXPECT_TRUE(flag(f.globals.get(), "sender_locked_out"));
  EXPECT_EQ(f.pool->outstanding(), 1);
  run("del r, b\n", f.globals.get());
  EXPECT_EQ(f.pool->outstanding(), 0);
}

TEST(ChannelTypeTest, OneDirectionRefusesASecondConcurrentSender) {
  GilAcquire gil;
  ChannelFixture f;
  run("import threading, time\n"
      "while d.try_send(b'fill'):\n"
      "    pass\n"
      "t = threading.Thread(target=lambda: d.send(b'blocked', timeout=30))\n"
      "t.start()\n"
      "refused = False\n"
      "for _ in range(5000):\n"  // until the thread is inside send (ring still full)
      "    try:\n"
      "        d.try_send(b'second')\n"
      "    except RuntimeError:\n"
      "        refused = True\n"
      "        break\n"
      "    time.sleep(0.001)\n"
      "while w.try_recv() is not None or t.is_alive():\n"
      "    time.sleep(0.001)\n"
      "t.join(30)\n",
      f.globals.get());
  EXPECT_TRUE(flag(f.globals.get(), "refused"));
}

// Runs `code` in the subinterpreter's __main__ and returns __main__.result as text.
std::string run_in(py::SubInterpreter& interp, const std::string& code) {
  py::SubInterpreter::Activate active(interp);
  PyObject* main_dict = PyModule_GetDict(PyImport_AddModule("__main__"));  // borrowed
  try {
    run(code, main_dict);
  } catch (const py::PythonError& e) {
    return std::string("error: ") + e.what();
  }
  return str_of(main_dict, "result");
}

TEST(SubInterpreterTest, ModuleGlobalsAreNotSharedBetweenInterpreters) {
  py::SubInterpreter a;
  py::SubInterpreter b;
  EXPECT_EQ(run_in(a, "import json\njson.marker = 'a'\nresult = str(hasattr(json, 'marker'))"),
            "True");
  EXPECT_EQ(run_in(b, "import json\nresult = str(hasattr(json, 'marker'))"), "False");
  EXPECT_EQ(run_in(b, "result = str('marker' in globals())"), "False");
  GilAcquire gil;  // nor does the main interpreter see it
  PyRef json = PyRef::checked(PyImport_ImportModule("json"));
  EXPECT_FALSE(PyObject_HasAttrString(json.get(), "marker"));
}

TEST(SubInterpreterTest, ReportsItsGilMode) {
  py::SubInterpreter own(py::GilMode::kOwn);
  py::SubInterpreter shared(py::GilMode::kShared);
  const std::string expected_own = py::kHasPerInterpreterGil ? "own" : "shared";
  EXPECT_EQ(own.gil_mode() == py::GilMode::kOwn ? "own" : "shared", expected_own);
  EXPECT_EQ(run_in(own, "import _interpbench\nresult = _interpbench.gil_mode()"), expected_own);
  EXPECT_EQ(run_in(shared, "import _interpbench\nresult = _interpbench.gil_mode()"), "shared");
#if PY_VERSION_HEX >= 0x030D0000
  // 3.13 exposes the interpreter's actual config: check it, not just what we recorded.
  const char* ask = "import _interpreters as i\nresult = i.get_config(i.get_current()[0]).gil";
  EXPECT_EQ(run_in(own, ask), "own");
  EXPECT_EQ(run_in(shared, ask), "shared");
#endif
}

TEST(SubInterpreterTest, CanBeCreatedAndRunOnManyThreadsAtOnce) {
  std::vector<std::string> results(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&results, i] {
      py::SubInterpreter interp;
      results[i] = run_in(interp, "result = str(sum(range(" + std::to_string(i + 1) + "000)))");
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < results.size(); ++i) {
    long n = static_cast<long>(i + 1) * 1000;
    EXPECT_EQ(results[i], std::to_string(n * (n - 1) / 2));
  }
}

TEST(SubInterpreterTest, StartsWithoutSiteWhichOnlyTheMainInterpreterImports) {
  {
    GilAcquire gil;
    EXPECT_NE(PyDict_GetItemString(PyImport_GetModuleDict(), "site"), nullptr);
  }
  py::SubInterpreter interp;
  EXPECT_EQ(run_in(interp, "import sys\nresult = str('site' in sys.modules)"), "False");
}

// The driver compiles the workload and marshals its params once; a worker interpreter then runs
// it with neither the source file, nor json, nor importlib.
TEST(SubInterpreterTest, PreparedWorkloadRunsWithoutReadingTheFileOrImportingJson) {
  const std::filesystem::path file = std::filesystem::path(INTERPBENCH_FIXTURES_DIR) / "echo.py";
  WorkloadRef ref{file, "prepared_echo", R"({"timeout": 2.5, "sizes": [8, 64]})"};
  {
    GilAcquire gil;
    PyRef module = py::import_workload(ref);
    PyRef params = py::load_params(ref.params_json);
    py::prepare_workload(module.get(), params.get(), ref);
  }
  ASSERT_TRUE(ref.code && ref.params_marshal);
  ref.file = std::filesystem::path(INTERPBENCH_FIXTURES_DIR) / "no_such_dir" / "echo.py";
  py::SubInterpreter interp;
  py::SubInterpreter::Activate active(interp);
  PyRef module = py::import_workload(ref);
  PyRef params = py::load_params(ref);
  PyObject* modules = PyImport_GetModuleDict();  // borrowed
  EXPECT_EQ(PyDict_GetItemString(modules, "prepared_echo"), module.get());
  EXPECT_TRUE(PyObject_HasAttrString(module.get(), "worker"));
  EXPECT_EQ(PyDict_GetItemString(modules, "json"), nullptr);
  EXPECT_EQ(PyDict_GetItemString(modules, "importlib.util"), nullptr);
  PyObject* timeout = PyDict_GetItemString(params.get(), "timeout");  // borrowed
  ASSERT_NE(timeout, nullptr);
  EXPECT_EQ(PyFloat_AsDouble(timeout), 2.5);
  module.reset();
  params.reset();
}

// IMPORT_SITE = True: the prepared workload says so, and its worker interpreter runs site first.
TEST(SubInterpreterTest, WorkloadThatAsksForSiteGetsItInItsWorkers) {
  const std::filesystem::path file = std::filesystem::path(INTERPBENCH_FIXTURES_DIR) / "wants_site.py";
  WorkloadRef ref{file, "wants_site", "{}"};
  {
    GilAcquire gil;
    PyRef module = py::import_workload(ref);
    PyRef params = py::load_params(ref.params_json);
    py::prepare_workload(module.get(), params.get(), ref);
  }
  EXPECT_TRUE(ref.import_site);
  py::SubInterpreter interp;
  py::SubInterpreter::Activate active(interp);
  PyRef module = py::import_workload(ref);
  PyRef seen = PyRef::checked(PyObject_GetAttrString(module.get(), "SITE_IN_WORKER"));
  EXPECT_EQ(seen.get(), Py_True);
  module.reset();
  seen.reset();
}

}  // namespace
}  // namespace interpbench
