#include "runners/environment.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

extern char** environ;

#ifndef INTERPBENCH_VERSION
#define INTERPBENCH_VERSION "0.1.0"
#endif
#ifndef INTERPBENCH_SOURCE_DIR
#define INTERPBENCH_SOURCE_DIR ""
#endif

namespace interpbench {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trim(std::string s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// Runs argv (no shell) and returns its stdout, or nullopt when it can't be started, fails, or
// exceeds the timeout (then it is killed and reaped: nothing outlives this call).
std::optional<std::string> run_capture(const std::vector<std::string>& argv,
                                       std::chrono::milliseconds timeout) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return std::nullopt;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string out;
  bool timed_out = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    const int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;  // timeout is handled at the top of the loop
    char buf[4096];
    const ssize_t got = read(fds[0], buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the child closed stdout
    out.append(buf, static_cast<std::size_t>(got));
  }
  close(fds[0]);
  int status = 0;
  // After EOF the child is exiting; give it until the deadline, then kill it.
  while (!timed_out) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) return WIFEXITED(status) ? std::optional(out) : std::nullopt;
    if (w < 0 && errno != EINTR) return std::nullopt;
    if (std::chrono::steady_clock::now() >= deadline) timed_out = true;
    else std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return std::nullopt;
}

std::string iso8601_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
  std::string s = buf;  // ...+0000 -> ...+00:00 (ISO 8601 extended, as Google Benchmark writes)
  if (s.size() > 2) s.insert(s.size() - 2, ":");
  return s;
}

// "32K" -> 32768, "8M" -> 8388608.
long long parse_cache_size(const std::string& text) {
  const std::string s = trim(text);
  if (s.empty()) return 0;
  long long v = std::atoll(s.c_str());
  switch (s.back()) {
    case 'K': return v * 1024;
    case 'M': return v * 1024 * 1024;
    case 'G': return v * 1024 * 1024 * 1024;
    default: return v;
  }
}

// "0-1,4" -> 3
int count_cpu_list(const std::string& text) {
  int count = 0;
  std::stringstream ss(trim(text));
  std::string part;
  while (std::getline(ss, part, ',')) {
    const auto dash = part.find('-');
    if (dash == std::string::npos) {
      if (!part.empty()) ++count;
    } else {
      count += std::atoi(part.c_str() + dash + 1) - std::atoi(part.c_str()) + 1;
    }
  }
  return count;
}

json collect_caches() {
  json caches = json::array();
  const fs::path base = "/sys/devices/system/cpu/cpu0/cache";
  for (int i = 0; i < 16; ++i) {
    const fs::path dir = base / fmt::format("index{}", i);
    const auto type = read_file(dir / "type");
    if (!type) break;
    json c;
    c["type"] = trim(*type);
    c["level"] = std::atoi(read_file(dir / "level").value_or("0").c_str());
    c["size"] = parse_cache_size(read_file(dir / "size").value_or("0"));
    c["num_sharing"] = count_cpu_list(read_file(dir / "shared_cpu_list").value_or("0"));
    caches.push_back(std::move(c));
  }
  return caches;
}

std::string cpuinfo_field(const std::string& cpuinfo, const std::string& key) {
  std::stringstream ss(cpuinfo);
  std::string line;
  while (std::getline(ss, line)) {
    if (line.rfind(key, 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon != std::string::npos && trim(line.substr(0, colon)) == key)
      return trim(line.substr(colon + 1));
  }
  return "";
}

json collect_python(const std::string& python_executable) {
  json py;
  py["executable"] = python_executable;
  // -I: ignore the user's environment and site-packages; we only ask about the build.
  // PGO and LTO are visible only as configure's flags (CONFIG_ARGS) or the compiler flags it
  // recorded; a distribution that applies them outside configure reads false here. null: the
  // build recorded no CONFIG_ARGS at all, so nothing can be said.
  static const char* kScript =
      "import sys, sysconfig, platform, json\n"
      "cv = sysconfig.get_config_var\n"
      "args = cv('CONFIG_ARGS')\n"
      "flags = ' '.join(str(cv(k) or '') for k in ('PY_CFLAGS', 'PY_CFLAGS_NODIST', "
      "'PY_LDFLAGS_NODIST', 'CONFIGURE_CFLAGS_NODIST', 'CONFIGURE_LDFLAGS_NODIST'))\n"
      "def seen(option, flag):\n"
      "    return True if option in (args or '') or flag in flags.split() or "
      "any(f.startswith(flag + '=') for f in flags.split()) else (False if args is not None else None)\n"
      "print(json.dumps({'version': sys.version, "
      "'version_info': '%d.%d.%d' % sys.version_info[:3], "
      "'implementation': platform.python_implementation(), "
      "'abiflags': getattr(sys, 'abiflags', ''), "
      "'config_args': args or '', "
      "'gil_disabled': bool(cv('Py_GIL_DISABLED')), "
      "'per_interpreter_gil': sys.version_info >= (3, 12), "
      "'debug': bool(cv('Py_DEBUG')) or hasattr(sys, 'gettotalrefcount'), "
      "'shared': bool(cv('Py_ENABLE_SHARED')), "
      "'pgo': seen('--enable-optimizations', '-fprofile-use'), "
      "'lto': seen('--with-lto', '-flto')}))\n";
  const auto out = run_capture({python_executable, "-I", "-c", kScript}, std::chrono::seconds(10));
  json parsed = out ? json::parse(*out, nullptr, false) : json();
  if (!parsed.is_object()) {
    py["error"] = fmt::format("cannot query python '{}'", python_executable);
    return py;
  }
  py.update(parsed);
  py["build_flags"] = python_build_flags(py);
  py["error"] = nullptr;
  return py;
}

}  // namespace

