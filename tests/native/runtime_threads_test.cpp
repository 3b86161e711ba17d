// Executor::post from several threads (run under ThreadSanitizer: label threads).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "mfstate/runtime.hpp"

namespace mfstate {
namespace {

TEST(ExecutorThreads, TasksPostedFromManyThreadsAllRunOnTheRuntimeThreadInPerThreadOrder) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  Executor ex;
  std::vector<std::vector<int>> seen(kThreads);  // touched only by the runtime thread
  const auto runtime_thread = std::this_thread::get_id();
  std::atomic<int> wrong_thread{0};
  std::atomic<int> done{0};

  std::vector<std::thread> producers;
  for (int t = 0; t < kThreads; ++t) {
    producers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        ex.post([&, t, i] {
          if (std::this_thread::get_id() != runtime_thread) ++wrong_thread;
          seen[t].push_back(i);
        });
      }
      ++done;
    });
  }
  std::size_t ran = 0;
  // The runtime thread drains while producers post; wait_for_work blocks instead of spinning.
  while (done.load() < kThreads || ex.has_pending()) {
    ex.wait_for_work(std::chrono::milliseconds{50});
    ran += ex.run_pending();
  }
  for (auto& p : producers) p.join();
  ran += ex.run_pending();

  EXPECT_EQ(ran, static_cast<std::size_t>(kThreads * kPerThread));
  EXPECT_EQ(wrong_thread.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(seen[t].size(), static_cast<std::size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) ASSERT_EQ(seen[t][i], i) << "thread " << t;
  }
}

TEST(ExecutorThreads, WaitForWorkWakesWhenAnotherThreadPosts) {
  Executor ex;
  std::atomic<bool> ran{false};
  std::thread poster([&] { ex.post([&] { ran = true; }); });
  // A long timeout that a post cuts short; the predicate makes a post before the wait count too.
  EXPECT_TRUE(ex.wait_for_work(std::chrono::milliseconds{60000}));
  poster.join();
  EXPECT_EQ(ex.run_pending(), 1u);
  EXPECT_TRUE(ran.load());
}

TEST(ExecutorThreads, ValueBuiltOnAWorkerIsHandedOverByPost) {
  // The hand-over rule of the runtime: a worker builds its result, posts it, never touches it.
  ManualClock clock;
  Runtime rt(clock);
  std::vector<int> results;
  std::vector<std::thread> workers;
  for (int w = 0; w < 3; ++w) {
    workers.emplace_back([&rt, &results, w] {
      std::vector<int> built(100, w);  // built on the worker
      rt.executor().post([&results, built = std::move(built)] { results.push_back(built.front()); });
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(rt.run_until_idle(), 3u);
  std::sort(results.begin(), results.end());
  EXPECT_EQ(results, (std::vector<int>{0, 1, 2}));
}

}  // namespace
}  // namespace mfstate
