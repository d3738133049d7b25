// The application workloads' findings (reports/applications.h and their answer rows): the
// speedup at N = cores is the median of per-round ratios tasks/s at N / tasks/s at 1, the
// winner per application needs an interval that excludes 1, and the answer says where plain
// threads scale (the work releases the GIL) and where they do not.
#include "reports/applications.h"

#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "reports/answer.h"
#include "tests/answer_rows.h"

namespace interpbench {
namespace {

using report::Result;
using report::Row;
using RunModel = report::Run;

// Tasks/s in 8 rounds around `k`: a little spread so that intervals are not points.
std::vector<double> rates(double k) {
  std::vector<double> v;
  for (int i = 0; i < 8; ++i) v.push_back(k * (100 + (i % 3) * 2));
  return v;
}

Result throughput(const std::string& app, int n, std::vector<double> by_round) {
  Result r;
  r.name = "apps/" + app + "/" + std::to_string(n);
  r.metric = "task_throughput";
  r.unit = "items/s";
  r.higher_is_better = true;
  r.by_round = by_round;
  r.figure = by_round[by_round.size() / 2];
  r.rounds = static_cast<std::int64_t>(by_round.size());
  return r;
}

Row row(const std::string& name, std::vector<Result> results) {
  Row r;
  r.row = name;
  r.kind = "backend";
  r.workload = "apps";
  r.results = std::move(results);
  return r;
}

// compress: every row doubles on 2 cores (the GIL is released); parse: thread stays at 1x.
RunModel two_core_run() {
  RunModel run;
  run.num_cpus = 2;
  for (const auto& [name, parse2, compress2] :
       std::vector<std::tuple<std::string, double, double>>{{"subinterp", 1.9, 2.0},
                                                            {"subprocess", 1.8, 2.0},
                                                            {"thread", 1.0, 2.0}}) {
    run.rows.push_back(row(name, {throughput("parse", 1, rates(1)), throughput("parse", 2, rates(parse2)),
                                  throughput("compress", 1, rates(1)),
                                  throughput("compress", 2, rates(compress2))}));
  }
  return run;
}

TEST(ApplicationsTest, SpeedupAtTheCoresIsThePairedRatioToOneWorker) {
  const Applications a = make_applications(two_core_run());
  ASSERT_EQ(a.apps.size(), 2u);
  EXPECT_EQ(a.apps[0].app, "parse");
  EXPECT_EQ(a.apps[0].workers, 2);
  EXPECT_EQ(a.rows, (std::vector<std::string>{"subinterp", "subprocess", "thread"}));
  const ApplicationCell* thread = a.apps[0].cell("thread");
  ASSERT_NE(thread, nullptr);
  ASSERT_TRUE(thread->speedup);
  EXPECT_DOUBLE_EQ(thread->speedup->ratio, 1.0);
  EXPECT_FALSE(thread->speedup->significant);
  EXPECT_NEAR(a.apps[0].cell("subinterp")->speedup->ratio, 1.9, 1e-9);
  EXPECT_TRUE(a.apps[0].cell("subinterp")->speedup->significant);
  EXPECT_EQ(a.apps[0].cell("subinterp")->text(), "1.90x [1.90, 1.90]");
}

TEST(ApplicationsTest, TheConsoleTableHasARowPerApplicationAndAColumnPerRow) {
  const auto lines = applications_lines(make_applications(two_core_run()));
  ASSERT_EQ(lines.size(), 4u);  // title, header, parse, compress
  EXPECT_NE(lines[0].find("N = 2 (cores)"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("subprocess"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2].rfind("  parse", 0), 0u) << lines[2];
  EXPECT_NE(lines[3].find("2.00x"), std::string::npos) << lines[3];
}

TEST(ApplicationsTest, FallsBackToTheLargestCountBelowTheCores) {
  RunModel run = two_core_run();
  run.num_cpus = 8;
  const Applications a = make_applications(run);
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.apps[0].workers, 2);
  EXPECT_NE(applications_lines(a)[2].find("parse (N=2)"), std::string::npos);
}

TEST(ApplicationsTest, TheAnswerNamesWhereThreadsScaleAndWhereTheyTie) {
  const Answer answer = make_answer(two_core_run());
  const AnswerRow* parse = &testing::answer_row(answer, "application: parse at N = 2");
  const AnswerRow* compress = &testing::answer_row(answer, "application: compress at N = 2");
  EXPECT_EQ(parse->winner, "subinterp");  // 1.9x vs subprocess's 1.8x in every round
  EXPECT_NE(parse->sentence.find("thread does not scale"), std::string::npos) << parse->sentence;
  EXPECT_EQ(compress->winner, "");  // all three alike: not significantly different
  EXPECT_NE(compress->sentence.find("thread scales"), std::string::npos) << compress->sentence;
  EXPECT_NE(compress->sentence.find("releases the GIL"), std::string::npos) << compress->sentence;
  EXPECT_NE(answer.paragraph.find("Plain threads scale on compress"), std::string::npos) << answer.paragraph;
  const auto json = answer_json(answer);
  EXPECT_EQ(json["applications"]["apps"][1]["app"], "compress");
  EXPECT_EQ(json["applications"]["apps"][1]["cells"]["thread"]["text"], "2.00x [2.00, 2.00]");
}

// The control: nbody is pure Python and holds the GIL. Where thread "scales" on it too, the run
// measured noise, and the answer must not claim that compress releases the GIL.
TEST(ApplicationsTest, ThreadScalingOnPurePythonWorkMakesTheGilClaimUnreadable) {
  RunModel run = two_core_run();
  for (auto& r : run.rows) {
    const double n2 = r.row == "thread" ? 1.6 : 1.9;
    r.results.push_back(throughput("nbody", 1, rates(1)));
    r.results.push_back(throughput("nbody", 2, rates(n2)));
  }
  const Answer answer = make_answer(run);
  const AnswerRow* compress = &testing::answer_row(answer, "application: compress at N = 2");
  const AnswerRow* nbody = &testing::answer_row(answer, "application: nbody at N = 2");
  EXPECT_EQ(compress->sentence.find("the work releases the GIL"), std::string::npos) << compress->sentence;
  EXPECT_NE(compress->sentence.find("this run can't tell whether the work releases it"), std::string::npos)
      << compress->sentence;
  EXPECT_NE(nbody->sentence.find("that is the machine's noise, not scaling"), std::string::npos) << nbody->sentence;
  EXPECT_EQ(answer.paragraph.find("Plain threads scale on"), std::string::npos) << answer.paragraph;
  EXPECT_NE(answer.paragraph.find("can't be read from this run"), std::string::npos) << answer.paragraph;

  // With thread flat on nbody (the control holds), compress's scaling is read as GIL release.
  for (auto& r : run.rows)
    if (r.row == "thread") r.results.back() = throughput("nbody", 2, rates(1.0));
  const Answer clean = make_answer(run);
  EXPECT_NE(clean.paragraph.find("Plain threads scale on compress"), std::string::npos) << clean.paragraph;
}

TEST(ApplicationsTest, ARunWithoutApplicationsHasNoTable) {
  EXPECT_TRUE(make_applications(RunModel{}).empty());
  EXPECT_TRUE(applications_lines(make_applications(RunModel{})).empty());
}

}  // namespace
}  // namespace interpbench
