// The answer table and paragraph (reports/answer.h) on runs built in the test: a winner needs an
// interval that excludes 1, same-code results never win, and the paragraph quotes the table.
#include "reports/answer.h"
#include "tests/answer_rows.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <stdexcept>
#include <set>
#include <string>
#include <vector>

namespace interpbench {
namespace {

using report::Result;
using report::Row;
using RunModel = report::Run;

Result timed(const std::string& name, const std::string& metric, std::vector<double> by_round,
             const std::string& unit = "ns") {
  Result r;
  r.name = name;
  r.metric = metric;
  r.unit = unit;
  r.by_round = std::move(by_round);
  std::vector<double> sorted = r.by_round;
  std::sort(sorted.begin(), sorted.end());
  r.figure = sorted[sorted.size() / 2];
  r.rounds = static_cast<std::int64_t>(sorted.size());
  return r;
}

std::vector<double> times(double k, int rounds = 10) {
  std::vector<double> v;
  for (int i = 0; i < rounds; ++i) v.push_back(k * (100 + (i % 3) * 5));
  return v;
}

Row row(const std::string& name, std::vector<Result> results) {
  Row r;
  r.row = name;
  r.kind = "backend";
  r.results = std::move(results);
  return r;
}

using testing::answer_row;

TEST(AnswerTest, AClearDifferenceHasAWinnerWithItsInterval) {
  RunModel run;
  run.rows = {row("subinterp", {timed("pingpong/8", "round_trip", times(1))}),
              row("subprocess", {timed("pingpong/8", "round_trip", times(2))})};
  const Answer answer = make_answer(run);
  const AnswerRow& small = answer_row(answer, "small messages (8 B round trip)");
  EXPECT_EQ(small.winner, "subinterp");
  EXPECT_EQ(small.runner_up, "subprocess");
  ASSERT_TRUE(small.ratio);
  EXPECT_NEAR(small.ratio->ratio, 2.0, 1e-9);
  EXPECT_GT(small.ratio->low, 1.0);
  EXPECT_NE(small.sentence.find("subinterp 2.00 [2.00, 2.00] times faster than subprocess"), std::string::npos)
      << small.sentence;
}

TEST(AnswerTest, AWinnerWhoseIntervalHoldsOneIsNotSignificantlyDifferent) {
  RunModel run;
  // subprocess is faster by the median, but slower in 4 of 10 rounds: the interval holds 1.
  std::vector<double> sp = times(1);
  for (int i : {0, 2, 4, 6}) sp[i] *= 1.3;
  for (int i : {1, 3, 5, 7, 8, 9}) sp[i] *= 0.9;
  run.rows = {row("subinterp", {timed("pingpong/8", "round_trip", times(1))}),
              row("subprocess", {timed("pingpong/8", "round_trip", sp)})};
  const Answer answer = make_answer(run);
  const AnswerRow& small = answer_row(answer, "small messages (8 B round trip)");
  ASSERT_TRUE(small.ratio);
  EXPECT_LE(small.ratio->low, 1.0);
  EXPECT_GE(small.ratio->high, 1.0);
  EXPECT_EQ(small.winner, "");
  EXPECT_EQ(small.winner_text(), "not significantly different");
  EXPECT_NE(small.sentence.find("not significantly different"), std::string::npos) << small.sentence;
}

TEST(AnswerTest, TooFewRoundsForAnIntervalIsSaidSo) {
  RunModel run;
  run.rows = {row("subinterp", {timed("pingpong/8", "round_trip", times(1, 3))}),
              row("subprocess", {timed("pingpong/8", "round_trip", times(3, 3))})};
  const Answer answer = make_answer(run);
  const AnswerRow& small = answer_row(answer, "small messages (8 B round trip)");
  EXPECT_EQ(small.winner, "");
  EXPECT_EQ(small.winner_text(), "too few rounds");
}

TEST(AnswerTest, SameCodeResultsNeverProduceAWinner) {
  RunModel run;
  const std::string base = "objects/nested/4096/pickle5/";
  // Encode and decode 3x slower on subprocess in every round: still the same pickle code.
  for (const auto& [name, k] : std::vector<std::pair<std::string, double>>{{"subinterp", 1}, {"subprocess", 3}})
    run.rows.push_back(row(name, {timed(base + "encode", "encode", times(10 * k)),
                                  timed(base + "transfer", "transfer", times(1)),
                                  timed(base + "decode", "decode", times(10 * k))}));
  const Answer a = make_answer(run);
  const AnswerRow& codec = answer_row(a, "object graphs: the codec's share");
  EXPECT_TRUE(codec.same_code);
  EXPECT_EQ(codec.winner, "");
  EXPECT_FALSE(codec.ratio);
  EXPECT_EQ(codec.winner_text(), "same code: not a finding");
  const AnswerRow& channel = answer_row(a, "object graphs: the channel's share");
  EXPECT_EQ(channel.winner, "");  // the channel itself is the same speed on both
  // 1 / (10 + 1 + 10) and 1 / (30 + 1 + 30): the channel's share of the cost.
  EXPECT_EQ(channel.figures.back(), (std::pair<std::string, std::string>{"channel share", "2–5%"}));
  for (const auto& r : a.rows)
    if (r.same_code) EXPECT_EQ(r.winner, "") << r.question;
}

TEST(AnswerTest, TheParagraphsNumbersAreTheTables) {
  RunModel run;
  run.num_cpus = 2;
  const std::string base = "objects/nested/4096/pickle5/";
  for (const auto& [name, k] : std::vector<std::pair<std::string, double>>{{"subinterp", 1}, {"subprocess", 1.5}, {"thread", 1.2}})
    run.rows.push_back(row(name, {timed("pingpong/8", "round_trip", times(k)),
                                  timed("pingpong/1048576", "round_trip", times(100 * k)),
                                  timed(base + "encode", "encode", times(10)),
                                  timed(base + "transfer", "transfer", times(k)),
                                  timed(base + "decode", "decode", times(10)),
                                  timed("startup/start", "startup", times(1000 * k)),
                                  timed("startup/teardown", "teardown", times(500 * k)),
                                  timed("memory/4/uss", "memory_uss", times(k), "KiB"),
                                  timed("scaling/1", "wall", times(100)),
                                  timed("scaling/2", "wall", times(100 * k)),
                                  timed("taskfarm/10us/8B", "task_throughput", times(1 / k), "items/s")}));
  const Answer a = make_answer(run);
  ASSERT_FALSE(a.paragraph.empty());
  std::string table;
  for (const auto& r : a.rows) {
    table += r.sentence + " " + r.ratio_text() + " " + r.question + " " + r.measure;
    for (const auto& [who, text] : r.figures) table += " " + text;
  }
  const std::regex number(R"(\d+(\.\d+)?)");
  int checked = 0;
  for (auto it = std::sregex_iterator(a.paragraph.begin(), a.paragraph.end(), number);
       it != std::sregex_iterator(); ++it, ++checked)
    EXPECT_NE(table.find(it->str()), std::string::npos) << it->str() << " is not in the table";
  EXPECT_GT(checked, 10) << a.paragraph;
  EXPECT_NE(a.paragraph.find("On this machine, with the same shared-memory channel"), std::string::npos);
}

// The thread backend's lead on large messages is that it passes the bytes object itself: its
// row says so where thread ran, and only there.
TEST(AnswerTest, ALargeMessageRowSaysThreadPassesTheObjectWhereThreadRan) {
  const auto large = [](const std::vector<std::string>& rows) {
    RunModel run;
    for (const auto& name : rows)
      run.rows.push_back(row(name, {timed("pingpong/1048576", "round_trip", times(name == "thread" ? 2 : 100))}));
    const Answer a = make_answer(run);
    return answer_row(a, "large messages (1 MiB round trip)").sentence + "\n" + a.paragraph;
  };
  const std::string with_thread = large({"subinterp", "subprocess", "thread"});
  EXPECT_NE(with_thread.find("thread passes the bytes object itself (its workers share"), std::string::npos);
  EXPECT_NE(with_thread.find("(thread passes the bytes object itself; the others copy it)"), std::string::npos);
  EXPECT_EQ(large({"subinterp", "subprocess"}).find("passes the bytes object"), std::string::npos);
}

TEST(AnswerTest, WhatARunDidNotMeasureIsSaidSo) {
  const Answer a = make_answer(RunModel{});
  for (const auto& r : a.rows) {
    if (r.topic == "isolation") continue;  // by construction, not measured per run
    EXPECT_FALSE(r.measured) << r.question;
    EXPECT_EQ(r.winner_text(), "not measured") << r.question;
  }
}

}  // namespace
}  // namespace interpbench