// The commit of the source tree, read from .git without running git. In a worktree (or a
// submodule) .git is a file "gitdir: PATH"; HEAD is there, the refs may be in its commondir.
json git_commit_of(const fs::path& source_dir) {
  fs::path git = source_dir / ".git";
  if (const auto link = read_file(git); link && link->rfind("gitdir: ", 0) == 0) {
    const fs::path target = trim(link->substr(8));
    git = target.is_absolute() ? target : source_dir / target;
  }
  const auto head = read_file(git / "HEAD");
  if (!head) return nullptr;
  std::string h = trim(*head);
  if (h.rfind("ref: ", 0) != 0) return h;
  const std::string ref = h.substr(5);
  std::vector<fs::path> dirs = {git};
  if (const auto common = read_file(git / "commondir")) {
    const fs::path c = trim(*common);
    dirs.push_back(c.is_absolute() ? c : git / c);
  }
  for (const auto& dir : dirs) {
    if (const auto loose = read_file(dir / ref)) return trim(*loose);
    if (const auto packed = read_file(dir / "packed-refs")) {
      std::stringstream ss(*packed);
      std::string line;
      while (std::getline(ss, line))
        if (line.size() > 41 && line.substr(41) == ref) return line.substr(0, 40);
    }
  }
  return nullptr;
}

namespace {

json collect_virtualization(const std::string& cpuinfo) {
  json v;
  const std::string flags = " " + cpuinfo_field(cpuinfo, "flags") + " ";
  v["hypervisor_flag"] = flags.find(" hypervisor ") != std::string::npos;
  v["what"] = nullptr;       // the hypervisor, "none", or null when unknown
  v["container"] = nullptr;  // e.g. "docker": not a timing problem by itself, but worth knowing
  for (const char* tool : {"/usr/bin/systemd-detect-virt", "/bin/systemd-detect-virt"}) {
    if (access(tool, X_OK) != 0) continue;
    // Prints "none" (and exits 1) when there is nothing; run_capture accepts any exit code.
    if (const auto out = run_capture({tool, "--vm"}, std::chrono::seconds(5)))
      v["what"] = trim(*out);
    if (const auto out = run_capture({tool, "--container"}, std::chrono::seconds(5)))
      v["container"] = trim(*out);
    break;
  }
  const bool tool_says = v["what"].is_string() && v["what"] != "none" && v["what"] != "";
  v["detected"] = tool_says || v["hypervisor_flag"].get<bool>();
  return v;
}

}  // namespace

std::string python_build_flags(const json& py) {
  auto flag = [&](const char* key) -> std::optional<bool> {
    if (!py.is_object() || !py.contains(key) || !py[key].is_boolean()) return std::nullopt;
    return py[key].get<bool>();
  };
  auto said = [&](const char* key, const char* yes, const char* no, const char* unknown) {
    const auto v = flag(key);
    return std::string(!v ? unknown : *v ? yes : no);
  };
  return fmt::format("{}, {}, {}, {}, {}",
                     said("shared", "--enable-shared", "static libpython", "libpython ?"),
                     said("debug", "debug (--with-pydebug)", "release", "debug ?"),
                     said("pgo", "PGO (--enable-optimizations)", "no PGO", "PGO not visible"),
                     said("lto", "LTO (--with-lto)", "no LTO", "LTO not visible"),
                     said("gil_disabled", "free-threaded (no GIL)", "GIL", "GIL ?"));
}

