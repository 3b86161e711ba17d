// Fetching: de-duplication, staleness, retries with back-off, cancellation, network modes and the
// Future handle.
#include "query_test_support.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryFetchTest : public QueryTest {};

TEST_F(QueryFetchTest, FetchQueryResolvesWithTheFetchersDataAndCachesIt) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Future f = qc.fetch_query({.key = key({"user"}), .fetcher = mf.fetcher()});
  EXPECT_FALSE(f.ready());
  auto st = qc.get_query_state(key({"user"}));
  EXPECT_EQ(st->status, QueryStatus::pending);
  EXPECT_EQ(st->fetch_status, FetchStatus::fetching);
  EXPECT_EQ(qc.is_fetching(), 1u);
  mf.resolve("Ada");
  rt.run_until_idle();
  ASSERT_TRUE(f.ready());
  EXPECT_TRUE(f.ok());
  EXPECT_EQ(f.value().as_string(), "Ada");
  EXPECT_EQ(qc.get_query_data(key({"user"}))->as_string(), "Ada");
  EXPECT_EQ(qc.get_query_state(key({"user"}))->fetch_status, FetchStatus::idle);
  EXPECT_EQ(qc.is_fetching(), 0u);
}

TEST_F(QueryFetchTest, ConcurrentFetchesOfOneKeyShareOneRequest) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Future a = qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  Future b = qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  Future c = qc.ensure_query_data({.key = key({"k"}), .fetcher = mf.fetcher()});
  EXPECT_EQ(*mf.count, 1);
  mf.resolve(42);
  rt.run_until_idle();
  EXPECT_EQ(a.value().as_int(), 42);
  EXPECT_EQ(b.value().as_int(), 42);
  EXPECT_EQ(c.value().as_int(), 42);
}

TEST_F(QueryFetchTest, FreshDataIsServedFromCacheAndStaleDataRefetches) {
  QueryClient qc(rt);
  CountingFetcher cf;
  QueryOptions o{.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = Millis{1000}};
  Future a = qc.fetch_query(o);
  EXPECT_TRUE(a.ready());  // a synchronous fetcher completes before fetch_query returns
  EXPECT_EQ(*cf.count, 1);
  advance(999);
  Future b = qc.fetch_query(o);
  EXPECT_EQ(*cf.count, 1);
  EXPECT_EQ(b.value().get("n").as_int(), 1);
  advance(1);
  Future c = qc.fetch_query(o);
  EXPECT_EQ(*cf.count, 2);
  EXPECT_EQ(c.value().get("n").as_int(), 2);
}

TEST_F(QueryFetchTest, FetchQueryDoesNotRetryByDefaultAndReportsTheError) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  mf.reject(ErrorCode::http_error, "HTTP 500");
  rt.run_until_idle();
  ASSERT_TRUE(f.ready());
  ASSERT_NE(f.error(), nullptr);
  EXPECT_EQ(f.error()->code(), ErrorCode::http_error);
  EXPECT_THROW(f.value(), Error);
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::error);
  EXPECT_EQ(st->failure_count, 1);
  EXPECT_EQ(st->error_update_count, 1u);
  EXPECT_EQ(st->error_updated_at, clock.now());
  EXPECT_EQ(*mf.count, 1);
}

TEST_F(QueryFetchTest, RetriesThreeTimesWithExponentialBackOff) {
  QueryClient qc(rt);
  ManualFetcher mf;
  auto sub = qc.observe({.key = key({"k"}), .fetcher = mf.fetcher()}, nullptr);
  ASSERT_EQ(mf.pending(), 1u);
  mf.reject();
  rt.run_until_idle();
  EXPECT_EQ(qc.get_query_state(key({"k"}))->failure_count, 1);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::pending);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::fetching);
  advance(999);
  EXPECT_EQ(mf.pending(), 0u);
  advance(1);  // 1000 ms
  ASSERT_EQ(mf.pending(), 1u);
  mf.reject();
  rt.run_until_idle();
  advance(1999);
  EXPECT_EQ(mf.pending(), 0u);
  advance(1);  // 2000 ms
  ASSERT_EQ(mf.pending(), 1u);
  mf.reject();
  rt.run_until_idle();
  advance(4000);
  ASSERT_EQ(mf.pending(), 1u);
  mf.reject();
  rt.run_until_idle();
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::error);
  EXPECT_EQ(st->failure_count, 4);
  EXPECT_EQ(*mf.count, 4);
  advance(60'000);
  EXPECT_EQ(*mf.count, 4);
}

