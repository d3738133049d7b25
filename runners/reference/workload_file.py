"""Loading a workload file and naming an exception: one line each, as the C++ rows say them."""
import importlib.util
import os
import sys


class BadInput(Exception):
    """Bad command line or workload file: one line on stderr, exit 2."""



def load_workload(path):
    """Imports the workload file as a module named after its stem (as the C++ backends do)."""
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise BadInput(f"cannot import workload '{path}'")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module



def describe_exception(exc):
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
