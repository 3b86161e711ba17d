// Fetchers completing on worker threads: results are handed over to the runtime's thread through
// Completion (posted to the Executor). Meant to run under ThreadSanitizer
// (-DMFSTATE_SANITIZE=thread): the Value built on a worker must never be touched by two threads.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "mfstate/query.hpp"
#include "query_async.hpp"
#include "gtest/gtest.h"

using namespace mfstate;

namespace {

/// A pool of workers answering fetches with values they build themselves.
class WorkerPool {
 public:
  explicit WorkerPool(int n) {
    for (int i = 0; i < n; ++i) threads_.emplace_back([this] { work(); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(m_);
      stop_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  Fetcher fetcher() {
    return [this](const FetchContext& ctx, Completion done) {
      // Only plain data crosses to the worker: the key's id as an integer.
      const std::int64_t id = ctx.key.at(1).as_int();
      AbortSignal signal = ctx.signal;
      {
        std::lock_guard<std::mutex> lock(m_);
        jobs_.push_back([id, signal, done] {
          if (signal.aborted()) {
            done.reject(Error(ErrorCode::cancelled, "aborted"));
            return;
          }
          Value v = Value::object({{"id", id}, {"tags", Value::array({"a", "b"})}, {"name", "user"}});
          done.resolve(std::move(v));
          done.resolve(Value(0));  // a second completion is ignored
        });
      }
      cv_.notify_one();
    };
  }

 private:
  void work() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
        if (jobs_.empty()) return;
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

template <typename F>
bool drive(Runtime& rt, F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    rt.executor().wait_for_work(std::chrono::milliseconds(20));
    rt.run_until_idle();
  }
  return true;
}

TEST(QueryThreads, FetchersCompletingOnWorkerThreadsDeliverOnTheRuntimeThread) {
  ManualClock clock{Millis{0}};
  Runtime rt{clock};
  WorkerPool pool(4);
  QueryClient qc(rt);
  const int n = 200;
  std::vector<Subscription> subs;
  std::atomic<int> seen{0};
  const auto runtime_thread = std::this_thread::get_id();
  for (int i = 0; i < n; ++i) {
    subs.push_back(qc.observe({.key = Value::array({"user", i}), .fetcher = pool.fetcher()},
                              [&, i](const QueryResult& r) {
                                EXPECT_EQ(std::this_thread::get_id(), runtime_thread);
                                if (r.data) {
                                  EXPECT_EQ(r.data->get("id").as_int(), i);
                                  ++seen;
                                }
                              }));
  }
  ASSERT_TRUE(drive(rt, [&] { return seen.load() == n; }));
  // Invalidate everything: every observer refetches on the workers and sees equal data, which
  // structural sharing keeps (the node built on the worker is dropped on the runtime thread).
  seen = 0;
  Future f = qc.invalidate_queries({.key = Value::array({"user"})});
  ASSERT_TRUE(drive(rt, [&] { return f.ready(); }));
  EXPECT_EQ(qc.is_fetching(), 0u);
  for (int i = 0; i < n; ++i) EXPECT_EQ(qc.get_query_data(Value::array({"user", i}))->get("id").as_int(), i);
}

TEST(QueryThreads, CancellingWhileWorkersRunDropsTheirLateResults) {
  ManualClock clock{Millis{0}};
  Runtime rt{clock};
  auto pool = std::make_unique<WorkerPool>(2);
  QueryClient qc(rt);
  std::vector<Future> fs;
  for (int i = 0; i < 50; ++i) fs.push_back(qc.fetch_query({.key = Value::array({"k", i}), .fetcher = pool->fetcher()}));
  qc.cancel_queries({.key = Value::array({"k"})});
  // A worker may answer while the fetcher is still being called: that fetch completed before the
  // cancel. Every other one is cancelled, and its late answer must not land.
  std::vector<bool> completed;
  for (auto& f : fs) {
    ASSERT_TRUE(f.ready());
    completed.push_back(f.ok());
    if (!f.ok()) EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
  }
  pool.reset();  // every job has run: their completions are posted
  rt.run_until_idle();
  for (int i = 0; i < 50; ++i) {
    auto st = qc.get_query_state(Value::array({"k", i}));
    EXPECT_EQ(st->data.has_value(), completed[static_cast<std::size_t>(i)]);
    EXPECT_EQ(st->fetch_status, FetchStatus::idle);
  }
}

TEST(QueryThreads, AnAnswerRacingTheFetcherCallLandsExactlyOnce) {
  // A worker answers at the moment the fetcher call returns: sometimes inside the call (handled
  // when it returns), sometimes just after (posted). Either way the fetch settles once, with it.
  ManualClock clock{Millis{0}};
  Runtime rt{clock};
  QueryClient qc(rt);
  const int n = 300;
  std::vector<std::thread> workers;
  std::vector<Future> fs;
  std::atomic<int> fetches{0};
  for (int i = 0; i < n; ++i) {
    Fetcher racing = [&workers, &fetches, i](const FetchContext&, Completion done) {
      ++fetches;
      std::atomic<bool> go{false};
      workers.emplace_back([done, i] { done.resolve(Value(i)); });
      // Return after a short, varying spin: the answer lands on either side of the return.
      for (int spin = 0; spin < (i % 7) * 200; ++spin) go.store(true, std::memory_order_relaxed);
    };
    fs.push_back(qc.fetch_query({.key = Value::array({"race", i}), .fetcher = racing}));
  }
  for (auto& t : workers) t.join();
  ASSERT_TRUE(drive(rt, [&] {
    for (const auto& f : fs) {
      if (!f.ready()) return false;
    }
    return true;
  }));
  EXPECT_EQ(fetches.load(), n);
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(fs[static_cast<std::size_t>(i)].ok());
    EXPECT_EQ(fs[static_cast<std::size_t>(i)].value().as_int(), i);
    EXPECT_EQ(qc.get_query_data(Value::array({"race", i}))->as_int(), i);
  }
  EXPECT_EQ(qc.is_fetching(), 0u);
}

TEST(QueryThreads, ClientsOnTwoThreadsShareTheSettledFutureOfARefetchOfNothing) {
  // An invalidation that refetches nothing answers with one settled state for the whole process
  // (detail::settled_null_future): clients on two threads hand it out, attach callbacks to it and
  // drop it at once, the first calls racing to make it, and one client goes away while the other
  // still uses it. Under ThreadSanitizer only its reference count may be shared.
  constexpr int calls = 2000;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<const void*> states[2] = {nullptr, nullptr};
  auto client_thread = [&](int t) {
    ManualClock clock{Millis{0}};
    Runtime rt{clock};
    auto qc = std::make_unique<QueryClient>(rt);
    for (int i = 0; i < 10; ++i) qc->set_query_data(Value::array({"user", i}), i);
    ++ready;
    while (!go.load()) {
    }
    int settled = 0;
    Future last;
    for (int n = 0; n < calls; ++n) {
      last = qc->invalidate_queries({.key = Value::array({"user", n % 10})});
      last.on_settled([&settled](const Outcome& o) { settled += o.ok && o.value.is_null(); });
      rt.run_until_idle();
    }
    EXPECT_EQ(settled, calls);
    states[t] = detail::AsyncAccess::state(last).get();
    qc.reset();  // the client goes; its last Future stays settled with null
    EXPECT_TRUE(last.ok());
    EXPECT_TRUE(last.value().is_null());
  };
  std::thread a(client_thread, 0);
  std::thread b(client_thread, 1);
  while (ready.load() != 2) {
  }
  go = true;
  a.join();
  b.join();
  ASSERT_NE(states[0].load(), nullptr);
  EXPECT_EQ(states[0].load(), states[1].load());  // one state, shared by both threads' futures
}

}  // namespace
