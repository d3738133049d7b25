// runners/child_result_check.h: the contract every child's result file is held to, in one place.
#include "runners/child_result_check.h"

#include <limits>

#include <gtest/gtest.h>

namespace interpbench {
namespace {

using nlohmann::json;

json good_result(const std::string& name = "pingpong/8") {
  return {{"name", name},       {"metric", "round_trip"}, {"unit", "ns"},
          {"timed", "a round trip"}, {"higher_is_better", false}, {"params", {{"size_bytes", 8}}},
          {"repetitions", {{1830, 1790}, {1800.5}}}};
}

json child_with(json results) {
  return {{"schema", "interpbench-child/1"}, {"row", "subinterp"}, {"notes", json::array()},
          {"results", std::move(results)}, {"error", nullptr}, {"skipped", nullptr}};
}

std::string check(json results) { return check_child_result(child_with(std::move(results))); }

TEST(ChildResultCheckTest, AWellFormedResultPasses) {
  EXPECT_EQ(check({good_result(), good_result("pingpong/1024")}), "");
  EXPECT_EQ(check(json::array()), "");
  json memory = good_result("memory/1");
  memory["metric"] = "memory_uss";
  memory["unit"] = "KiB";
  memory["repetitions"] = {{-12.5}};  // a delta against the host process
  EXPECT_EQ(check({memory}), "");
  json skipped = {{"skipped", "needs 3.13"}, {"results", json::array()}};
  EXPECT_EQ(check_child_result(skipped), "");
}

TEST(ChildResultCheckTest, EveryBreachIsNamed) {
  EXPECT_NE(check(json{1, 2, 3}).find("is a number, not a dict"), std::string::npos);
  EXPECT_NE(check({{{"name", "x"}}}).find("result 'x' has no 'metric'"), std::string::npos);
  EXPECT_NE(check("[]").find("not a list of result dicts"), std::string::npos);
  EXPECT_NE(check_child_result(json::array()).find("not an object"), std::string::npos);

  auto with = [](const char* key, json value) {
    json r = good_result();
    r[key] = std::move(value);
    return check({r});
  };
  EXPECT_NE(with("repetitions", json::array({json::array({"12", "13"})})).find("is a string, not a number"), std::string::npos);
  EXPECT_NE(with("repetitions", json::array()).find("repetitions is empty"), std::string::npos);
  EXPECT_NE(with("repetitions", {json::array()}).find("repetition 1 has no samples"), std::string::npos);
  EXPECT_NE(with("repetitions", {{1, -3}}).find("negative"), std::string::npos);
  EXPECT_NE(with("repetitions", {{1, std::numeric_limits<double>::infinity()}}).find("not finite"), std::string::npos);
  EXPECT_NE(with("repetitions", {{true}}).find("not a number"), std::string::npos);
  EXPECT_NE(with("repetitions", {{nullptr}}).find("not a number"), std::string::npos);
  EXPECT_NE(with("repetitions", 5).find("not a list"), std::string::npos);
  EXPECT_NE(with("unit", "furlongs").find("unknown unit 'furlongs'"), std::string::npos);
  EXPECT_NE(with("name", 7).find("'name' is a number"), std::string::npos);
  EXPECT_NE(with("name", "").find("'name' is empty"), std::string::npos);
  // Control characters are refused, and the message itself prints them escaped.
  EXPECT_EQ(with("name", "a\x1b[2Jb"), "result 'a\\x1b[2Jb': 'name' contains a control character");
  EXPECT_NE(with("metric", "round\ntrip").find("'metric' contains a control character"), std::string::npos);
  EXPECT_NE(with("name", "bell\x07").find("control character"), std::string::npos);
  EXPECT_NE(with("name", "c1\xc2\x9b").find("control character"), std::string::npos);
  EXPECT_EQ(with("name", "caf\xc3\xa9/8/round_trip"), "");  // non-ASCII letters are fine
  EXPECT_NE(with("params", "x").find("'params' is a string"), std::string::npos);
  EXPECT_NE(with("higher_is_better", "no").find("higher_is_better"), std::string::npos);
  EXPECT_NE(with("bytes_per_op", -1).find("bytes_per_op"), std::string::npos);
  EXPECT_NE(check({good_result(), good_result()}).find("used twice"), std::string::npos);

  json child = child_with(json::array());
  child["error"] = 3;
  EXPECT_NE(check_child_result(child).find("'error' is a number"), std::string::npos);
  child = child_with(json::array());
  child["notes"] = "one";
  EXPECT_NE(check_child_result(child).find("'notes' is a string"), std::string::npos);
}

}  // namespace
}  // namespace interpbench