TEST_F(QueryFetchTest, RetryDelayIsCappedAtThirtySeconds) {
  QueryClient qc(rt);
  ManualFetcher mf;
  auto sub = qc.observe({.key = key({"k"}), .fetcher = mf.fetcher(), .retry = 7}, nullptr);
  std::vector<std::int64_t> delays;
  for (int i = 0; i < 7; ++i) {
    mf.reject();
    rt.run_until_idle();
    const Millis start = clock.now();
    while (mf.pending() == 0) advance(1000);
    delays.push_back((clock.now() - start).count());
  }
  EXPECT_EQ(delays, (std::vector<std::int64_t>{1000, 2000, 4000, 8000, 16000, 30000, 30000}));
}

// Completion::fail: an answer no retry can mend (the web package's query function resolving
// undefined, which query-core checks after its retryer) fails the fetch at once, whatever `retry`.
TEST_F(QueryFetchTest, AFailedCompletionIsNotRetried) {
  QueryClient qc(rt);
  auto calls = std::make_shared<int>(0);
  Future f = qc.fetch_query({.key = key({"k"}),
                             .fetcher = [calls](const FetchContext&, Completion done) {
                               ++*calls;
                               done.fail(Error(ErrorCode::query_error, "not data"), Value("why"));
                             },
                             .retry = 3,
                             .retry_delay = Millis{10}});
  rt.run_until_idle();
  advance(1000);
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(std::string(f.error()->what()), "not data");
  EXPECT_EQ(f.error_detail(), Value("why"));
  EXPECT_EQ(*calls, 1);
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::error);
  EXPECT_EQ(st->failure_count, 1);
}

TEST_F(QueryFetchTest, RetryPredicateAndDelayFunctionOverrideTheDefaults) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Future f = qc.fetch_query({.key = key({"k"}),
                             .fetcher = mf.fetcher(),
                             .retry = [](int n, const Error& e) { return n < 1 && e.code() == ErrorCode::io_error; },
                             .retry_delay = [](int, const Error&) { return Millis{10}; }});
  mf.reject(ErrorCode::io_error);
  rt.run_until_idle();
  advance(10);
  ASSERT_EQ(mf.pending(), 1u);
  mf.reject(ErrorCode::io_error);
  rt.run_until_idle();
  EXPECT_TRUE(f.ready());
  EXPECT_EQ(*mf.count, 2);
}

// query-core's retryer takes `retry` and `retryDelay` from the options its fetch started with; the
// fetch reads them off the options it holds, not off the query's, which another observer's
// options may replace meanwhile.
TEST_F(QueryFetchTest, AFetchRetriesAsTheOptionsItStartedWithSayWhenTheQuerysOptionsChange) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Future f = qc.fetch_query(
      {.key = key({"k"}), .fetcher = mf.fetcher(), .retry = 1, .retry_delay = Millis{10}});
  QueryObserver other(qc, {.key = key({"k"}), .fetcher = mf.fetcher(), .retry = 0, .retry_delay = Millis{500}});
  mf.reject();
  rt.run_until_idle();
  EXPECT_FALSE(f.ready());
  EXPECT_EQ(qc.get_query_state(key({"k"}))->failure_count, 1);
  advance(10);
  ASSERT_EQ(mf.pending(), 1u);
  mf.resolve(Value(1));
  rt.run_until_idle();
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.value(), Value(1));
}

TEST_F(QueryFetchTest, CancelAbortsTheSignalAndRevertsToThePreviousState) {
  QueryClient qc(rt);
  ManualFetcher mf;
  qc.set_query_data(key({"k"}), "old");
  bool called_back = false;
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  mf.front().signal.on_abort([&] { called_back = true; });
  AbortSignal sig = mf.front().signal;
  EXPECT_FALSE(sig.aborted());
  qc.cancel_queries({.key = key({"k"})});
  EXPECT_TRUE(sig.aborted());
  EXPECT_TRUE(called_back);
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
  EXPECT_EQ(st->status, QueryStatus::success);
  EXPECT_EQ(st->data->as_string(), "old");
  // The fetch's waiters get the data it reverted to; a late answer is ignored.
  EXPECT_EQ(f.value().as_string(), "old");
  mf.resolve("late");
  rt.run_until_idle();
  EXPECT_EQ(qc.get_query_data(key({"k"}))->as_string(), "old");
}

