#include "platform/run_captured.h"

#include <utility>

namespace interpbench {

Captured run_captured(SpawnOptions spawn, std::chrono::milliseconds timeout) {
  ChildProcess child(std::move(spawn));
  Captured result;
  std::optional<ExitStatus> status = child.wait(Deadline::after(timeout));
  if (!status) {
    result.timed_out = true;
    status = child.kill_and_reap();
  }
  result.status = *status;
  result.out = child.captured_stdout();
  result.stderr_tail = child.stderr_tail();
  return result;
}

std::string last_line(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0) {
    const std::size_t start = text.rfind('\n', end - 1);
    const std::size_t begin = start == std::string_view::npos ? 0 : start + 1;
    std::string_view line = text.substr(begin, end - begin);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) return std::string(line);
    if (begin == 0) break;
    end = begin - 1;
  }
  return "";
}

}  // namespace interpbench
