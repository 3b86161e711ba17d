// One query's lifecycle, case by case from query-core's query.test.tsx: gc time, retries paused
// by focus and connectivity, cancellation (the signal a fetcher uses), reset, meta, the last
// observer leaving, errors, initial data.
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

class QueryEntryTest : public QueryTest {
 protected:
  Fetcher value_after(std::int64_t ms, Value v) {
    return DelayedFetcher{&rt, Millis{ms}, [v](const FetchContext&) { return v; }}.fetcher();
  }
};

TEST_F(QueryEntryTest, AQueryKeepsTheLongestGcTimeItHasSeen) {
  // Issue 11: the last gc_time won (an observer with 10 ms after one with 200 ms collected at 10).
  QueryClient qc(rt);
  auto data = sync_fetcher([](const Value&) { return Value("data"); });
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = data, .gc_time = Millis{100}});
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = data, .gc_time = Millis{200}});
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = data, .gc_time = Millis{10}});
  EXPECT_EQ(qc.query_cache().find({.key = key({"k"})})->gc_time, Millis{200});
  advance(10);
  EXPECT_TRUE(qc.get_query_data(key({"k"})));
  {
    auto sub = qc.observe({.key = key({"k"}), .fetcher = data, .stale_time = never_expires, .gc_time = Millis{10}},
                          nullptr);
  }
  advance(199);
  EXPECT_TRUE(qc.get_query_data(key({"k"})));
  advance(1);
  EXPECT_FALSE(qc.get_query_data(key({"k"})));
}

TEST_F(QueryEntryTest, AnyNumberOfDistinctGcTimesIsCollected) {
  // Issue 11: gc lists were indexed by a uint8_t; 257 distinct gc_times made gc loop forever.
  QueryClient qc(rt);
  for (int i = 0; i < 300; ++i) {
    (void)qc.prefetch_query({.key = key({"k", i}),
                             .fetcher = sync_fetcher([](const Value&) { return Value(1); }),
                             .gc_time = Millis{1 + i}});
  }
  EXPECT_EQ(qc.stats().entries, 300u);
  advance(150);
  EXPECT_EQ(qc.stats().entries, 150u);
  EXPECT_FALSE(qc.get_query_data(key({"k", 148})));
  EXPECT_TRUE(qc.get_query_data(key({"k", 150})));
  advance(150);
  EXPECT_EQ(qc.stats().entries, 0u);
}

TEST_F(QueryEntryTest, RetriesPausedWhileUnfocusedContinueOnFocusAndSettleEveryCaller) {
  QueryClient qc(rt);
  qc.set_focused(false);
  int count = 0;
  Fetcher fetcher = [&](const FetchContext&, Completion done) {
    if (++count == 3) {
      done.resolve("data3");
    } else {
      done.reject(Error(ErrorCode::query_error, "error" + std::to_string(count)));
    }
  };
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = fetcher, .retry = 3, .retry_delay = Millis{1}});
  advance(50);
  EXPECT_FALSE(f.ready());
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::paused);
  qc.set_focused(true);
  advance(50);
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.value(), Value("data3"));
}

TEST_F(QueryEntryTest, RetriesPausedOfflineContinueOnReconnect) {
  QueryClient qc(rt);
  int count = 0;
  Fetcher fetcher = [&](const FetchContext&, Completion done) {
    if (++count == 3) {
      done.resolve("data3");
    } else {
      done.reject(Error(ErrorCode::query_error, "error"));
    }
  };
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = fetcher, .retry = 3, .retry_delay = Millis{1}});
  qc.set_online(false);
  advance(1);
  EXPECT_FALSE(f.ready());
  qc.set_online(true);
  advance(2);
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.value(), Value("data3"));
}

TEST_F(QueryEntryTest, CancellingAPausedQueryRejectsWithCancelled) {
  QueryClient qc(rt);
  qc.set_focused(false);
  Future f = qc.fetch_query({.key = key({"k"}),
                             .fetcher = [](const FetchContext&, Completion) { throw Error(ErrorCode::query_error, "e"); },
                             .retry = 3,
                             .retry_delay = Millis{1}});
  advance(50);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::paused);
  qc.cancel_queries({.key = key({"k"})});
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
}

