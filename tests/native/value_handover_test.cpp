// The threading rule of Value: reference counts are not atomic, so a Value crosses threads only
// by hand-over — built on a worker, moved into a task posted to the runtime's thread, never
// touched by the worker again. Run under ThreadSanitizer (-DMFSTATE_SANITIZE=thread) this proves
// the hand-over is race-free: the Executor's queue orders the worker's writes before the reads.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"

using namespace mfstate;

TEST(ValueHandOver, ValuesBuiltOnWorkersAreHandedOverThroughTheExecutor) {
  Executor executor;
  std::vector<Value> received;
  constexpr int workers = 4;
  constexpr int per_worker = 50;
  std::vector<std::thread> threads;
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&executor, &received, w] {
      for (int i = 0; i < per_worker; ++i) {
        // Built entirely on the worker: parse, then updates in place (unshared nodes).
        Value v = parse_json(R"({"worker":0,"i":0,"payload":["a","b",0]})");
        v = std::move(v).set("worker", w).set("i", i);
        v = std::move(v).set_in({"payload", 2}, w);
        // Hand-over: moved into the task; the worker keeps no handle to any of its nodes.
        executor.post([&received, value = std::move(v)]() mutable { received.push_back(std::move(value)); });
      }
    });
  }
  std::size_t expected = static_cast<std::size_t>(workers * per_worker);
  while (received.size() < expected) {
    executor.wait_for_work(std::chrono::milliseconds(100));
    executor.run_pending();
    // Consume while the workers are still running: copies and hashes touch the refcounts.
    for (const Value& v : received) {
      Value copy = v;
      (void)copy.hash();
    }
  }
  for (auto& t : threads) t.join();
  executor.run_pending();
  ASSERT_EQ(received.size(), expected);
  std::vector<int> seen(workers, 0);
  for (const Value& v : received) {
    EXPECT_EQ(v.use_count(), 1u);
    EXPECT_EQ(v.get("payload").at(2).as_int(), v.get("worker").as_int());
    ++seen[static_cast<std::size_t>(v.get("worker").as_int())];
  }
  for (int count : seen) EXPECT_EQ(count, per_worker);
}
