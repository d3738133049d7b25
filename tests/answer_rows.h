#pragma once
// The answer's row for one question, for the tests of reports/answer.h and its applications rows.
#include <stdexcept>
#include <string>

#include "reports/answer.h"

namespace interpbench::testing {

inline const AnswerRow& answer_row(const Answer& a, const std::string& question) {
  for (const auto& r : a.rows)
    if (r.question == question) return r;
  throw std::runtime_error("no answer row '" + question + "'");
}
// A row of a temporary Answer would dangle once the full expression ends (ASan caught three tests
// reading freed AnswerRows): keep the Answer in a variable.
const AnswerRow& answer_row(Answer&&, const std::string&) = delete;

}  // namespace interpbench::testing
