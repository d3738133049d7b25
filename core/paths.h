#pragma once
// Where interpbench finds itself, its workloads, the reference-row runner and the Python it
// embeds. Files beside the executable win (<exe dir>/../workloads, as in a build tree inside the
// checkout or an install), else the source tree the binary was built from.
#include <filesystem>

namespace interpbench {

std::filesystem::path self_executable();    // /proc/self/exe
std::filesystem::path workloads_dir();      // workloads/*.py
std::filesystem::path reference_script();   // runners/reference (the package; python runs its __main__.py)
std::filesystem::path python_executable();  // the embedded Python's own executable

}  // namespace interpbench
