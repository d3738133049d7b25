// Every backend, one suite: workers started from a workload file echo every message byte for
// byte, worker errors surface with their text, a worker that returns gives the driver end of
// stream. The driver side here is C++ (the GIL is not held), as Backend::start expects.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "tests/python_test_env.h"

namespace interpbench {
namespace {

constexpr auto kTimeout = std::chrono::seconds(30);
constexpr std::size_t kRingBytes = 4096;  // small, so some messages are larger than the ring

WorkloadRef fixture(const std::string& stem, std::string params_json = "{}") {
  return WorkloadRef{std::filesystem::path(INTERPBENCH_TEST_FIXTURES) / (stem + ".py"),
                     "fixture_" + stem, std::move(params_json)};
}

std::vector<std::byte> pattern(std::size_t size, std::size_t seed) {
  std::vector<std::byte> out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<std::byte>((i * 31 + seed * 7) & 0xff);
  return out;
}

std::string describe(const std::vector<WorkerOutcome>& outcomes) {
  std::string text;
  for (const auto& o : outcomes) {
    text += "worker " + std::to_string(o.worker_id) + (o.ok ? ": ok\n" : ": " + o.error + "\n" + o.traceback);
  }
  return text;
}

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Backend> backend_ = make_backend(GetParam());
  ChannelOptions options_{kRingBytes};
};

TEST_P(BackendTest, EchoesEveryMessageByteForByteOnOneTwoAndFourWorkers) {
  const std::vector<std::size_t> sizes = {0, 1, 8, 1000, kRingBytes - 16, 3 * kRingBytes + 5,
                                          1 << 16};
  for (std::size_t n : {1, 2, 4}) {
    auto group = backend_->start(fixture("echo"), n, options_);
    ASSERT_EQ(group->size(), n);
    for (std::size_t size : sizes) {
      for (std::size_t w = 0; w < n; ++w) {
        auto msg = pattern(size, w);
        group->channels(w).to_worker->send(msg, Deadline::after(kTimeout));
      }
      for (std::size_t w = 0; w < n; ++w) {
        auto echo = group->channels(w).from_worker->recv(Deadline::after(kTimeout));
        ASSERT_TRUE(echo.has_value()) << "worker " << w << " ended early, size " << size;
        EXPECT_EQ(*echo, pattern(size, w)) << "worker " << w << ", size " << size;
      }
    }
    auto outcomes = group->join(Deadline::after(kTimeout));
    ASSERT_EQ(outcomes.size(), n);
    for (const auto& o : outcomes) EXPECT_TRUE(o.ok) << describe(outcomes);
  }
}

TEST_P(BackendTest, HandsPoolBuffersOverWithoutCopying) {
  auto group = backend_->start(fixture("echo", R"({"handoff": true})"), 1, options_);
  BufferPool& pool = group->buffer_pool();
  BufferPool::Handle h = pool.allocate(100000);
  auto content = pattern(100000, 3);
  std::memcpy(pool.address(h), content.data(), content.size());
  group->channels(0).to_worker->send(std::as_bytes(std::span(&h, 1)), Deadline::after(kTimeout));
  auto back = group->channels(0).from_worker->recv(Deadline::after(kTimeout));
  ASSERT_TRUE(back.has_value());
  ASSERT_EQ(back->size(), sizeof(BufferPool::Handle));
  BufferPool::Handle returned;
  std::memcpy(&returned, back->data(), sizeof returned);
  ASSERT_EQ(returned.size, content.size());
  EXPECT_EQ(0, std::memcmp(pool.address(returned), content.data(), content.size()));
  pool.release(returned);
  auto outcomes = group->join(Deadline::after(kTimeout));
  EXPECT_TRUE(outcomes.at(0).ok) << describe(outcomes);
}

TEST_P(BackendTest, WorkerExceptionSurfacesWithItsText) {
  auto group = backend_->start(fixture("raises"), 2, options_);
  auto outcomes = group->join(Deadline::after(kTimeout));
  ASSERT_EQ(outcomes.size(), 2u);
  for (const auto& o : outcomes) {
    EXPECT_FALSE(o.ok);
    EXPECT_NE(o.error.find("ValueError: boom"), std::string::npos) << o.error;
  }
}

TEST_P(BackendTest, WorkerThatReturnsGivesTheDriverEndOfStream) {
  auto group = backend_->start(fixture("early_return"), 1, options_);
  auto msg = group->channels(0).from_worker->recv(Deadline::after(kTimeout));
  EXPECT_FALSE(msg.has_value());
  auto outcomes = group->join(Deadline::after(kTimeout));
  EXPECT_TRUE(outcomes.at(0).ok) << describe(outcomes);
}

TEST_P(BackendTest, BrokenWorkloadFileIsReportedNotHidden) {
  // In-process backends that import in the driver's interpreter fail at start(); the others
  // report the error as the worker's outcome.
  try {
    auto group = backend_->start(fixture("broken_syntax"), 1, options_);
    auto outcomes = group->join(Deadline::after(kTimeout));
    EXPECT_FALSE(outcomes.at(0).ok);
    EXPECT_NE(outcomes.at(0).error.find("SyntaxError"), std::string::npos) << outcomes.at(0).error;
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("SyntaxError"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(AllBackends, BackendTest, ::testing::ValuesIn(backend_names()),
                         [](const auto& info) { return info.param; });

// Each subinterpreter imports the workload into its own interpreter: a module global written by
// one worker is invisible to the others, and each runs with its own GIL (3.12+).
TEST(SubinterpBackendTest, WorkersDoNotShareModuleGlobals) {
  auto backend = make_backend("subinterp");
  const std::size_t n = 3;
  auto group = backend->start(fixture("isolation"), n, ChannelOptions{});
  for (std::size_t w = 0; w < n; ++w) {
    group->channels(w).to_worker->send(std::as_bytes(std::span("go", 2)), Deadline::after(kTimeout));
  }
  const std::string gil = py::kHasPerInterpreterGil ? "own" : "shared";
  for (std::size_t w = 0; w < n; ++w) {
    auto reply = group->channels(w).from_worker->recv(Deadline::after(kTimeout));
    ASSERT_TRUE(reply.has_value());
    std::string text(reinterpret_cast<const char*>(reply->data()), reply->size());
    EXPECT_EQ(text, std::to_string(w) + "|" + gil);
  }
  auto outcomes = group->join(Deadline::after(kTimeout));
  for (const auto& o : outcomes) EXPECT_TRUE(o.ok) << describe(outcomes);
}

TEST(ThreadBackendTest, WorkersShareTheMainInterpretersModule) {
  auto backend = make_backend("thread");
  EXPECT_EQ(backend->gil_mode(), "shared");
  const std::size_t n = 2;
  auto group = backend->start(fixture("isolation"), n, ChannelOptions{});
  // Let both record their id before either answers: the second reply lists both.
  group->channels(0).to_worker->send(std::as_bytes(std::span("go", 2)), Deadline::after(kTimeout));
  auto first = group->channels(0).from_worker->recv(Deadline::after(kTimeout));
  group->channels(1).to_worker->send(std::as_bytes(std::span("go", 2)), Deadline::after(kTimeout));
  auto second = group->channels(1).from_worker->recv(Deadline::after(kTimeout));
  ASSERT_TRUE(first && second);
  std::string text(reinterpret_cast<const char*>(second->data()), second->size());
  EXPECT_TRUE(text == "0,1|main" || text == "1,0|main") << text;
  group->join(Deadline::after(kTimeout));
}

}  // namespace
}  // namespace interpbench