TEST_F(QueryEntryTest, APausedInitialFetchIsCancelledWhenItsLastObserverLeaves) {
  QueryClient qc(rt);
  qc.set_online(false);
  int count = 0;
  Fetcher fetcher = [&](const FetchContext&, Completion done) {
    ++count;
    done.resolve("data");
  };
  {
    auto sub = qc.observe({.key = key({"k"}), .fetcher = fetcher}, nullptr);
    auto s = qc.get_query_state(key({"k"}));
    EXPECT_EQ(s->fetch_status, FetchStatus::paused);
    EXPECT_EQ(s->status, QueryStatus::pending);
  }
  auto s = qc.get_query_state(key({"k"}));
  EXPECT_EQ(s->fetch_status, FetchStatus::idle);
  EXPECT_EQ(s->status, QueryStatus::pending);
  qc.set_online(true);
  advance(11);
  EXPECT_EQ(count, 0);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::pending);
}

TEST_F(QueryEntryTest, AFetchThatIgnoresItsSignalCompletesAfterTheLastObserverLeaves) {
  QueryClient qc(rt);
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = value_after(100, "data")});
  advance(10);
  {
    QueryObserver o(qc, {.key = key({"k"}), .enabled = false});
    auto sub = o.subscribe(nullptr);
  }
  advance(90);
  auto s = qc.get_query_state(key({"k"}));
  EXPECT_EQ(s->data, Value("data"));
  EXPECT_EQ(s->status, QueryStatus::success);
  EXPECT_EQ(s->data_update_count, 1u);
}

TEST_F(QueryEntryTest, AFetchThatUsesItsSignalIsCancelledWhenTheLastObserverLeaves) {
  QueryClient qc(rt);
  Fetcher fetcher = [&](const FetchContext& ctx, Completion done) {
    AbortSignal signal = ctx.signal;
    (void)rt.scheduler().schedule_after(100ms, [signal, done] { done.resolve(signal.aborted() ? "aborted" : "data"); });
  };
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = fetcher});
  // The fetcher had not looked at its signal yet: only reading it marks it used.
  Fetcher reading = [&](const FetchContext& ctx, Completion done) {
    if (ctx.signal.aborted()) return;
    AbortSignal signal = ctx.signal;
    (void)rt.scheduler().schedule_after(100ms, [signal, done] { done.resolve(signal.aborted() ? "aborted" : "data"); });
  };
  (void)qc.prefetch_query({.key = key({"r"}), .fetcher = reading});
  advance(10);
  for (const char* k : {"k", "r"}) {
    QueryObserver o(qc, {.key = key({k}), .enabled = false});
    auto sub = o.subscribe(nullptr);
  }
  advance(90);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->data, Value("data"));
  auto r = qc.get_query_state(key({"r"}));
  EXPECT_FALSE(r->data);
  EXPECT_EQ(r->status, QueryStatus::pending);
  EXPECT_EQ(r->fetch_status, FetchStatus::idle);
}

// query-core marks the signal unused at each attempt (fetchFn): an attempt that does not read it,
// after one that did, is left to complete when the last observer leaves, not cancelled.
TEST_F(QueryEntryTest, AnAttemptThatIgnoresItsSignalAfterOneThatReadItCompletesAfterTheLastObserverLeaves) {
  QueryClient qc(rt);
  int attempts = 0;
  Fetcher fetcher = [&](const FetchContext& ctx, Completion done) {
    if (++attempts == 1) {
      (void)ctx.signal.aborted();
      throw Error(ErrorCode::query_error, "first attempt fails");
    }
    (void)rt.scheduler().schedule_after(100ms, [done] { done.resolve("data"); });
  };
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = fetcher, .retry = 1, .retry_delay = Millis{1}});
  advance(10);
  ASSERT_EQ(attempts, 2);
  {
    QueryObserver o(qc, {.key = key({"k"}), .enabled = false});
    auto sub = o.subscribe(nullptr);
  }
  advance(100);
  auto s = qc.get_query_state(key({"k"}));
  EXPECT_EQ(s->data, Value("data"));
  EXPECT_EQ(s->status, QueryStatus::success);
}

