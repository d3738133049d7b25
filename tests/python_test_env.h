#pragma once
// The embedded interpreter of a test binary: initialized once for the whole binary (CPython can't
// be re-initialized reliably), with the GIL released between tests; tests take it with
// py::GilAcquire. Include this in exactly one .cc of a binary.
#include <gtest/gtest.h>

#include <memory>

#include "backends/python/embed.h"

namespace interpbench::testing {

class PythonEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    interpreter_ = std::make_unique<py::MainInterpreter>();
    released_ = std::make_unique<py::GilRelease>();
  }
  void TearDown() override {
    released_.reset();
    interpreter_.reset();
  }

 private:
  std::unique_ptr<py::MainInterpreter> interpreter_;
  std::unique_ptr<py::GilRelease> released_;
};

inline ::testing::Environment* const kPythonEnvironment =
    ::testing::AddGlobalTestEnvironment(new PythonEnvironment);

}  // namespace interpbench::testing
