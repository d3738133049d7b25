#include "runners/workload_check.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "platform/run_captured.h"
#include "core/errors.h"
#include "core/utf8.h"

namespace interpbench {
namespace {

// argv[1] is the file. Prints one line and exits 3 when the file breaks the contract.
constexpr const char* kCheckScript = R"PY(
import ast, sys
path = sys.argv[1]
try:
    with open(path, "rb") as f:
        source = f.read()
    tree = ast.parse(source, path)
    compile(tree, path, "exec")
except SyntaxError as e:
    print(f"{type(e).__name__} at line {e.lineno}: {e.msg}")
    sys.exit(3)
except (OSError, ValueError) as e:
    print(f"cannot read it: {e}")
    sys.exit(3)
defined = set()
for node in tree.body:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        defined.add(node.name)
    elif isinstance(node, ast.Assign):
        defined.update(t.id for t in node.targets if isinstance(t, ast.Name))
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        defined.add(node.target.id)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        defined.update((a.asname or a.name).split(".")[0] for a in node.names)
missing = [name for name in ("driver", "worker", "TIMED") if name not in defined]
if missing:
    print("does not define " + ", ".join(missing) + " (see the workload contract in the README)")
    sys.exit(3)
)PY";

}  // namespace

void check_workload_file(const std::filesystem::path& file, const std::filesystem::path& python) {
  // The path goes into Python (its module name) and into the JSON report: both take UTF-8 only.
  if (!is_valid_utf8(file.string())) {
    throw BadInput(fmt::format("workload '{}': the path is not valid UTF-8; rename the file",
                               escape_invalid_utf8(file.string())));
  }
  // Its name is the workload's name in every table: no control characters there either.
  if (find_control_char(file.filename().string()) != std::string::npos) {
    throw BadInput(fmt::format("workload '{}': the file name contains a control character; rename the file",
                               escape_control_chars(file.string())));
  }
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    throw BadInput(fmt::format("cannot open workload '{}': No such file or directory", file.string()));
  }
  if (!std::filesystem::is_regular_file(file, ec)) {
    throw BadInput(fmt::format("cannot open workload '{}': not a regular file", file.string()));
  }
  if (std::ifstream probe(file); !probe) {
    throw BadInput(fmt::format("cannot open workload '{}': {}", file.string(), std::strerror(errno)));
  }
  if (file.extension() != ".py") {
    throw BadInput(fmt::format("workload '{}': expected a .py file", file.string()));
  }

  SpawnOptions spawn;
  spawn.executable = python;
  spawn.args = {"-I", "-c", kCheckScript, file.string()};
  spawn.stdout_mode = SpawnOptions::Output::kCapture;
  Captured check;
  try {
    check = run_captured(std::move(spawn), std::chrono::seconds(30));
  } catch (const std::system_error& e) {
    throw RunFailed(fmt::format("cannot run '{}' to check workload '{}': {}", python.string(),
                                file.string(), e.what()));
  }
  if (check.status.success()) return;
  if (check.status.signal == 0 && check.status.exit_code == 3) {
    throw BadInput(fmt::format("workload '{}': {}", file.string(), last_line(check.out)));
  }
  throw RunFailed(fmt::format("checking workload '{}' failed ({}): {}", file.string(),
                              check.status.describe(), last_line(check.stderr_tail)));
}

}  // namespace interpbench