// query-core's success action with `manual`: data set while a fetch runs becomes what cancelling
// the fetch reverts to (an optimistic update during a refetch is not undone by the cancel).
TEST_F(QueryFetchTest, DataSetDuringAFetchIsWhatCancellingItRevertsTo) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  qc.set_query_data(key({"k"}), "set meanwhile");
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::fetching);
  qc.cancel_queries({.key = key({"k"})});
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::success);
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
  EXPECT_EQ(st->data, Value("set meanwhile"));
  EXPECT_EQ(st->data_update_count, 1);
  EXPECT_EQ(f.value(), Value("set meanwhile"));
}

TEST_F(QueryFetchTest, CancelWithoutDataRejectsWithCancelled) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  qc.cancel_queries({});
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::pending);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::idle);
}

TEST_F(QueryFetchTest, CancelWithoutRevertPutsTheQueryInError) {
  QueryClient qc(rt);
  ManualFetcher mf;
  qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  qc.cancel_queries({}, {.revert = false});
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::error);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->error->code(), ErrorCode::cancelled);
}

TEST_F(QueryFetchTest, RefetchWithDataReplacesTheFetchInFlightAndItsWaitersGetTheNewResult) {
  QueryClient qc(rt);
  ManualFetcher mf;
  qc.set_query_data(key({"k"}), 0);
  Future first = qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  Future second = qc.refetch_queries({.key = key({"k"})});
  EXPECT_EQ(*mf.count, 2);
  EXPECT_TRUE(mf.front().signal.aborted());
  mf.resolve(1);  // the replaced one: ignored
  mf.resolve(2);
  rt.run_until_idle();
  EXPECT_EQ(first.value().as_int(), 2);
  EXPECT_TRUE(second.ok());
  EXPECT_EQ(qc.get_query_data(key({"k"}))->as_int(), 2);
}

TEST_F(QueryFetchTest, AFetcherThatThrowsRejectsTheFetch) {
  QueryClient qc(rt);
  Future f = qc.fetch_query(
      {.key = key({"k"}), .fetcher = [](const FetchContext&, Completion) { throw std::runtime_error("nope"); }});
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.error()->code(), ErrorCode::query_error);
  EXPECT_STREQ(f.error()->what(), "nope");
}

TEST_F(QueryFetchTest, MissingFetcherFailsTheFetchAndTheQueryEndsInErrorWithItsData) {
  // As query-core's "Missing queryFn": the fetch fails like any other, so the state tells.
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), 1);
  qc.invalidate_queries({});
  Future f = qc.fetch_query({.key = key({"k"})});
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.error()->code(), ErrorCode::invalid_argument);
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::error);
  EXPECT_EQ(st->data->as_int(), 1);
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
}

TEST_F(QueryFetchTest, DefaultFetcherFromQueryDefaultsIsUsed) {
  QueryClient qc(rt);
  CountingFetcher cf;
  qc.set_query_defaults(key({"api"}), {.fetcher = cf.fetcher()});
  Future f = qc.fetch_query({.key = key({"api", "x"})});
  EXPECT_EQ(f.value().get("key"), key({"api", "x"}));
}

TEST_F(QueryFetchTest, FetcherReceivesMetaAndTheKey) {
  QueryClient qc(rt);
  Value seen_meta;
  Value seen_key;
  qc.fetch_query({.key = key({"k", 1}),
                  .fetcher =
                      [&](const FetchContext& c, Completion d) {
                        seen_meta = c.meta;
                        seen_key = c.key;
                        d.resolve(1);
                      },
                  .meta = Value::object({{"source", "test"}})});
  EXPECT_EQ(seen_meta.get("source").as_string(), "test");
  EXPECT_EQ(seen_key, key({"k", 1}));
}

TEST_F(QueryFetchTest, OfflineOnlineModePausesUntilReconnected) {
  QueryClient qc(rt, {.online = false});
  ManualFetcher mf;
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::paused);
  EXPECT_EQ(*mf.count, 0);
  EXPECT_EQ(qc.is_fetching(), 0u);
  qc.set_online(true);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::fetching);
  ASSERT_EQ(*mf.count, 1);
  mf.resolve(1);
  rt.run_until_idle();
  EXPECT_EQ(f.value().as_int(), 1);
}