TEST_F(QueryEntryTest, TheFetcherIsToldTheKeyMetaAndAnUnabortedSignal) {
  QueryClient qc(rt);
  std::optional<FetchContext> seen;
  (void)qc.prefetch_query({.key = key({"k"}),
                           .fetcher = [&](const FetchContext& ctx, Completion done) {
                             seen = ctx;
                             done.resolve(1);
                           },
                           .meta = Value::object({{"it", "works"}})});
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->key, key({"k"}));
  EXPECT_EQ(seen->meta, Value::object({{"it", "works"}}));
  EXPECT_TRUE(seen->page_param.is_null());
  EXPECT_FALSE(seen->signal.aborted());
}

TEST_F(QueryEntryTest, CancelAbortsTheSignalAndNoRetryFollows) {
  QueryClient qc(rt);
  int calls = 0;
  int aborted = 0;
  Fetcher fetcher = [&](const FetchContext& ctx, Completion done) {
    ++calls;
    ctx.signal.on_abort([&] { ++aborted; });
    (void)rt.scheduler().schedule_after(10ms, [done] { done.reject(Error(ErrorCode::query_error, "e")); });
  };
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = fetcher, .retry = 3, .retry_delay = Millis{10}});
  qc.cancel_queries({.key = key({"k"})});
  advance(100);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(aborted, 1);
  EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
}

TEST_F(QueryEntryTest, ResetWhilePendingRejectsTheFetchWithoutAnError) {
  QueryClient qc(rt);
  Future f = qc.fetch_query({.key = key({"k"}),
                             .fetcher = DelayedFetcher{&rt, 10ms, [](const FetchContext&) -> Value {
                                                         throw Error(ErrorCode::query_error, "e");
                                                       }}.fetcher(),
                             .retry = 3,
                             .retry_delay = Millis{10}});
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::pending);
  (void)qc.reset_queries({.key = key({"k"})});
  advance(100);
  auto s = qc.get_query_state(key({"k"}));
  EXPECT_FALSE(s->error);
  EXPECT_EQ(s->fetch_status, FetchStatus::idle);
  EXPECT_FALSE(s->data);
  EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
}

TEST_F(QueryEntryTest, AHydratedQueryResetsToNothing) {
  QueryClient a(rt);
  (void)a.prefetch_query({.key = key({"k"}), .fetcher = sync_fetcher([](const Value&) { return Value("string"); })});
  QueryClient b(rt);
  b.hydrate(a.dehydrate());
  EXPECT_EQ(b.get_query_data(key({"k"})), Value("string"));
  (void)b.reset_queries({.key = key({"k"})});
  EXPECT_FALSE(b.get_query_data(key({"k"})));
}

TEST_F(QueryEntryTest, ACancelledQueryCanBeFetchedAgain) {
  QueryClient qc(rt);
  DelayedFetcher df{&rt, 50ms, [](const FetchContext&) { return Value("data"); }};
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = df.fetcher()});
  advance(10);
  qc.cancel_queries({.key = key({"k"})}, {.revert = false});
  advance(100);
  EXPECT_EQ(*df.count, 1);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->error->code(), ErrorCode::cancelled);
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = df.fetcher()});
  advance(50);
  EXPECT_EQ(f.value(), Value("data"));
  EXPECT_FALSE(qc.get_query_state(key({"k"}))->error);
  EXPECT_EQ(*df.count, 2);
}

