// Mutations, case by case from query-core's mutations.test.tsx, mutationCache.test.tsx and
// mutationObserver.test.tsx: readable state through each transition, restored (hydrated)
// mutations, scopes, callback order and errors (reported, never dropped), cache-level callbacks,
// find / find_all, garbage collection, per-call callbacks.
#include <string>

#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

class QueryMutationsTest : public QueryTest {
 protected:
  std::vector<std::string> reported;
  QueryClientOptions reporting(QueryClientOptions o = {}) {
    o.on_error = [this](const Error& e) { reported.emplace_back(e.what()); };
    return o;
  }
};

TEST_F(QueryMutationsTest, NullVariablesReachTheFunction) {
  QueryClient qc(rt);
  std::optional<Value> seen;
  MutationObserver m(qc, {.fn = [&](const Value& v, const AbortSignal&, Completion done) {
                            seen = v;
                            done.resolve(v);
                          }});
  (void)m.mutate(nullptr);
  ASSERT_TRUE(seen);
  EXPECT_TRUE(seen->is_null());
}

TEST_F(QueryMutationsTest, MutationDefaultsProvideTheFunction) {
  QueryClient qc(rt);
  std::vector<Value> calls;
  qc.set_mutation_defaults(key({"k"}), {.fn = [&](const Value& v, const AbortSignal&, Completion done) {
                                          calls.push_back(v);
                                          done.resolve(nullptr);
                                        }});
  (void)qc.mutate({.mutation_key = key({"k"})}, "vars");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0], Value("vars"));
}

TEST_F(QueryMutationsTest, TheObserverSeesEachSuccessState) {
  QueryClient qc(rt);
  MutationObserver m(qc, {.fn = delayed_mutation(rt, 10ms, [](const Value& v) { return v; }),
                          .on_mutate = [](const Value& v) { return v; }});
  MutationState idle = m.get_current_result();
  EXPECT_TRUE(idle.is_idle());
  EXPECT_TRUE(idle.context.is_null());
  EXPECT_FALSE(idle.data);
  EXPECT_EQ(idle.failure_count, 0);
  EXPECT_FALSE(idle.is_paused);
  EXPECT_EQ(idle.submitted_at, Millis{0});
  std::vector<MutationState> states;
  auto sub = m.subscribe([&](const MutationState& s) { states.push_back(s); });
  (void)m.mutate("todo");
  ASSERT_FALSE(states.empty());
  EXPECT_TRUE(states.back().is_pending());
  EXPECT_EQ(states.back().variables, Value("todo"));
  EXPECT_EQ(states.back().context, Value("todo"));
  EXPECT_EQ(states.back().submitted_at, rt.now());
  advance(10);
  const MutationState& done = states.back();
  EXPECT_TRUE(done.is_success());
  EXPECT_EQ(done.data, Value("todo"));
  EXPECT_EQ(done.context, Value("todo"));
  EXPECT_FALSE(done.error);
}

TEST_F(QueryMutationsTest, TheObserverSeesEachErrorStateThroughARetry) {
  QueryClient qc(rt);
  MutationObserver m(qc, {.fn = delayed_mutation(rt, 20ms, [](const Value&) -> Value {
                            throw Error(ErrorCode::query_error, "err");
                          }),
                          .retry = 1,
                          .retry_delay = Millis{10},
                          .on_mutate = [](const Value& v) { return v; }});
  std::vector<MutationState> states;
  auto sub = m.subscribe([&](const MutationState& s) { states.push_back(s); });
  Future f = m.mutate("todo");
  advance(20);
  EXPECT_TRUE(states.back().is_pending());
  EXPECT_EQ(states.back().failure_count, 1);
  EXPECT_STREQ(states.back().failure_reason->what(), "err");
  EXPECT_FALSE(states.back().error);
  advance(30);
  const MutationState& s = states.back();
  EXPECT_TRUE(s.is_error());
  EXPECT_EQ(s.failure_count, 2);
  EXPECT_STREQ(s.error->what(), "err");
  EXPECT_EQ(s.variables, Value("todo"));
  EXPECT_FALSE(f.ok());
}

