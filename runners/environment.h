#pragma once
// What the machine, the OS, the Python and interpbench were when a run was made (the JSON's
// "environment" and Google Benchmark "context"), and pyperf-style warnings about it.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace interpbench {

// Reads /proc, /sys, uname and runs `python_executable` once (with a timeout) for its version and
// build flags. Never throws for a missing source: absent facts are null, a Python that can't be
// queried gives python.error. Keys: docs/json-schema.md, "environment".
nlohmann::json collect_environment(const std::string& python_executable);

// The commit checked out in `source_dir` (a clone or a git worktree), read from its .git without
// running git; null when it can't be told.
nlohmann::json git_commit_of(const std::filesystem::path& source_dir);

// "--enable-shared, release, no PGO, no LTO, GIL": the build of the environment's `python`
// section in one line (from shared, debug, pgo, lto, gil_disabled; "?" where a fact is absent).
std::string python_build_flags(const nlohmann::json& python);

// Warnings about conditions that make timings unreliable, each ending with a suggested fix:
// CPU governor not "performance", high load average, virtual machine, fewer CPUs than
// `max_workers`, a debug build of interpbench or of Python. Works on any env json (missing keys
// are skipped), so it can be tested with synthetic input.
std::vector<std::string> environment_warnings(const nlohmann::json& env, int max_workers);

}  // namespace interpbench