TEST_F(QueryEntryTest, CancellingASettledQueryChangesNothing) {
  QueryClient qc(rt);
  (void)qc.prefetch_query({.key = key({"ok"}), .fetcher = sync_fetcher([](const Value&) { return Value("data"); })});
  (void)qc.prefetch_query({.key = key({"ko"}), .fetcher = [](const FetchContext&, Completion done) {
                             done.reject(Error(ErrorCode::query_error, "error"));
                           }});
  qc.cancel_queries({.key = key({"ok"})});
  qc.cancel_queries({.key = key({"ko"})});
  advance(10);
  EXPECT_EQ(qc.get_query_data(key({"ok"})), Value("data"));
  EXPECT_EQ(qc.get_query_state(key({"ko"}))->error->code(), ErrorCode::query_error);
}

TEST_F(QueryEntryTest, AnErrorStatusIsKeptWhileRefetching) {
  QueryClient qc(rt);
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = sync_fetcher([](const Value&) { return Value("data"); })});
  Fetcher reject = [](const FetchContext&, Completion done) { done.reject(Error(ErrorCode::query_error, "reject")); };
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = reject, .retry = false});
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::error);
  (void)qc.prefetch_query({.key = key({"k"}),
                           .fetcher = DelayedFetcher{&rt, 10ms, [](const FetchContext&) -> Value {
                                                       throw Error(ErrorCode::query_error, "reject");
                                                     }}.fetcher(),
                           .retry = false});
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::error);
  advance(10);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::error);
}

TEST_F(QueryEntryTest, ABackgroundErrorMarksTheQueryInvalidatedSoFocusRefetchesIt) {
  // Issue 11: is_invalidated stayed false after a background error and nothing refetched on focus.
  QueryClient qc(rt);
  int calls = 0;
  Fetcher fetcher = [&](const FetchContext&, Completion done) {
    if (++calls == 2) {
      done.reject(Error(ErrorCode::query_error, "background error"));
    } else {
      done.resolve("data" + std::to_string(calls));
    }
  };
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = fetcher, .stale_time = 1000ms, .retry = false});
  auto sub = o.subscribe(nullptr);
  EXPECT_EQ(o.get_current_result().data, Value("data1"));
  (void)o.refetch();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(o.get_current_result().status, QueryStatus::error);
  EXPECT_EQ(o.get_current_result().data, Value("data1"));
  EXPECT_TRUE(qc.get_query_state(key({"k"}))->is_invalidated);
  qc.set_focused(false);
  qc.set_focused(true);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(o.get_current_result().data, Value("data3"));
}

TEST_F(QueryEntryTest, AStaticQueryWithABackgroundErrorDoesNotRefetchOnFocus) {
  QueryClient qc(rt);
  int calls = 0;
  Fetcher fetcher = [&](const FetchContext&, Completion done) {
    if (++calls == 1) {
      done.resolve("data");
    } else {
      done.reject(Error(ErrorCode::query_error, "background error"));
    }
  };
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = fetcher, .stale_time = static_stale_time, .retry = false});
  auto sub = o.subscribe(nullptr);
  (void)o.refetch();
  EXPECT_EQ(o.get_current_result().status, QueryStatus::error);
  qc.set_focused(false);
  qc.set_focused(true);
  EXPECT_EQ(calls, 2);
}

TEST_F(QueryEntryTest, GcTimeZeroRemovesTheQueryRightAfterTheLastObserverLeaves) {
  QueryClient qc(rt);
  CountingFetcher cf;
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = never_expires, .gc_time = Millis{0}});
  { auto sub = o.subscribe(nullptr); }
  advance(0);
  EXPECT_FALSE(qc.query_cache().find({.key = key({"k"})}));
  { auto sub = o.subscribe(nullptr); }
  advance(0);
  EXPECT_FALSE(qc.query_cache().find({.key = key({"k"})}));
  EXPECT_EQ(*cf.count, 2);  // mfstate keeps no removed query alive for a second subscription
}