TEST_F(QueryMutationsTest, ARestoredPausedMutationContinuesWithoutOnMutate) {
  QueryClient qc(rt);
  int on_mutate = 0;
  int on_success = 0;
  qc.set_mutation_defaults(key({"k"}), {.fn = delayed_mutation(rt, 10ms, [](const Value& v) { return v; }),
                                        .on_mutate = [&](const Value&) {
                                          ++on_mutate;
                                          return Value();
                                        },
                                        .on_success = [&](const Value&, const Value&, const Value&) { ++on_success; }});
  DehydratedState state;
  MutationState paused;
  paused.context = "todo";
  paused.failure_count = 1;
  paused.failure_reason = Error(ErrorCode::query_error, "err");
  paused.is_paused = true;
  paused.status = MutationStatus::pending;
  paused.variables = "todo";
  paused.submitted_at = Millis{1};
  state.mutations.push_back({.mutation_key = key({"k"}), .state = paused});
  qc.hydrate(state);
  auto restored = qc.mutation_cache().find({.mutation_key = key({"k"})});
  ASSERT_TRUE(restored);
  EXPECT_TRUE(restored->state.is_paused);
  (void)qc.resume_paused_mutations();
  restored = qc.mutation_cache().find({.mutation_key = key({"k"})});
  EXPECT_FALSE(restored->state.is_paused);
  EXPECT_TRUE(restored->state.is_pending());
  advance(10);
  restored = qc.mutation_cache().find({.mutation_key = key({"k"})});
  EXPECT_TRUE(restored->state.is_success());
  EXPECT_EQ(restored->state.data, Value("todo"));
  EXPECT_EQ(restored->state.failure_count, 0);
  EXPECT_EQ(restored->state.submitted_at, Millis{1});
  EXPECT_EQ(on_mutate, 0);
  EXPECT_EQ(on_success, 1);
}

TEST_F(QueryMutationsTest, WithoutAFunctionTheMutationFails) {
  QueryClient qc(rt);
  MutationObserver m(qc, {.retry = false});
  Future f = m.mutate(Value());
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.error()->code(), ErrorCode::invalid_argument);
}

TEST_F(QueryMutationsTest, PerCallCallbacksRunOnlyWhileTheObserverHasAListener) {
  QueryClient qc(rt);
  int called = 0;
  MutationObserver m(qc, {.fn = sync_mutation([](const Value&) { return Value("update"); })});
  (void)m.mutate(Value(), {.on_success = [&](const Value&, const Value&, const Value&) { ++called; },
                           .on_settled = [&](const Value&, const Error*, const Value&, const Value&) { ++called; }});
  EXPECT_EQ(m.get_current_result().data, Value("update"));
  EXPECT_EQ(called, 0);
  auto sub = m.subscribe(nullptr);
  (void)m.mutate("x", {.on_success = [&](const Value& data, const Value& vars, const Value&) {
                         EXPECT_EQ(data, Value("update"));
                         EXPECT_EQ(vars, Value("x"));
                         ++called;
                       }});
  EXPECT_EQ(called, 1);
}

TEST_F(QueryMutationsTest, CallbacksSeeOptionsChangedWhileTheMutationIsPending) {
  QueryClient qc(rt);
  std::vector<int> seen;
  auto fn = delayed_mutation(rt, 100ms, [](const Value&) { return Value("update"); });
  MutationObserver m(qc, {.fn = fn, .on_success = [&](const Value&, const Value&, const Value&) { seen.push_back(1); }});
  (void)m.mutate(Value());
  m.set_options({.fn = fn, .on_success = [&](const Value&, const Value&, const Value&) { seen.push_back(2); }});
  advance(100);
  EXPECT_EQ(seen, (std::vector<int>{2}));
}

