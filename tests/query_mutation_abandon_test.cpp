// MutationObserver::abandon: a shell that runs an app's mutations on its own client (the web
// package's app face) ends the ones it cannot keep when the app unmounts, as an app's own end
// (AppQueryClient) ends its pending mutations: the mutation's signal aborts, its own callbacks do
// not run, it fails with Error(cancelled), which the cache's callbacks and listeners hear, and a
// mutation waiting behind it in its scope goes on. An answer after that changes nothing.
#include <string>

#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

/// A mutation function that never answers by itself: keeps each call's completion and signal.
struct HeldMutation {
  std::shared_ptr<std::vector<Completion>> done = std::make_shared<std::vector<Completion>>();
  std::shared_ptr<std::vector<AbortSignal>> signals = std::make_shared<std::vector<AbortSignal>>();
  MutationFn fn() const {
    return [done = done, signals = signals](const Value&, const AbortSignal& signal, Completion c) {
      done->push_back(std::move(c));
      signals->push_back(signal);
    };
  }
};

class QueryMutationAbandonTest : public QueryTest {
 protected:
  std::vector<std::string> cache_errors;
  QueryClient qc{
      rt, QueryClientOptions{.mutation_cache = {.on_error = [this](const Error& e, const Value&, const Value&,
                                                                   const MutationInfo&) {
                               cache_errors.emplace_back(to_string(e.code()));
                             }}}};
  HeldMutation held;
  int own_callbacks = 0;

  MutationOptions options(std::optional<std::string> scope = std::nullopt) {
    return {
        .fn = held.fn(),
        .scope = scope,
        .on_error = [this](const Error&, const Value&, const Value&) { ++own_callbacks; },
        .on_settled = [this](const Value&, const Error*, const Value&, const Value&) { ++own_callbacks; }};
  }
};

TEST_F(QueryMutationAbandonTest, APendingMutationIsCancelledItsSignalAbortsAndTheCacheHearsIt) {
  MutationObserver obs(qc, options());
  Future f = obs.mutate("v");
  rt.run_until_idle();
  ASSERT_EQ(held.done->size(), 1u);
  obs.abandon();
  rt.run_until_idle();
  EXPECT_TRUE((*held.signals)[0].aborted());
  ASSERT_TRUE(f.ready());
  ASSERT_NE(f.error(), nullptr);
  EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
  EXPECT_EQ(obs.get_current_result().status, MutationStatus::error);
  EXPECT_EQ(own_callbacks, 0) << "the abandoning app's callbacks do not run";
  EXPECT_EQ(cache_errors, std::vector<std::string>{"cancelled"});
  // A late answer changes nothing.
  (*held.done)[0].resolve("late");
  rt.run_until_idle();
  EXPECT_EQ(obs.get_current_result().status, MutationStatus::error);
  EXPECT_EQ(qc.is_mutating(), 0u);
}

TEST_F(QueryMutationAbandonTest, AbandoningASettledOrIdleMutationDoesNothing) {
  MutationObserver idle(qc, options());
  idle.abandon();
  EXPECT_EQ(idle.get_current_result().status, MutationStatus::idle);
  MutationObserver obs(qc, options());
  Future f = obs.mutate("v");
  rt.run_until_idle();
  (*held.done)[0].resolve("saved");
  rt.run_until_idle();
  obs.abandon();
  rt.run_until_idle();
  EXPECT_EQ(obs.get_current_result().status, MutationStatus::success);
  EXPECT_EQ(f.value(), Value("saved"));
  EXPECT_TRUE(cache_errors.empty());
}

TEST_F(QueryMutationAbandonTest, MutationsOfAScopeAbandonedNewestFirstLeaveTheLineAndNoneRuns) {
  std::vector<MutationObserver> line;
  std::vector<Future> futures;
  for (int i = 0; i < 50; ++i) {
    line.emplace_back(qc, options("save"));
    futures.push_back(line.back().mutate(i));
  }
  rt.run_until_idle();
  ASSERT_EQ(held.done->size(), 1u) << "one runs, the others wait";
  for (auto it = line.rbegin(); it != line.rend(); ++it) it->abandon();
  rt.run_until_idle();
  EXPECT_EQ(held.done->size(), 1u) << "none of those waiting ran";
  for (const Future& f : futures) {
    ASSERT_TRUE(f.ready());
    EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
  }
  EXPECT_EQ(cache_errors.size(), 50u);
  // The scope is free: a new mutation of it runs at once.
  MutationObserver next(qc, options("save"));
  (void)next.mutate("next");
  rt.run_until_idle();
  EXPECT_EQ(held.done->size(), 2u);
}

TEST_F(QueryMutationAbandonTest, AbandoningTheRunningOneOfAScopeLetsTheNextRun) {
  MutationObserver first(qc, options("save"));
  MutationObserver second(qc, options("save"));
  (void)first.mutate(1);
  Future f2 = second.mutate(2);
  rt.run_until_idle();
  ASSERT_EQ(held.done->size(), 1u);
  first.abandon();
  rt.run_until_idle();
  ASSERT_EQ(held.done->size(), 2u) << "the next of its scope runs";
  (*held.done)[1].resolve("second");
  rt.run_until_idle();
  EXPECT_EQ(f2.value(), Value("second"));
}

}  // namespace
}  // namespace mfstate::testing