TEST_F(QueryEntryTest, AQueryFetchingWhenItsLastObserverLeavesIsCollectedAfterTheFetch) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = value_after(20, "data"), .gc_time = Millis{10}});
  auto sub = o.subscribe(nullptr);
  advance(20);
  EXPECT_EQ(qc.get_query_data(key({"k"})), Value("data"));
  (void)o.refetch();
  sub.cancel();
  EXPECT_EQ(qc.get_query_data(key({"k"})), Value("data"));
  advance(30);
  EXPECT_FALSE(qc.query_cache().find({.key = key({"k"})}));
}

TEST_F(QueryEntryTest, ObserversAreCountedAsTheySubscribeAndLeave) {
  QueryClient qc(rt);
  auto fetcher = sync_fetcher([](const Value&) { return Value("data"); });
  QueryObserver a(qc, {.key = key({"k"}), .fetcher = fetcher});
  QueryObserver b(qc, {.key = key({"k"}), .fetcher = fetcher});
  QueryObserver c(qc, {.key = key({"k"}), .fetcher = fetcher});
  EXPECT_EQ(qc.query_cache().find({.key = key({"k"})})->observers, 0u);
  auto s1 = a.subscribe(nullptr);
  auto s2 = b.subscribe(nullptr);
  auto s3 = c.subscribe(nullptr);
  EXPECT_EQ(qc.query_cache().find({.key = key({"k"})})->observers, 3u);
  s3.cancel();
  EXPECT_EQ(qc.query_cache().find({.key = key({"k"})})->observers, 2u);
  s2.cancel();
  s1.cancel();
  EXPECT_EQ(qc.query_cache().find({.key = key({"k"})})->observers, 0u);
}

TEST_F(QueryEntryTest, MetaIsKeptInTheQueryReplacedByTheNextOptionsAndTakenFromDefaults) {
  QueryClient qc(rt);
  auto fetcher = sync_fetcher([](const Value&) { return Value("data"); });
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = fetcher, .meta = Value::object({{"it", "works"}})});
  EXPECT_EQ(qc.query_cache().find({.key = key({"k"})})->meta, Value::object({{"it", "works"}}));
  (void)qc.fetch_query({.key = key({"k"}), .fetcher = fetcher});
  EXPECT_TRUE(qc.query_cache().find({.key = key({"k"})})->meta.is_null());
  qc.set_query_defaults(key({"d"}), {.meta = Value::object({{"default", 1}})});
  (void)qc.prefetch_query({.key = key({"d"}), .fetcher = fetcher});
  EXPECT_EQ(qc.query_cache().find({.key = key({"d"})})->meta, Value::object({{"default", 1}}));
}

TEST_F(QueryEntryTest, ReconnectRefetchesAStaleObservedQuery) {
  QueryClient qc(rt);
  CountingFetcher cf;
  auto sub = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher()}, nullptr);
  EXPECT_EQ(*cf.count, 1);
  qc.set_online(false);
  qc.set_online(true);
  EXPECT_EQ(*cf.count, 2);
}

TEST_F(QueryEntryTest, TheRemainingObserverIsToldWhenAnotherUnsubscribesWhileNotified) {
  QueryClient qc(rt);
  QueryObserver first(qc, {.key = key({"k"}), .enabled = false});
  QueryObserver second(qc, {.key = key({"k"}), .enabled = false});
  Subscription s1;
  s1 = first.subscribe([&](const QueryResult&) { s1.cancel(); });
  int told = 0;
  auto s2 = second.subscribe([&](const QueryResult&) { ++told; });
  qc.set_query_data(key({"k"}), "data");
  EXPECT_EQ(told, 1);
  EXPECT_EQ(second.get_current_result().data, Value("data"));
}

TEST_F(QueryEntryTest, InvalidatingTwiceChangesNothingTheSecondTime) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), "data");
  std::vector<std::string> actions;
  auto events = qc.query_cache().subscribe([&](const QueryCacheEvent& e) { actions.emplace_back(e.action); });
  (void)qc.invalidate_queries({.key = key({"k"})});
  (void)qc.invalidate_queries({.key = key({"k"})});
  EXPECT_EQ(actions, (std::vector<std::string>{"invalidate"}));
}