TEST_F(QueryMutationsTest, MutationsOfOneScopeRunInSeriesAndTheSecondWaitsPaused) {
  QueryClient qc(rt);
  std::vector<std::string> results;
  auto step = [&](std::string name) { return logged_mutation(rt, results, "start-" + name, "finish-" + name, 10ms); };
  (void)qc.mutate({.fn = step("A"), .mutation_key = key({"a"}), .scope = "scope"}, "vars1");
  auto a = qc.mutation_cache().find({.mutation_key = key({"a"})});
  EXPECT_TRUE(a->state.is_pending());
  EXPECT_FALSE(a->state.is_paused);
  (void)qc.mutate({.fn = step("B"), .mutation_key = key({"b"}), .scope = "scope"}, "vars2");
  auto b = qc.mutation_cache().find({.mutation_key = key({"b"})});
  EXPECT_TRUE(b->state.is_pending());
  EXPECT_TRUE(b->state.is_paused);
  advance(20);
  EXPECT_EQ(results, (std::vector<std::string>{"start-A", "finish-A", "start-B", "finish-B"}));
}

TEST_F(QueryMutationsTest, MutationsWithoutAScopeRunInParallel) {
  QueryClient qc(rt);
  std::vector<std::string> results;
  auto step = [&](std::string name) { return logged_mutation(rt, results, "start-" + name, "finish-" + name, 10ms); };
  (void)qc.mutate({.fn = step("A")}, "vars1");
  (void)qc.mutate({.fn = step("B")}, "vars2");
  advance(10);
  EXPECT_EQ(results, (std::vector<std::string>{"start-A", "start-B", "finish-A", "finish-B"}));
}

TEST_F(QueryMutationsTest, SuccessCallbacksRunInOrderAndTheirReturnsAreIgnored) {
  QueryClient qc(rt);
  std::vector<std::string> results;
  Future f = qc.mutate({.fn = sync_mutation([](const Value&) { return Value("actual-result"); }),
                        .on_mutate = [&](const Value&) {
                          results.push_back("onMutate");
                          return Value::object({{"rollback", "data"}});
                        },
                        .on_success = [&](const Value&, const Value&, const Value&) { results.push_back("onSuccess"); },
                        .on_error = [&](const Error&, const Value&, const Value&) { results.push_back("onError"); },
                        .on_settled = [&](const Value&, const Error*, const Value&, const Value& context) {
                          results.push_back("settled-" + std::string(context.get("rollback").as_string()));
                        }},
                       "vars");
  EXPECT_EQ(f.value(), Value("actual-result"));
  EXPECT_EQ(results, (std::vector<std::string>{"onMutate", "onSuccess", "settled-data"}));
}

TEST_F(QueryMutationsTest, ErrorCallbacksRunInOrderWithTheContext) {
  QueryClient qc(rt);
  std::vector<std::string> results;
  Future f = qc.mutate({.fn = [](const Value&, const AbortSignal&, Completion done) {
                          done.reject(Error(ErrorCode::query_error, "mutation-error"));
                        },
                        .on_mutate = [&](const Value&) {
                          results.push_back("onMutate");
                          return Value::object({{"backup", "error-data"}});
                        },
                        .on_success = [&](const Value&, const Value&, const Value&) { results.push_back("onSuccess"); },
                        .on_error = [&](const Error&, const Value&, const Value&) { results.push_back("onError"); },
                        .on_settled = [&](const Value&, const Error* e, const Value&, const Value& context) {
                          EXPECT_STREQ(e->what(), "mutation-error");
                          results.push_back("settled-" + std::string(context.get("backup").as_string()));
                        }},
                       "vars");
  EXPECT_STREQ(f.error()->what(), "mutation-error");
  EXPECT_EQ(results, (std::vector<std::string>{"onMutate", "onError", "settled-error-data"}));
}

