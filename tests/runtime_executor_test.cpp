// Executor on one thread: order, tasks posting tasks, exceptions, re-entrant run_pending.
// (Posting from several threads is tests/native/runtime_threads_test.cpp, run under TSan.)
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "mfstate/error.hpp"
#include "mfstate/runtime.hpp"

namespace mfstate {
namespace {

TEST(Executor, RunsPostedTasksInPostingOrder) {
  Executor ex;
  std::vector<int> ran;
  for (int i = 0; i < 5; ++i) ex.post([&ran, i] { ran.push_back(i); });
  EXPECT_TRUE(ex.has_pending());
  EXPECT_EQ(ex.run_pending(), 5u);
  EXPECT_EQ(ran, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_FALSE(ex.has_pending());
  EXPECT_EQ(ex.run_pending(), 0u);
}

TEST(Executor, TasksPostedByTasksRunAfterThoseAlreadyQueued) {
  Executor ex;
  std::vector<std::string> ran;
  ex.post([&] {
    ran.push_back("a");
    ex.post([&] { ran.push_back("a.child"); });
  });
  ex.post([&] { ran.push_back("b"); });
  EXPECT_EQ(ex.run_pending(), 3u);
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b", "a.child"}));
}

TEST(Executor, ThrowingTaskPropagatesAndKeepsTheRestQueuedInOrder) {
  Executor ex;
  std::vector<int> ran;
  ex.post([&] { ran.push_back(1); });
  ex.post([] { throw std::runtime_error("boom"); });
  ex.post([&] { ran.push_back(3); });
  ex.post([&] { ran.push_back(4); });
  EXPECT_THROW(ex.run_pending(), std::runtime_error);
  EXPECT_EQ(ran, (std::vector<int>{1}));
  EXPECT_TRUE(ex.has_pending());
  EXPECT_EQ(ex.run_pending(), 2u);
  EXPECT_EQ(ran, (std::vector<int>{1, 3, 4}));
}

TEST(Executor, RunPendingCalledFromATaskKeepsPostingOrder) {
  Executor ex;
  std::vector<int> ran;
  ex.post([&] {
    ran.push_back(1);
    ex.post([&] { ran.push_back(3); });
    ex.run_pending();  // must run 2 before 3
  });
  ex.post([&] { ran.push_back(2); });
  ex.run_pending();
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
}

TEST(Executor, WaitForWorkReturnsAtOnceWhenWorkIsQueued) {
  Executor ex;
  ex.post([] {});
  EXPECT_TRUE(ex.wait_for_work(std::chrono::milliseconds{0}));
  ex.run_pending();
  EXPECT_FALSE(ex.wait_for_work(std::chrono::milliseconds{0}));
}

TEST(Executor, EmptyFunctionIsAnInvalidArgumentAndQueuesNothing) {
  Executor ex;
  try {
    ex.post(std::function<void()>{});
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
  EXPECT_FALSE(ex.has_pending());
}

TEST(Executor, RunPendingFindsWhatWasPostedSinceItLastRan) {
  // run_pending locks only when something was posted since the last task it took: its count of
  // tasks taken must follow every path out (a drained queue, a throwing task, a nested call).
  Executor ex;
  std::vector<int> ran;
  EXPECT_EQ(ex.run_pending(), 0u);
  ex.post([&] { ran.push_back(1); });
  EXPECT_EQ(ex.run_pending(), 1u);
  EXPECT_EQ(ex.run_pending(), 0u);
  ex.post([] { throw std::runtime_error("boom"); });
  EXPECT_THROW(ex.run_pending(), std::runtime_error);
  EXPECT_EQ(ex.run_pending(), 0u);
  ex.post([&] {
    ran.push_back(2);
    ex.post([&] { ran.push_back(3); });
    EXPECT_EQ(ex.run_pending(), 1u);
    ex.post([&] { ran.push_back(4); });
  });
  EXPECT_EQ(ex.run_pending(), 2u);
  EXPECT_EQ(ex.run_pending(), 0u);
  ex.post([&] { ran.push_back(5); });
  ex.post([&] { ran.push_back(6); });
  EXPECT_EQ(ex.run_pending(), 2u);
  EXPECT_EQ(ran, (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_FALSE(ex.has_pending());
}

}  // namespace
}  // namespace mfstate