TEST_F(QueryEntryTest, JoiningAFetchInFlightDispatchesNoSecondFetch) {
  QueryClient qc(rt);
  DelayedFetcher df{&rt, 10ms, [](const FetchContext&) { return Value("data"); }};
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = df.fetcher()});
  advance(10);
  std::vector<std::string> events;
  auto sub = qc.query_cache().subscribe([&](const QueryCacheEvent& e) { events.emplace_back(e.action); });
  (void)qc.fetch_query({.key = key({"k"}), .fetcher = df.fetcher()});
  (void)qc.fetch_query({.key = key({"k"}), .fetcher = df.fetcher()});
  advance(10);
  EXPECT_EQ(events, (std::vector<std::string>{"fetch", "success"}));
}

TEST_F(QueryEntryTest, ObservingWithoutAFetcherEndsInErrorMissingFetcher) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}), .retry = false});
  auto sub = o.subscribe(nullptr);
  advance(10);
  QueryResult r = o.get_current_result();
  EXPECT_EQ(r.status, QueryStatus::error);
  EXPECT_EQ(r.error->code(), ErrorCode::invalid_argument);
  EXPECT_EQ(std::string(r.error->what()), "Missing queryFn: '[\"k\"]'");  // query-core's words
}

TEST_F(QueryEntryTest, InitialDataUpdatedAtMayBeAFunctionOrZero) {
  QueryClient qc(rt);
  int called = 0;
  (void)qc.prefetch_query({.key = key({"f"}),
                           .fetcher = sync_fetcher([](const Value&) { return Value("data"); }),
                           .initial_data = Value("initial"),
                           .initial_data_updated_at = [&]() -> std::optional<Millis> {
                             ++called;
                             return Millis{5};
                           }});
  EXPECT_EQ(called, 1);
  (void)qc.prefetch_query({.key = key({"z"}),
                           .fetcher = sync_fetcher([](const Value&) { return Value("data"); }),
                           .stale_time = never_expires,
                           .initial_data = Value("initial"),
                           .initial_data_updated_at = Millis{0}});
  auto s = qc.get_query_state(key({"z"}));
  EXPECT_EQ(s->data, Value("initial"));
  EXPECT_EQ(s->status, QueryStatus::success);
  EXPECT_EQ(s->data_updated_at, Millis{0});
}

TEST_F(QueryEntryTest, QueriesThatNeverFetchedAreCollectedToo) {
  QueryClient qc(rt);
  qc.set_query_defaults(key({"k"}), {.gc_time = Millis{10}});
  std::vector<QueryCacheEvent::Type> events;
  auto sub = qc.query_cache().subscribe([&](const QueryCacheEvent& e) { events.push_back(e.type); });
  qc.set_query_data(key({"k"}), "data");
  advance(10);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back(), QueryCacheEvent::Type::removed);
  EXPECT_TRUE(qc.query_cache().find_all().empty());
}

TEST_F(QueryEntryTest, CancelAlwaysRevertsToIdleEvenAfterTwoInvalidations) {
  QueryClient qc(rt);
  std::string data = "1";
  Fetcher fetcher = [&](const FetchContext& ctx, Completion done) {
    AbortSignal signal = ctx.signal;
    const std::string snapshot = data;
    TimerId t = rt.scheduler().schedule_after(50ms, [done, snapshot] { done.resolve(snapshot); });
    signal.on_abort([this, t, done] {
      rt.scheduler().cancel(t);
      done.reject(Error(ErrorCode::cancelled, "aborted"));
    });
  };
  {
    auto sub = qc.observe({.key = key({"k"}), .fetcher = fetcher}, nullptr);
    advance(50);
    EXPECT_EQ(qc.get_query_data(key({"k"})), Value("1"));
    data = "1 - 2";
    (void)qc.invalidate_queries({.key = key({"k"})});
    advance(5);
    (void)qc.invalidate_queries({.key = key({"k"})});
    advance(5);
  }
  advance(5);
  auto s = qc.get_query_state(key({"k"}));
  EXPECT_EQ(s->status, QueryStatus::success);
  EXPECT_EQ(s->data, Value("1"));
  EXPECT_EQ(s->fetch_status, FetchStatus::idle);
  std::vector<Value> seen;
  auto sub = qc.observe({.key = key({"k"}), .fetcher = fetcher}, [&](const QueryResult& r) {
    if (r.data) seen.push_back(*r.data);
  });
  advance(60);
  EXPECT_EQ(seen.back(), Value("1 - 2"));
}