TEST_F(QueryMutationsTest, AThrowingCacheOnSuccessFailsTheMutationAndRunsTheErrorPath) {
  std::vector<std::string> results;
  QueryClient qc(rt, reporting({.mutation_cache = {.on_success = [](const Value&, const Value&, const Value&,
                                                                    const MutationInfo&) {
                                  throw Error(ErrorCode::query_error, "mutation-error");
                                }}}));
  Future f = qc.mutate({.fn = sync_mutation([](const Value&) { return Value("success"); }),
                        .on_mutate = [&](const Value&) {
                          results.push_back("onMutate");
                          return Value();
                        },
                        .on_success = [&](const Value&, const Value&, const Value&) { results.push_back("onSuccess"); },
                        .on_error = [&](const Error&, const Value&, const Value&) { results.push_back("onError"); },
                        .on_settled = [&](const Value&, const Error*, const Value&, const Value&) {
                          results.push_back("onSettled");
                        }},
                       "vars");
  EXPECT_STREQ(f.error()->what(), "mutation-error");
  EXPECT_EQ(results, (std::vector<std::string>{"onMutate", "onError", "onSettled"}));
}

TEST_F(QueryMutationsTest, AThrowingOnSettledAfterSuccessRunsBothSettledCallbacksTwiceAndIsReported) {
  std::vector<std::string> results;
  QueryClient qc(rt, reporting({.mutation_cache = {.on_settled = [&](const Value&, const Error*, const Value&,
                                                                     const Value&, const MutationInfo&) {
                                  results.push_back("global-onSettled");
                                  throw Error(ErrorCode::query_error, "mutation-error");
                                }}}));
  Future f = qc.mutate({.fn = sync_mutation([](const Value&) { return Value("success"); }),
                        .on_success = [&](const Value&, const Value&, const Value&) { results.push_back("onSuccess"); },
                        .on_error = [&](const Error&, const Value&, const Value&) { results.push_back("onError"); },
                        .on_settled = [&](const Value&, const Error*, const Value&, const Value&) {
                          results.push_back("local-onSettled");
                        }},
                       "vars");
  EXPECT_EQ(results, (std::vector<std::string>{"onSuccess", "global-onSettled", "onError", "global-onSettled",
                                               "local-onSettled"}));
  EXPECT_STREQ(f.error()->what(), "mutation-error");
  EXPECT_EQ(reported, (std::vector<std::string>{"mutation-error"}));
}

TEST_F(QueryMutationsTest, ErrorsFromErrorAndSettledCallbacksAreReportedInOrderNotDropped) {
  // Issue 10: mutation callback errors were dropped silently.
  QueryClient qc(rt, reporting({.mutation_cache = {
                                    .on_error = [](const Error&, const Value&, const Value&, const MutationInfo&) {
                                      throw Error(ErrorCode::query_error, "global-error-error");
                                    },
                                    .on_settled = [](const Value&, const Error*, const Value&, const Value&,
                                                     const MutationInfo&) {
                                      throw Error(ErrorCode::query_error, "global-settled-error");
                                    }}}));
  Future f = qc.mutate({.fn = sync_mutation([](const Value&) { return Value("success"); }),
                        .on_mutate = [](const Value&) -> Value { throw Error(ErrorCode::query_error, "mutation-error"); },
                        .on_error = [](const Error&, const Value&, const Value&) {
                          throw Error(ErrorCode::query_error, "error-error");
                        },
                        .on_settled = [](const Value&, const Error*, const Value&, const Value&) {
                          throw std::runtime_error("settled-error");
                        }},
                       "vars");
  EXPECT_STREQ(f.error()->what(), "mutation-error");
  EXPECT_EQ(reported, (std::vector<std::string>{"global-error-error", "error-error", "global-settled-error",
                                                "settled-error"}));
}

TEST_F(QueryMutationsTest, ErrorsFromPerCallCallbacksAreReportedAndListenersStillHear) {
  QueryClient qc(rt, reporting());
  MutationObserver m(qc, {.fn = sync_mutation([](const Value& v) { return v; })});
  int told = 0;
  auto sub = m.subscribe([&](const MutationState&) { ++told; });
  (void)m.mutate("success", {.on_success = [](const Value&, const Value&, const Value&) {
                               throw Error(ErrorCode::query_error, "onSuccess-error");
                             },
                             .on_settled = [](const Value&, const Error*, const Value&, const Value&) {
                               throw Error(ErrorCode::query_error, "onSettled-error");
                             }});
  EXPECT_EQ(reported, (std::vector<std::string>{"onSuccess-error", "onSettled-error"}));
  EXPECT_TRUE(m.get_current_result().is_success());
  EXPECT_EQ(told, 2);  // pending, then success (a mutation observer is told of every transition)
}