json collect_environment(const std::string& python_executable) {
  json env;
  env["date"] = iso8601_now();
  utsname u{};
  uname(&u);
  env["host_name"] = u.nodename;
  env["kernel"] = {{"sysname", u.sysname}, {"release", u.release}, {"version", u.version},
                   {"machine", u.machine}};
  std::error_code ec;
  const auto exe = fs::read_symlink("/proc/self/exe", ec);
  env["executable"] = ec ? "" : exe.string();

  const std::string cpuinfo = read_file("/proc/cpuinfo").value_or("");
  const std::string model = cpuinfo_field(cpuinfo, "model name");
  env["cpu_model"] = model.empty() ? json(nullptr) : json(model);
  env["num_cpus"] = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  // Like Google Benchmark: the nominal maximum if cpufreq says so, else /proc/cpuinfo's current.
  double mhz = 0;
  if (const auto khz = read_file("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq"))
    mhz = std::atof(khz->c_str()) / 1000.0;
  if (mhz <= 0) mhz = std::atof(cpuinfo_field(cpuinfo, "cpu MHz").c_str());
  env["mhz_per_cpu"] = static_cast<long long>(mhz + 0.5);
  env["caches"] = collect_caches();

  json load = json::array();
  if (const auto la = read_file("/proc/loadavg")) {
    std::stringstream ss(*la);
    for (int i = 0; i < 3; ++i) {
      double v = 0;
      if (ss >> v) load.push_back(v);
    }
  }
  env["load_avg"] = load;
  const auto governor = read_file("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
  env["cpu_governor"] = governor ? json(trim(*governor)) : json(nullptr);
  env["virtualization"] = collect_virtualization(cpuinfo);
  env["python"] = collect_python(python_executable);
#ifdef NDEBUG
  const char* build_type = "release";
#else
  const char* build_type = "debug";
#endif
  env["interpbench"] = {{"version", INTERPBENCH_VERSION},
                        {"build_type", build_type},
                        {"compiler", __VERSION__},
                        {"git_commit", git_commit_of(INTERPBENCH_SOURCE_DIR)}};
  return env;
}

std::vector<std::string> environment_warnings(const json& env, int max_workers) {
  std::vector<std::string> w;
  const int cpus = env.value("num_cpus", 0);
  if (env.contains("cpu_governor") && env["cpu_governor"].is_string() &&
      env["cpu_governor"] != "performance") {
    w.push_back(fmt::format(
        "CPU frequency governor is '{}', not 'performance': the clock speed changes under load "
        "and timings drift; fix: sudo cpupower frequency-set -g performance",
        env["cpu_governor"].get<std::string>()));
  }
  if (env.contains("load_avg") && env["load_avg"].is_array() && !env["load_avg"].empty() &&
      cpus > 0) {
    const double load1 = env["load_avg"][0].get<double>();
    // pyperf's spirit: anything else running steals cycles; half the cores busy is already a lot.
    if (load1 > 0.5 * cpus) {
      w.push_back(fmt::format(
          "load average {:.2f} on {} CPUs: other processes compete with the benchmark; fix: stop "
          "other jobs and rerun on an idle machine",
          load1, cpus));
    }
  }
  if (env.contains("virtualization") && env["virtualization"].value("detected", false)) {
    const json& what = env["virtualization"]["what"];
    w.push_back(fmt::format(
        "running in a virtual machine{}: timings are noisier and scaling is limited by the host; "
        "fix: use more --rounds, or bare metal for figures you publish",
        what.is_string() && what != "none" ? " (" + what.get<std::string>() + ")" : ""));
  }
  if (cpus > 0 && max_workers > cpus) {
    w.push_back(fmt::format(
        "up to {} workers on {} CPUs: workers beyond the CPU count time-share cores, so those "
        "figures measure oversubscription; fix: --workers at most {} or a machine with more CPUs",
        max_workers, cpus, cpus));
  }
  if (env.contains("interpbench") && env["interpbench"].value("build_type", "") == "debug") {
    w.push_back(
        "interpbench is a debug build: the C++ side is unoptimized; fix: rebuild with "
        "scripts/build (Release) or -DCMAKE_BUILD_TYPE=Release");
  }
  if (env.contains("python") && env["python"].is_object() &&
      !env["python"].value("per_interpreter_gil", true)) {
    w.push_back(fmt::format(
        "Python {} has no per-interpreter GIL (PEP 684): the subinterp row's subinterpreters "
        "share one GIL, so its figures are not those of own-GIL subinterpreters; fix: use Python "
        ">= 3.12 for those (INTERPBENCH_PYTHON=/path/to/python3.13 scripts/build)",
        env["python"].value("version_info", std::string("< 3.12"))));
  }
  if (env.contains("python") && env["python"].is_object() && env["python"].value("debug", false)) {
    w.push_back(
        "Python is a debug build (Py_DEBUG): the interpreter is several times slower; fix: use a "
        "release build of CPython (INTERPBENCH_PYTHON=/path/to/python3)");
  }
  return w;
}

}  // namespace interpbench
