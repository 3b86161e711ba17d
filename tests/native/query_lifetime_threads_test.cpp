// A fetch completing on a worker thread after its QueryClient — or its whole Host — is destroyed is
// dropped, never posted to a destroyed executor (issue 10). Runs under ThreadSanitizer (and ASan):
// the worker's late completion races the destruction on purpose.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "mfstate/host.hpp"
#include "mfstate/query.hpp"

using namespace mfstate;

namespace {

/// Workers holding completions until told to answer (or answering at once).
class LateWorkers {
 public:
  explicit LateWorkers(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
  }
  ~LateWorkers() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
      release_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  /// A fetcher whose answer waits for release() (or not, when `hold` is false).
  Fetcher fetcher(bool hold) {
    return [this, hold](const FetchContext& ctx, Completion done) {
      const std::int64_t id = ctx.key.at(1).as_int();
      {
        std::lock_guard<std::mutex> lock(m_);
        jobs_.push_back({id, hold, std::move(done)});
      }
      cv_.notify_all();
    };
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(m_);
      release_ = true;
    }
    cv_.notify_all();
  }
  /// Waits until every job was answered.
  bool drained() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::unique_lock<std::mutex> lock(m_);
    return idle_.wait_until(lock, deadline, [&] { return jobs_.empty() && busy_ == 0; });
  }

 private:
  struct Job {
    std::int64_t id;
    bool hold;
    Completion done;
  };
  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return stop_ || (!jobs_.empty() && (release_ || !jobs_.front().hold)); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
        ++busy_;
      }
      // Built here, handed over by the completion, never touched again on this thread.
      job.done.resolve(Value::object({{"id", job.id}, {"name", "late"}}));
      {
        std::lock_guard<std::mutex> lock(m_);
        --busy_;
      }
      idle_.notify_all();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::condition_variable idle_;
  std::deque<Job> jobs_;
  int busy_ = 0;
  bool stop_ = false;
  bool release_ = false;
  std::vector<std::thread> threads_;
};

TEST(QueryLifetimeThreads, AnswersArrivingAfterTheClientIsGoneAreDropped) {
  LateWorkers workers(3);
  ManualClock clock{Millis{0}};
  Runtime rt{clock};
  std::vector<Future> futures;
  {
    QueryClient qc(rt);
    for (int i = 0; i < 30; ++i) {
      futures.push_back(qc.fetch_query({.key = Value::array({"user", i}), .fetcher = workers.fetcher(true)}));
    }
  }
  for (const Future& f : futures) {
    ASSERT_TRUE(f.ready());
    EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
  }
  workers.release();
  ASSERT_TRUE(workers.drained());
  EXPECT_EQ(rt.run_until_idle(), 0u);  // nothing was posted
}

TEST(QueryLifetimeThreads, AnswersArrivingAfterTheHostIsGoneAreDropped) {
  LateWorkers workers(3);
  {
    Host host;
    auto sub = host.queries().observe({.key = Value::array({"user", 1}), .fetcher = workers.fetcher(true)}, nullptr);
    for (int i = 2; i < 20; ++i) {
      (void)host.queries().prefetch_query({.key = Value::array({"user", i}), .fetcher = workers.fetcher(true)});
    }
  }
  workers.release();  // the runtime and its executor are gone now
  ASSERT_TRUE(workers.drained());
}

TEST(QueryLifetimeThreads, AnswersRacingTheDestructionNeverReachAGoneExecutor) {
  LateWorkers workers(4);
  for (int round = 0; round < 50; ++round) {
    ManualClock clock{Millis{0}};
    auto rt = std::make_unique<Runtime>(clock);
    auto qc = std::make_unique<QueryClient>(*rt);
    for (int i = 0; i < 8; ++i) {
      (void)qc->prefetch_query({.key = Value::array({"user", i}), .fetcher = workers.fetcher(false)});
    }
    rt->run_until_idle();  // some answers land, others are still being built
    qc.reset();
    rt.reset();
  }
  ASSERT_TRUE(workers.drained());
}

}  // namespace