TEST_F(QueryMutationsTest, CacheCallbacksGetVariablesContextAndTheMutation) {
  std::vector<std::string> log;
  QueryClient qc(rt, {.mutation_cache = {
                          .on_mutate = [&](const Value& vars, const MutationInfo& m) {
                            log.push_back("mutate " + std::string(vars.as_string()) + " " + m.mutation_key.to_json());
                          },
                          .on_success = [&](const Value& data, const Value& vars, const Value& ctx,
                                            const MutationInfo&) {
                            log.push_back("success " + data.to_json() + " " + std::string(vars.as_string()) + " " +
                                          std::string(ctx.as_string()));
                          },
                          .on_error = [&](const Error& e, const Value&, const Value&, const MutationInfo&) {
                            log.push_back(std::string("error ") + e.what());
                          },
                          .on_settled = [&](const Value&, const Error* e, const Value&, const Value&,
                                            const MutationInfo&) { log.push_back(e ? "settled error" : "settled"); }}});
  (void)qc.mutate({.fn = sync_mutation([](const Value&) { return Value::object({{"data", 5}}); }),
                   .mutation_key = key({"k"}),
                   .on_mutate = [](const Value&) { return Value("result"); }},
                  "vars");
  (void)qc.mutate({.fn = [](const Value&, const AbortSignal&, Completion done) {
                     done.reject(Error(ErrorCode::query_error, "boom"));
                   }},
                  "vars");
  EXPECT_EQ(log, (std::vector<std::string>{R"(mutate vars ["k"])", R"(success {"data":5} vars result)", "settled",
                                           "mutate vars null", "error boom", "settled error"}));
}

TEST_F(QueryMutationsTest, FindMatchesExactlyByDefaultAndFindAllPartially) {
  QueryClient qc(rt);
  auto slow = delayed_mutation(rt, 10ms, [](const Value&) { return Value(); });
  (void)qc.mutate({.fn = slow, .mutation_key = key({"mutation", "vars"})}, "vars");
  EXPECT_TRUE(qc.mutation_cache().find({.mutation_key = key({"mutation", "vars"})}));
  EXPECT_TRUE(qc.mutation_cache().find({.mutation_key = key({"mutation"}), .exact = false}));
  EXPECT_FALSE(qc.mutation_cache().find({.mutation_key = key({"mutation"})}));
  EXPECT_FALSE(qc.mutation_cache().find({.mutation_key = key({"unknown"})}));
  EXPECT_TRUE(qc.mutation_cache().find(
      {.predicate = [](const MutationInfo& m) { return m.mutation_key.at(0) == Value("mutation"); }}));

  (void)qc.mutate({.fn = slow, .mutation_key = key({"a", 1})}, 1);
  (void)qc.mutate({.fn = slow, .mutation_key = key({"a", 2})}, 2);
  (void)qc.mutate({.fn = slow, .mutation_key = key({"b"})}, 3);
  EXPECT_EQ(qc.mutation_cache().find_all({.mutation_key = key({"a"})}).size(), 2u);
  auto second = qc.mutation_cache().find_all({.predicate = [](const MutationInfo& m) {
    return m.mutation_key.is_array() && m.mutation_key.size() > 1 && m.mutation_key.at(1) == Value(2);
  }});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].state.variables, Value(2));
  EXPECT_TRUE(qc.mutation_cache().find_all({.mutation_key = key({"unknown"})}).empty());
  // A mutation without a key never matches a key filter.
  (void)qc.mutate({.fn = slow}, 4);
  EXPECT_EQ(qc.mutation_cache().find_all({.mutation_key = key({})}).size(), 4u);
  EXPECT_EQ(qc.mutation_cache().find_all().size(), 5u);
}