TEST_F(QueryEntryTest, ASilentlyReplacedFetchSettlesWithTheNewResult) {
  QueryClient qc(rt);
  int x = 0;
  qc.set_query_data(key({"k"}), "initial");
  DelayedFetcher df{&rt, 100ms, [&](const FetchContext&) { return Value("data" + std::to_string(x)); }};
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = df.fetcher()});
  x = 1;
  (void)qc.refetch_queries({.key = key({"k"})}, {.cancel_refetch = true});
  advance(100);
  EXPECT_EQ(f.value(), Value("data1"));
  EXPECT_EQ(*df.count, 2);
}

TEST_F(QueryEntryTest, AThrowingStructuralSharingFunctionFailsTheFetch) {
  QueryClient qc(rt);
  (void)qc.prefetch_query({.key = key({"k"}),
                           .fetcher = value_after(10, "data"),
                           .structural_sharing = [](const std::optional<Value>&, const Value&) -> Value {
                             throw Error(ErrorCode::query_error, "Any error");
                           }});
  advance(10);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::error);
}

TEST_F(QueryEntryTest, AQueryWithoutAFetcherFetchesWithItsObserversFetcher) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), "old");
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = sync_fetcher([](const Value&) { return Value("data"); }),
                       .refetch_on_mount = RefetchOn::never});
  auto sub = o.subscribe(nullptr);
  (void)qc.refetch_queries({.key = key({"k"})});
  EXPECT_EQ(qc.get_query_data(key({"k"})), Value("data"));
}

TEST_F(QueryEntryTest, InitialDataFillsAQueryAlreadyFetchingWithoutCountingAsAnUpdate) {
  QueryClient qc(rt);
  DelayedFetcher df{&rt, 100ms, [](const FetchContext&) { return Value("data"); }};
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = df.fetcher(), .stale_time = 1000ms});
  advance(50);
  auto s = qc.get_query_state(key({"k"}));
  EXPECT_EQ(s->status, QueryStatus::pending);
  EXPECT_EQ(s->fetch_status, FetchStatus::fetching);
  QueryObserver o(qc, {.key = key({"k"}),
                       .fetcher = df.fetcher(),
                       .stale_time = 1000ms,
                       .initial_data = Value("initialData"),
                       .initial_data_updated_at = Millis{10}});
  EXPECT_FALSE(o.get_current_result().is_fetched_after_mount);
  {
    auto sub = o.subscribe(nullptr);
    s = qc.get_query_state(key({"k"}));
    EXPECT_EQ(s->data, Value("initialData"));
    EXPECT_EQ(s->data_updated_at, Millis{10});
    EXPECT_EQ(s->status, QueryStatus::success);
    EXPECT_EQ(s->fetch_status, FetchStatus::fetching);
    EXPECT_EQ(s->data_update_count, 0u);
    advance(50);
    s = qc.get_query_state(key({"k"}));
    EXPECT_EQ(s->data, Value("data"));
    EXPECT_EQ(s->fetch_status, FetchStatus::idle);
    EXPECT_EQ(*df.count, 1);
    EXPECT_TRUE(o.get_current_result().is_fetched_after_mount);
  }
  (void)qc.reset_queries({.key = key({"k"})});
  s = qc.get_query_state(key({"k"}));
  EXPECT_EQ(s->data, Value("initialData"));
  EXPECT_EQ(s->fetch_status, FetchStatus::idle);
}

}  // namespace
}  // namespace mfstate::testing