TEST_F(QueryFetchTest, AlwaysNetworkModeFetchesOffline) {
  QueryClient qc(rt, {.online = false});
  CountingFetcher cf;
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = cf.fetcher(), .network_mode = NetworkMode::always});
  EXPECT_TRUE(f.ok());
}

TEST_F(QueryFetchTest, OfflineFirstRunsOnceThenPausesRetriesUntilOnline) {
  QueryClient qc(rt, {.online = false});
  ManualFetcher mf;
  auto sub = qc.observe({.key = key({"k"}), .fetcher = mf.fetcher(), .network_mode = NetworkMode::offline_first},
                        nullptr);
  ASSERT_EQ(*mf.count, 1);
  mf.reject();
  rt.run_until_idle();
  advance(1000);
  EXPECT_EQ(*mf.count, 1);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::paused);
  qc.set_online(true);
  EXPECT_EQ(*mf.count, 2);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::fetching);
}

TEST_F(QueryFetchTest, RetriesPauseWhileUnfocusedAndResumeOnFocus) {
  QueryClient qc(rt);
  ManualFetcher mf;
  auto sub = qc.observe({.key = key({"k"}), .fetcher = mf.fetcher()}, nullptr);
  qc.set_focused(false);
  mf.reject();
  rt.run_until_idle();
  advance(1000);
  EXPECT_EQ(*mf.count, 1);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::paused);
  qc.set_focused(true);
  EXPECT_EQ(*mf.count, 2);
}

TEST_F(QueryFetchTest, PrefetchSwallowsErrorsAndEnsureReturnsCachedData) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Future p = qc.prefetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  mf.reject();
  rt.run_until_idle();
  EXPECT_TRUE(p.ok());
  qc.set_query_data(key({"k"}), 5);
  Future e = qc.ensure_query_data({.key = key({"k"}), .fetcher = mf.fetcher()});
  EXPECT_EQ(e.value().as_int(), 5);
  EXPECT_EQ(*mf.count, 1);
  Future r = qc.ensure_query_data({.key = key({"k"}), .fetcher = mf.fetcher()}, /*revalidate_if_stale=*/true);
  EXPECT_EQ(r.value().as_int(), 5);
  EXPECT_EQ(*mf.count, 2);  // background revalidation
}

TEST_F(QueryFetchTest, FutureCallbacksRunOnceSettledAndAtOnceWhenAlreadySettled) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  std::vector<std::string> log;
  f.then([&](const Value& v) { log.push_back("value " + v.to_json()); },
         [&](const Error& e) { log.push_back(std::string("error ") + e.what()); });
  EXPECT_TRUE(log.empty());
  mf.resolve(3);
  rt.run_until_idle();
  EXPECT_EQ(log, std::vector<std::string>{"value 3"});
  f.on_settled([&](const Outcome& o) { log.push_back(o.ok ? "settled" : "failed"); });
  EXPECT_EQ(log.size(), 2u);
  Future pending;
  EXPECT_FALSE(pending.ready());
  EXPECT_THROW(pending.value(), Error);
}

TEST_F(QueryFetchTest, RemovingAQueryCancelsItsFetch) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  AbortSignal sig = mf.front().signal;
  qc.remove_queries({.key = key({"k"})});
  EXPECT_TRUE(sig.aborted());
  EXPECT_TRUE(f.ready());
  EXPECT_FALSE(qc.get_query_state(key({"k"})));
  mf.resolve(1);
  rt.run_until_idle();
  EXPECT_FALSE(qc.get_query_state(key({"k"})));
}

TEST_F(QueryFetchTest, ResetRestoresInitialDataAndDropsTheError) {
  QueryClient qc(rt);
  ManualFetcher mf;
  qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher(), .initial_data = Value("init"),
                  .initial_data_updated_at = Millis{0}});
  mf.reject();
  rt.run_until_idle();
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::error);
  qc.reset_queries({.key = key({"k"})});
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::success);
  EXPECT_EQ(st->data->as_string(), "init");
  EXPECT_FALSE(st->error);
}