TEST_F(QueryMutationsTest, ASettledUnobservedMutationIsCollectedAfterItsGcTime) {
  QueryClient qc(rt);
  int succeeded = 0;
  (void)qc.mutate({.fn = delayed_mutation(rt, 10ms, [](const Value&) { return Value(); }),
                   .mutation_key = key({"a", 1}),
                   .on_success = [&](const Value&, const Value&, const Value&) { ++succeeded; },
                   .gc_time = Millis{10}},
                  1);
  advance(10);
  EXPECT_EQ(qc.mutation_cache().find_all().size(), 1u);
  advance(10);
  EXPECT_TRUE(qc.mutation_cache().find_all().empty());
  EXPECT_EQ(succeeded, 1);
}

TEST_F(QueryMutationsTest, AnObservedMutationIsKeptAndCollectedAfterTheObserverLeaves) {
  QueryClient qc(rt);
  MutationObserver m(qc, {.fn = delayed_mutation(rt, 10ms, [](const Value& v) { return v; }), .gc_time = Millis{10}});
  auto sub = m.subscribe(nullptr);
  EXPECT_TRUE(qc.mutation_cache().find_all().empty());
  (void)m.mutate(1);
  EXPECT_EQ(qc.mutation_cache().find_all().size(), 1u);
  advance(10);
  EXPECT_EQ(qc.mutation_cache().find_all().size(), 1u);
  sub.cancel();
  m.reset();
  EXPECT_EQ(qc.mutation_cache().find_all().size(), 1u);
  advance(10);
  EXPECT_TRUE(qc.mutation_cache().find_all().empty());
}

TEST_F(QueryMutationsTest, APendingMutationIsNotCollectedAndStillCallsBack) {
  QueryClient qc(rt);
  int succeeded = 0;
  (void)qc.mutate({.fn = delayed_mutation(rt, 10ms, [](const Value&) { return Value("data"); }),
                   .on_success = [&](const Value&, const Value&, const Value&) { ++succeeded; },
                   .gc_time = Millis{0}},
                  1);
  advance(10);
  EXPECT_EQ(succeeded, 1);
  EXPECT_TRUE(qc.mutation_cache().find_all().empty());
}

TEST_F(QueryMutationsTest, TheObserverOfASecondListenerKeepsHearing) {
  QueryClient qc(rt);
  MutationObserver m(qc, {.fn = delayed_mutation(rt, 20ms, [](const Value& v) { return v; })});
  int first = 0;
  int second = 0;
  auto s1 = m.subscribe([&](const MutationState&) { ++first; });
  auto s2 = m.subscribe([&](const MutationState&) { ++second; });
  (void)m.mutate("input");
  s1.cancel();
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 1);
  advance(20);
  EXPECT_EQ(first, 1);
  EXPECT_EQ(second, 2);
}

TEST_F(QueryMutationsTest, ResubscribingPicksUpTheMutationInFlightOrSettled) {
  QueryClient qc(rt);
  MutationObserver m(qc, {.fn = delayed_mutation(rt, 20ms, [](const Value& v) { return v; })});
  { auto s = m.subscribe(nullptr); }
  (void)m.mutate("input");
  int told = 0;
  auto s = m.subscribe([&](const MutationState&) { ++told; });
  advance(20);
  EXPECT_TRUE(m.get_current_result().is_success());
  EXPECT_EQ(m.get_current_result().data, Value("input"));
  EXPECT_EQ(told, 1);
}

TEST_F(QueryMutationsTest, ChangingTheMutationKeyResetsTheObserverButNotTheMutation) {
  QueryClient qc(rt);
  MutationObserver m(qc, {.fn = sync_mutation([](const Value& v) { return v; }), .mutation_key = key({"k", "1"})});
  auto sub = m.subscribe(nullptr);
  (void)m.mutate("input");
  EXPECT_TRUE(m.get_current_result().is_success());
  m.set_options({.mutation_key = key({"k", "2"})});
  EXPECT_TRUE(m.get_current_result().is_idle());
  auto old = qc.mutation_cache().find({.mutation_key = key({"k", "1"})});
  ASSERT_TRUE(old);
  EXPECT_TRUE(old->state.is_success());
}

