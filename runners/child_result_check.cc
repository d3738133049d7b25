#include "runners/child_result_check.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "core/utf8.h"

namespace interpbench {
namespace {

using nlohmann::json;

constexpr std::string_view kUnits[] = {"ns", "KiB", "B/s", "items/s"};

std::string type_of(const json& j) { return j.type_name(); }

bool null_or_string(const json& child, const char* key) {
  return !child.contains(key) || child[key].is_null() || child[key].is_string();
}

// `name` as the message quotes it: the result's name, or its position when it has none.
std::string label(const json& r, std::size_t index) {
  if (r.is_object() && r.contains("name") && r["name"].is_string())
    return fmt::format("result '{}'", escape_control_chars(r["name"].get<std::string>()));
  return fmt::format("result {}", index + 1);
}

std::string check_samples(const json& r, const std::string& what) {
  if (!r.contains("repetitions")) return what + " has no repetitions";
  const json& reps = r["repetitions"];
  if (!reps.is_array()) return fmt::format("{}: repetitions is a {}, not a list of lists of samples", what, type_of(reps));
  if (reps.empty()) return what + ": repetitions is empty (one list of samples per repetition)";
  // Memory metrics are deltas against the host process (ctx.memory_scope "host"): they may dip below 0.
  const std::string metric = r["metric"].get<std::string>();
  const bool may_be_negative = metric.rfind("memory_", 0) == 0;
  for (std::size_t i = 0; i < reps.size(); ++i) {
    const json& rep = reps[i];
    if (!rep.is_array()) return fmt::format("{}: repetition {} is a {}, not a list of samples", what, i + 1, type_of(rep));
    if (rep.empty()) return fmt::format("{}: repetition {} has no samples", what, i + 1);
    for (std::size_t k = 0; k < rep.size(); ++k) {
      const json& s = rep[k];
      if (!s.is_number() || s.is_boolean()) {
        return fmt::format("{}: sample {} of repetition {} is a {}, not a number", what, k + 1, i + 1, type_of(s));
      }
      const double v = s.get<double>();
      if (!std::isfinite(v)) return fmt::format("{}: sample {} of repetition {} is not finite", what, k + 1, i + 1);
      if (v < 0 && !may_be_negative) {
        return fmt::format("{}: sample {} of repetition {} is negative ({})", what, k + 1, i + 1, v);
      }
    }
  }
  return "";
}

std::string check_result(const json& r, std::size_t index, std::set<std::string>& names) {
  const std::string what = label(r, index);
  if (!r.is_object()) return fmt::format("{} is a {}, not a dict", what, type_of(r));
  for (const char* key : {"name", "metric", "unit", "timed"}) {
    if (!r.contains(key)) return fmt::format("{} has no '{}'", what, key);
    if (!r[key].is_string()) return fmt::format("{}: '{}' is a {}, not a string", what, key, type_of(r[key]));
  }
  const std::string name = r["name"].get<std::string>();
  if (name.empty()) return fmt::format("{}: 'name' is empty", what);
  // Names go to terminals, tables, Markdown and CSV: no control characters (docs/design.md).
  for (const char* key : {"name", "metric"})
    if (find_control_char(r[key].get<std::string>()) != std::string::npos)
      return fmt::format("{}: '{}' contains a control character", what, key);
  if (!names.insert(name).second) return fmt::format("{}: the name is used twice", what);
  const std::string unit = r["unit"].get<std::string>();
  if (std::find(std::begin(kUnits), std::end(kUnits), unit) == std::end(kUnits)) {
    return fmt::format("{}: unknown unit '{}' (valid: ns, KiB, B/s, items/s)", what, unit);
  }
  if (!r.contains("params")) return fmt::format("{} has no 'params'", what);
  if (!r["params"].is_object()) return fmt::format("{}: 'params' is a {}, not a dict", what, type_of(r["params"]));
  if (r.contains("higher_is_better") && !r["higher_is_better"].is_boolean()) {
    return fmt::format("{}: 'higher_is_better' is a {}, not a bool", what, type_of(r["higher_is_better"]));
  }
  if (r.contains("bytes_per_op") && !r["bytes_per_op"].is_null()) {
    const json& b = r["bytes_per_op"];
    if (!b.is_number() || !std::isfinite(b.get<double>()) || b.get<double>() < 0) {
      return fmt::format("{}: 'bytes_per_op' is not a number >= 0", what);
    }
  }
  return check_samples(r, what);
}

}  // namespace

std::string check_child_result(const json& child) {
  if (!child.is_object()) return fmt::format("the result file holds a {}, not an object", type_of(child));
  for (const char* key : {"error", "skipped"}) {
    if (!null_or_string(child, key)) return fmt::format("'{}' is a {}, not a string", key, type_of(child[key]));
  }
  for (const char* key : {"notes", "worker_errors"}) {
    if (child.contains(key) && !child[key].is_null() && !child[key].is_array()) {
      return fmt::format("'{}' is a {}, not a list", key, type_of(child[key]));
    }
  }
  if (child.contains("notes") && child["notes"].is_array()) {
    for (const json& n : child["notes"])
      if (!n.is_string()) return fmt::format("a note is a {}, not a string", type_of(n));
  }
  if (!child.contains("results") || child["results"].is_null()) return "";
  const json& results = child["results"];
  if (!results.is_array()) {
    return fmt::format("driver() returned a {}, not a list of result dicts", type_of(results));
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (std::string bad = check_result(results[i], i, names); !bad.empty()) return bad;
  }
  return "";
}

}  // namespace interpbench