// query-core's reset restores the query's #initialState: the initial data it took when built
// (its function is not called again, its time is the one it had), not the options it holds now.
TEST_F(QueryFetchTest, ResetRestoresTheInitialDataTheEntryTookNotTheCurrentOptions) {
  QueryClient qc(rt);
  auto calls = std::make_shared<int>(0);
  (void)qc.prefetch_query({.key = key({"k"}),
                           .fetcher = sync_fetcher([](const Value&) { return Value("fetched"); }),
                           .stale_time = never_expires,
                           .initial_data = [calls]() -> std::optional<Value> { return Value(++*calls); }});
  const Millis built_at = clock.now();
  advance(500);
  // Options with other initial data, and a query built from set_query_data with none.
  QueryObserver later(qc, {.key = key({"k"}), .stale_time = never_expires, .initial_data = Value("later")});
  qc.set_query_data(key({"plain"}), "set");
  QueryObserver plain(qc, {.key = key({"plain"}), .stale_time = never_expires, .initial_data = Value("ignored")});
  qc.reset_queries({.key = key({"k"})});
  qc.reset_queries({.key = key({"plain"})});
  rt.run_until_idle();
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->data, Value(1));
  EXPECT_EQ(st->data_updated_at, built_at);
  EXPECT_EQ(*calls, 1);
  EXPECT_FALSE(qc.get_query_state(key({"plain"}))->data);
}

TEST_F(QueryFetchTest, DestroyingTheClientWithFetchesInFlightDropsTheirLateAnswers) {
  ManualFetcher mf;
  {
    QueryClient qc(rt);
    qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  }
  mf.resolve(1);
  EXPECT_NO_THROW(rt.run_until_idle());
}


// A streamed query's refetch in "reset" mode (TanStack's streamedQuery): the data goes, the fetch
// goes on, chunks written meanwhile are the query's data, and the fetch's answer completes it.
TEST_F(QueryFetchTest, ResetQueryStateKeepsTheFetchInFlight) {
  QueryClient qc(rt);
  ManualFetcher mf;
  qc.set_query_data(key({"s"}), Value::array({1, 2}));
  QueryObserver o(qc, {.key = key({"s"}), .fetcher = mf.fetcher()});
  auto sub = o.subscribe([](const QueryResult&) {});
  ASSERT_EQ(mf.pending(), 1u);
  EXPECT_TRUE(qc.reset_query_state(key({"s"})));
  auto st = qc.get_query_state(key({"s"}));
  EXPECT_FALSE(st->data);
  EXPECT_EQ(st->status, QueryStatus::pending);
  EXPECT_EQ(st->fetch_status, FetchStatus::fetching);
  EXPECT_EQ(st->data_update_count, 0);
  EXPECT_FALSE(mf.front().signal.aborted());
  EXPECT_EQ(o.get_current_result().status, QueryStatus::pending);
  qc.set_query_data(key({"s"}), Value::array({3}));
  EXPECT_EQ(qc.get_query_state(key({"s"}))->fetch_status, FetchStatus::fetching);
  mf.resolve(Value::array({3, 4}));
  rt.run_until_idle();
  st = qc.get_query_state(key({"s"}));
  EXPECT_EQ(st->data, Value::array({3, 4}));
  EXPECT_EQ(st->status, QueryStatus::success);
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
  EXPECT_FALSE(qc.reset_query_state(key({"none"})));
  EXPECT_FALSE(qc.get_query_state(key({"none"})));
}

// Watching the abort without using the signal: a cancel still reaches the watcher, and losing the
// last observer does not cancel the fetch (it completes and is cached), as for a fetcher that
// never looked at its signal.
TEST_F(QueryFetchTest, AnAbortWatchedWithoutUseLeavesTheFetchUncancellableByLeavingObservers) {
  QueryClient qc(rt);
  ManualFetcher mf;
  int told = 0;
  {
    QueryObserver o(qc, {.key = key({"a"}), .fetcher = mf.fetcher()});
    auto sub = o.subscribe([](const QueryResult&) {});
    ASSERT_EQ(mf.pending(), 1u);
    mf.front().signal.on_abort_without_use([&] { ++told; });
  }
  EXPECT_EQ(told, 0);
  mf.resolve("kept");
  rt.run_until_idle();
  EXPECT_EQ(qc.get_query_data(key({"a"})), Value("kept"));

  (void)qc.fetch_query({.key = key({"b"}), .fetcher = mf.fetcher()});
  mf.front().signal.on_abort_without_use([&] { ++told; });
  qc.cancel_queries({.key = key({"b"})});
  EXPECT_EQ(told, 1);
  int late = 0;
  mf.front().signal.on_abort_without_use([&] { ++late; });  // already aborted: at once
  EXPECT_EQ(late, 1);
}

}  // namespace