TEST_F(QueryMutationsTest, ChangedMetaAppliesToThePendingMutationOnly) {
  QueryClient qc(rt);
  auto fn = delayed_mutation(rt, 20ms, [](const Value& v) { return v; });
  MutationObserver m(qc, {.fn = fn, .meta = Value::object({{"a", 1}})});
  auto sub = m.subscribe(nullptr);
  (void)m.mutate("input");
  advance(5);
  m.set_options({.fn = fn, .meta = Value::object({{"a", 2}})});
  EXPECT_EQ(qc.mutation_cache().find({})->meta, Value::object({{"a", 2}}));
  advance(20);
  m.set_options({.fn = fn, .meta = Value::object({{"a", 3}})});
  EXPECT_EQ(qc.mutation_cache().find({})->meta, Value::object({{"a", 2}}));
  (void)m.mutate("again");
  advance(20);
  auto all = qc.mutation_cache().find_all();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].meta, Value::object({{"a", 3}}));
}

// The retry options are the mutation's when it started (query-core's retryer copies them): set_options
// while it is pending changes its callbacks and meta, not how it retries.
TEST_F(QueryMutationsTest, APendingMutationRetriesAsItsOptionsSaidWhenItStarted) {
  QueryClient qc(rt);
  auto fn = delayed_mutation(rt, 20ms, [](const Value&) -> Value { throw Error(ErrorCode::query_error, "err"); });
  MutationObserver m(qc, {.fn = fn, .retry = 1, .retry_delay = Millis{10}});
  auto sub = m.subscribe(nullptr);
  Future f = m.mutate("input");
  m.set_options({.fn = fn, .retry = 0, .retry_delay = Millis{500}});
  advance(20);
  EXPECT_FALSE(f.ready());
  EXPECT_EQ(qc.mutation_cache().find({})->state.failure_count, 1);
  advance(30);
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(qc.mutation_cache().find({})->state.failure_count, 2);
}

TEST_F(QueryMutationsTest, MutationCacheEventsFollowTheTransitions) {
  QueryClient qc(rt);
  std::vector<std::string> log;
  auto sub = qc.mutation_cache().subscribe([&](const MutationCacheEvent& e) {
    static const char* types[] = {"added", "removed", "updated", "observerAdded", "observerRemoved", "observerOptionsUpdated"};
    log.push_back(std::string(types[static_cast<int>(e.type)]) + (e.action.empty() ? "" : " " + std::string(e.action)));
  });
  MutationObserver m(qc, {.fn = sync_mutation([](const Value& v) { return v; }), .gc_time = Millis{0}});
  (void)m.mutate(1);
  m.reset();
  advance(0);
  EXPECT_EQ(log, (std::vector<std::string>{"added", "observerAdded", "updated pending", "updated success",
                                           "observerRemoved", "removed"}));
}

TEST_F(QueryMutationsTest, IsMutatingCountsByFilter) {
  QueryClient qc(rt);
  auto slow = delayed_mutation(rt, 10ms, [](const Value&) { return Value(); });
  (void)qc.mutate({.fn = slow, .mutation_key = key({"a", 1})}, 1);
  (void)qc.mutate({.fn = slow, .mutation_key = key({"b"})}, 2);
  EXPECT_EQ(qc.is_mutating(), 2u);
  EXPECT_EQ(qc.is_mutating({.mutation_key = key({"a"})}), 1u);
  EXPECT_EQ(qc.is_mutating({.mutation_key = key({"a"}), .exact = true}), 0u);
  advance(10);
  EXPECT_EQ(qc.is_mutating(), 0u);
}

}  // namespace
}  // namespace mfstate::testing
