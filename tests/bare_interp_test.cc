// The bare-interp baseline row: the same result shape as workloads/startup.py (names, units,
// repetitions x starts, params), every sample a positive time, and "skipped" elsewhere.
// run_bare_interp embeds CPython itself: one call per test binary.
#include "backends/python/bare_interp.h"

#include <gtest/gtest.h>

namespace interpbench {
namespace {

using nlohmann::json;

TEST(BareInterpTest, OtherWorkloadsAreSkippedWithoutStartingPython) {
  const json r = run_bare_interp("pingpong", json::object(), false);
  EXPECT_TRUE(r["skipped"].is_string());
  EXPECT_TRUE(r["results"].empty());
  EXPECT_EQ(r["kind"], "baseline");
}

TEST(BareInterpTest, TimesStartTeardownAndSiteLikeTheStartupWorkload) {
  const json params = {{"repetitions", 2}, {"iterations", 3}, {"warmup", 1}, {"timeout", 30.0}};
  const json r = run_bare_interp("startup", params, false);
  EXPECT_EQ(r["row"], "bare-interp");
  EXPECT_TRUE(r["error"].is_null());
  ASSERT_EQ(r["results"].size(), 3u) << r.dump();
  const std::vector<std::string> names = {"startup/start", "startup/teardown", "startup/site_import"};
  const std::vector<std::string> metrics = {"startup", "teardown", "site_import"};
  for (std::size_t i = 0; i < 3; ++i) {
    const json& res = r["results"][i];
    EXPECT_EQ(res["name"], names[i]);
    EXPECT_EQ(res["metric"], metrics[i]);
    EXPECT_EQ(res["unit"], "ns");
    EXPECT_EQ(res["params"], json({{"workers", 1}, {"starts", 3}}));
    ASSERT_EQ(res["repetitions"].size(), 2u);
    for (const json& rep : res["repetitions"]) {
      ASSERT_EQ(rep.size(), 3u);
      for (const json& ns : rep) EXPECT_GT(ns.get<long long>(), 0);
    }
  }
  EXPECT_NE(r["results"][0]["timed"].get<std::string>().find("Py_NewInterpreterFromConfig"),
            std::string::npos);
}

}  // namespace
}  // namespace interpbench
