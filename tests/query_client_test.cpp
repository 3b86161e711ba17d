// QueryClient, case by case from TanStack Query v5's query-core tests (queryClient.test.tsx):
// defaults, set/get data, is_fetching / is_mutating, ensure_query_data, static stale time,
// fetch_query, prefetch, remove / cancel / refetch / invalidate / reset, focus and connectivity.
// Timers run on the manual clock (TanStack's `sleep(n)` is a DelayedFetcher of n ms).
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

class QueryClientTest : public QueryTest {
 protected:
  Fetcher value_after(std::int64_t ms, Value v) const {
    return DelayedFetcher{const_cast<Runtime*>(&rt), Millis{ms}, [v](const FetchContext&) { return v; }}.fetcher();
  }
};

// ---- defaults ----

TEST_F(QueryClientTest, ClientDefaultsMergeIntoEveryQuery) {
  QueryClient qc(rt, {.defaults = {.fetcher = sync_fetcher([](const Value&) { return Value("data"); }),
                                   .gc_time = never_expires}});
  Future f = qc.prefetch_query({.key = key({"k"})});
  EXPECT_TRUE(f.ok());
  auto q = qc.query_cache().find({.key = key({"k"})});
  ASSERT_TRUE(q);
  EXPECT_EQ(q->gc_time, never_expires);
  EXPECT_EQ(q->state.data, Value("data"));
}

TEST_F(QueryClientTest, SetDefaultQueryOptionsReplacesTheClientWideDefaultsForLaterQueries) {
  QueryClient qc(rt, {.defaults = {.fetcher = sync_fetcher([](const Value&) { return Value("first"); })}});
  EXPECT_EQ(qc.fetch_query({.key = key({"a"})}).value(), Value("first"));
  qc.set_default_query_options({.fetcher = sync_fetcher([](const Value&) { return Value("second"); }), .gc_time = never_expires});
  EXPECT_EQ(qc.fetch_query({.key = key({"b"})}).value(), Value("second"));
  EXPECT_EQ(qc.query_cache().find({.key = key({"b"})})->gc_time, never_expires);
  EXPECT_EQ(qc.query_cache().find({.key = key({"a"})})->gc_time, Millis{5 * 60 * 1000}) << "resolved before: kept";
  // A key no registration matches takes the new defaults too (the plain options are built anew).
  qc.set_query_data(key({"c"}), Value(1));
  EXPECT_EQ(qc.query_cache().find({.key = key({"c"})})->gc_time, never_expires);
}

TEST_F(QueryClientTest, SetQueryDefaultsDoesNotFetch) {
  QueryClient qc(rt);
  CountingFetcher cf;
  qc.set_query_defaults(key({"k"}), {.fetcher = cf.fetcher()});
  EXPECT_FALSE(qc.get_query_data(key({"k"})));
  EXPECT_EQ(*cf.count, 0);
}

TEST_F(QueryClientTest, QueryDefaultsMatchTheKeyPartiallyButNotASubsetOfIt) {
  QueryClient qc(rt);
  qc.set_query_defaults(key({"todos"}), {.fetcher = sync_fetcher([](const Value&) { return Value("data"); })});
  QueryObserver child(qc, {.key = key({"todos", "a"})});
  Future f = child.refetch();
  EXPECT_EQ(f.value(), Value("data"));

  // A default registered for a longer key does not apply: the query has no fetcher and ends in
  // error (query-core's "Missing queryFn"), leaving no pending entry behind.
  qc.set_query_defaults(key({"users", "a"}), {.fetcher = sync_fetcher([](const Value&) { return Value(1); })});
  QueryObserver parent(qc, {.key = key({"users"}), .retry = false, .enabled = false});
  Future g = parent.refetch();
  ASSERT_TRUE(g.ready());
  EXPECT_TRUE(g.ok());  // refetch reports through the result unless throw_on_error
  EXPECT_EQ(parent.get_current_result().status, QueryStatus::error);
  EXPECT_EQ(qc.get_query_state(key({"users"}))->status, QueryStatus::error);
  EXPECT_EQ(qc.get_query_state(key({"users"}))->fetch_status, FetchStatus::idle);
}

TEST_F(QueryClientTest, QueryDefaultsApplyToObservers) {
  QueryClient qc(rt);
  CountingFetcher cf;
  qc.set_query_defaults(key({"k"}), {.fetcher = cf.fetcher(), .enabled = false});
  QueryObserver o(qc, {.key = key({"k"})});
  auto sub = o.subscribe(nullptr);
  EXPECT_EQ(o.get_current_result().status, QueryStatus::pending);
  EXPECT_EQ(o.get_current_result().fetch_status, FetchStatus::idle);
  EXPECT_EQ(*cf.count, 0);
}

TEST_F(QueryClientTest, GetQueryDefaultsMergesEveryMatchingRegistrationAndALaterOneReplaces) {
  QueryClient qc(rt);
  qc.set_query_defaults(key({"todo"}), {.retry = 2});
  qc.set_query_defaults(key({"todo", "detail"}), {.stale_time = 5000ms});
  QueryOptions d = qc.get_query_defaults(key({"todo", "detail"}));
  EXPECT_EQ(*d.retry.value_if(), 2);
  EXPECT_EQ(*d.stale_time.value_if(), 5000ms);
  qc.set_query_defaults(key({"todo"}), {.retry = false});
  EXPECT_EQ(*qc.get_query_defaults(key({"todo"})).retry.value_if(), 0);
  EXPECT_FALSE(qc.get_query_defaults(key({"other"})).retry.has_value());
}

TEST_F(QueryClientTest, MutationDefaultsAreReadBackForTheirKeyOnly) {
  QueryClient qc(rt);
  qc.set_mutation_defaults(key({"a"}), {.retry = 1});
  qc.set_mutation_defaults(key({"b"}), {.retry = 2});
  EXPECT_EQ(*qc.get_mutation_defaults(key({"a"})).retry.value_if(), 1);
  EXPECT_EQ(*qc.get_mutation_defaults(key({"b"})).retry.value_if(), 2);
  qc.set_mutation_defaults(key({"a"}), {.retry = false});
  EXPECT_EQ(*qc.get_mutation_defaults(key({"a"})).retry.value_if(), 0);
}

TEST_F(QueryClientTest, RefetchOnReconnectDefaultsToNeverWhenTheNetworkModeIsAlways) {
  QueryClient qc(rt, {.defaults = {.network_mode = NetworkMode::always}});
  CountingFetcher cf;
  auto sub = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher()}, nullptr);
  EXPECT_EQ(*cf.count, 1);
  qc.set_online(false);
  qc.set_online(true);
  EXPECT_EQ(*cf.count, 1);
}

// ---- set_query_data ----

TEST_F(QueryClientTest, SetQueryDataWithAnUpdaterOnAMissingQueryDoesNotCrash) {
  QueryClient qc(rt);
  auto out = qc.set_query_data(key({"user", Value::object({{"userId", 1}})}), [](const std::optional<Value>& old) {
    return std::optional<Value>(Value::object({{"name", old ? "x" : "James"}}));
  });
  EXPECT_EQ(out->get("name"), Value("James"));
}

TEST_F(QueryClientTest, SetQueryDataAcceptsNullInTheKey) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k", Value::object({{"userId", nullptr}})}), "Old Data");
  qc.set_query_data(key({"k", Value::object({{"userId", nullptr}})}), "New Data");
  EXPECT_EQ(qc.get_query_data(key({"k", Value::object({{"userId", nullptr}})})), Value("New Data"));
}

TEST_F(QueryClientTest, AnUpdaterReturningNothingCreatesNoQueryAndChangesNoData) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), [](const std::optional<Value>&) { return std::optional<Value>(); });
  EXPECT_FALSE(qc.query_cache().find({.key = key({"k"})}));
  qc.set_query_data(key({"k"}), "qux");
  qc.set_query_data(key({"k"}), [](const std::optional<Value>&) { return std::optional<Value>(); });
  EXPECT_EQ(qc.get_query_data(key({"k"})), Value("qux"));
}

TEST_F(QueryClientTest, WithoutStructuralSharingSetQueryDataKeepsTheNewNode) {
  QueryClient qc(rt, {.defaults = {.structural_sharing = false}});
  Value first = Value::object({{"value", true}});
  Value second = Value::object({{"value", true}});
  qc.set_query_data(key({"k"}), first);
  qc.set_query_data(key({"k"}), second);
  EXPECT_TRUE(qc.get_query_data(key({"k"}))->same_node(second));
}

TEST_F(QueryClientTest, AStructuralSharingFunctionDecidesWhatIsKept) {
  // As query-core's custom structuralSharing: equal "dates" keep the old node.
  QueryClient qc(rt, {.defaults = {.structural_sharing = [](const std::optional<Value>& old, const Value& next) {
                        return old && old->get("day") == next.get("day") ? *old : next;
                      }}});
  Value a = Value::object({{"day", 19}, {"n", 1}});
  Value b = Value::object({{"day", 19}, {"n", 2}});
  Value c = Value::object({{"day", 25}, {"n", 3}});
  qc.set_query_data(key({"k"}), a);
  qc.set_query_data(key({"k"}), b);
  EXPECT_TRUE(qc.get_query_data(key({"k"}))->same_node(a));
  qc.set_query_data(key({"k"}), c);
  EXPECT_TRUE(qc.get_query_data(key({"k"}))->same_node(c));
}

TEST_F(QueryClientTest, SetQueryDataDuringAFetchLeavesItFetchingAndTheFetchStillLands) {
  QueryClient qc(rt);
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = value_after(10, 23)});
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::fetching);
  qc.set_query_data(key({"k"}), 42);
  auto s = qc.get_query_state(key({"k"}));
  EXPECT_EQ(s->data, Value(42));
  EXPECT_EQ(s->fetch_status, FetchStatus::fetching);
  advance(10);
  s = qc.get_query_state(key({"k"}));
  EXPECT_EQ(s->data, Value(23));
  EXPECT_EQ(s->fetch_status, FetchStatus::idle);
}

TEST_F(QueryClientTest, SetQueriesDataUpdatesExistingMatchesOnly) {
  QueryClient qc(rt);
  qc.set_query_data(key({"key", 1}), 1);
  qc.set_query_data(key({"key", 2}), 2);
  auto plus5 = [](const std::optional<Value>& old) {
    return old ? std::optional<Value>(Value(old->as_int() + 5)) : std::nullopt;
  };
  auto r = qc.set_queries_data({.key = key({"key"})}, plus5);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(qc.get_query_data(key({"key", 1})), Value(6));
  EXPECT_EQ(qc.get_query_data(key({"key", 2})), Value(7));
  auto one = qc.set_queries_data({.predicate = [](const QueryInfo& q) { return q.key == key({"key", 1}); }}, plus5);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(qc.get_query_data(key({"key", 2})), Value(7));
  EXPECT_TRUE(qc.set_queries_data({.key = key({"nothing"})}, plus5).empty());
  EXPECT_FALSE(qc.get_query_data(key({"nothing"})));
}

// ---- counters ----

TEST_F(QueryClientTest, IsFetchingCountsFetchesInFlight) {
  QueryClient qc(rt);
  EXPECT_EQ(qc.is_fetching(), 0u);
  (void)qc.prefetch_query({.key = key({"a"}), .fetcher = value_after(10, "data")});
  EXPECT_EQ(qc.is_fetching(), 1u);
  (void)qc.prefetch_query({.key = key({"b"}), .fetcher = value_after(5, "data")});
  EXPECT_EQ(qc.is_fetching(), 2u);
  advance(5);
  EXPECT_EQ(qc.is_fetching(), 1u);
  advance(5);
  EXPECT_EQ(qc.is_fetching(), 0u);
}

TEST_F(QueryClientTest, IsMutatingCountsPendingMutations) {
  QueryClient qc(rt);
  EXPECT_EQ(qc.is_mutating(), 0u);
  MutationObserver a(qc, {.fn = delayed_mutation(rt, 10ms, [](const Value&) { return Value("data"); })});
  (void)a.mutate(Value());
  EXPECT_EQ(qc.is_mutating(), 1u);
  MutationObserver b(qc, {.fn = delayed_mutation(rt, 5ms, [](const Value&) { return Value("data"); })});
  (void)b.mutate(Value());
  EXPECT_EQ(qc.is_mutating(), 2u);
  advance(5);
  EXPECT_EQ(qc.is_mutating(), 1u);
  advance(5);
  EXPECT_EQ(qc.is_mutating(), 0u);
}

TEST_F(QueryClientTest, GetQueryDataMatchesExactly) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k", "id"}), "bar");
  EXPECT_EQ(qc.get_query_data(key({"k", "id"})), Value("bar"));
  EXPECT_FALSE(qc.get_query_data(key({"k"})));
  EXPECT_FALSE(qc.get_query_data(key({"other"})));
}

TEST_F(QueryClientTest, GetQueriesDataReturnsEveryMatch) {
  QueryClient qc(rt);
  qc.set_query_data(key({"a", 1}), 1);
  qc.set_query_data(key({"a", 2}), 2);
  qc.set_query_data(key({"b", 2}), 2);
  EXPECT_EQ(qc.get_queries_data({.key = key({"a"})}).size(), 2u);
  EXPECT_TRUE(qc.get_queries_data({.key = key({"c"})}).empty());
}

// ---- ensure_query_data ----

TEST_F(QueryClientTest, EnsureQueryDataReturnsCachedDataEvenWhenFalsy) {
  QueryClient qc(rt);
  CountingFetcher cf;
  qc.set_query_data(key({"k"}), nullptr);
  Future f = qc.ensure_query_data({.key = key({"k"}), .fetcher = cf.fetcher()});
  EXPECT_TRUE(f.value().is_null());
  EXPECT_EQ(*cf.count, 0);
}

TEST_F(QueryClientTest, EnsureQueryDataFetchesWhenNothingIsCached) {
  QueryClient qc(rt);
  Future f = qc.ensure_query_data({.key = key({"k"}), .fetcher = sync_fetcher([](const Value&) { return Value("data"); })});
  EXPECT_EQ(f.value(), Value("data"));
}

TEST_F(QueryClientTest, EnsureQueryDataRevalidatesStaleDataInTheBackground) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), "old");
  Future first = qc.ensure_query_data({.key = key({"k"}), .fetcher = value_after(10, "new")}, true);
  EXPECT_EQ(first.value(), Value("old"));
  advance(20);
  Future second = qc.ensure_query_data({.key = key({"k"}), .fetcher = value_after(10, "new")}, true);
  EXPECT_EQ(second.value(), Value("new"));
}

TEST_F(QueryClientTest, EnsureQueryDataWithInitialDataReturnsItWithoutFetching) {
  // Issue 11: ensure_query_data with initial_data fetched instead of returning the initial data.
  QueryClient qc(rt);
  CountingFetcher cf;
  Future f = qc.ensure_query_data({.key = key({"k", "id"}), .fetcher = cf.fetcher(), .initial_data = Value("initial")});
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.value(), Value("initial"));
  EXPECT_EQ(*cf.count, 0);
}

// ---- static stale time ----

TEST_F(QueryClientTest, StaticStaleTimeServesTheCacheEvenWhenInvalidated) {
  QueryClient qc(rt);
  CountingFetcher cf;
  Future first = qc.fetch_query({.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = static_stale_time});
  EXPECT_EQ(*cf.count, 1);
  (void)qc.invalidate_queries({.key = key({"k"})}, {.refetch_type = RefetchType::none});
  Future second = qc.fetch_query({.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = static_stale_time});
  EXPECT_EQ(*cf.count, 1);
  EXPECT_TRUE(second.value().same_node(first.value()));
  // A later call with another stale time revalidates by hand.
  Future third = qc.fetch_query({.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = Millis{0}});
  EXPECT_EQ(*cf.count, 2);
  EXPECT_EQ(third.value().get("n"), Value(2));
}

TEST_F(QueryClientTest, StaticStaleTimeWithInitialDataDoesNotFetch) {
  QueryClient qc(rt);
  CountingFetcher cf;
  Future f = qc.fetch_query(
      {.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = static_stale_time, .initial_data = Value("initial")});
  EXPECT_EQ(f.value(), Value("initial"));
  EXPECT_EQ(*cf.count, 0);
}

TEST_F(QueryClientTest, RefetchAndInvalidateLeaveStaticQueriesAlone) {
  QueryClient qc(rt);
  CountingFetcher cf;
  (void)qc.fetch_query({.key = key({"k"}), .fetcher = cf.fetcher()});
  auto sub = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = static_stale_time}, nullptr);
  (void)qc.refetch_queries({});
  EXPECT_EQ(*cf.count, 1);
  (void)qc.invalidate_queries({});
  EXPECT_EQ(*cf.count, 1);
}

TEST_F(QueryClientTest, AStaticQueryWithoutDataIsNotStaticYetResetRefetchesIt) {
  QueryClient qc(rt);
  CountingFetcher cf;
  auto sub = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = static_stale_time}, nullptr);
  rt.run_until_idle();
  EXPECT_EQ(*cf.count, 1);
  // Reset drops the data: without data the query is not static (query-core's isStatic), so the
  // refetch of the active queries reaches it; with data again, it is left alone.
  (void)qc.reset_queries({.key = key({"k"})});
  rt.run_until_idle();
  EXPECT_EQ(*cf.count, 2);
  (void)qc.refetch_queries({.key = key({"k"})});
  rt.run_until_idle();
  EXPECT_EQ(*cf.count, 2);
}

TEST_F(QueryClientTest, AStaticObserverDoesNotRefetchOnMountEvenWhenAskedAlways) {
  QueryClient qc(rt);
  CountingFetcher cf;
  qc.set_query_data(key({"k"}), "initial");
  auto sub = qc.observe(
      {.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = static_stale_time, .refetch_on_mount = RefetchOn::always},
      nullptr);
  rt.run_until_idle();
  EXPECT_EQ(*cf.count, 0);
}

// ---- fetch_query ----

TEST_F(QueryClientTest, FetchQueryDoesNotRetryByDefault) {
  QueryClient qc(rt);
  int calls = 0;
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = [&](const FetchContext&, Completion) {
                               ++calls;
                               throw Error(ErrorCode::query_error, "error");
                             }});
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.error()->code(), ErrorCode::query_error);
  EXPECT_EQ(calls, 1);
}

TEST_F(QueryClientTest, FetchQueryWithGcTimeZeroIsCollectedRightAfter) {
  QueryClient qc(rt);
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = value_after(10, 1), .gc_time = Millis{0}});
  advance(10);
  EXPECT_EQ(f.value(), Value(1));
  advance(1);
  EXPECT_FALSE(qc.get_query_data(key({"k"})));
}

TEST_F(QueryClientTest, FetchQueryWithInfiniteGcTimeKeepsTheQuery) {
  QueryClient qc(rt);
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = value_after(10, 1), .gc_time = never_expires});
  advance(10);
  advance(24 * 3600 * 1000);
  EXPECT_EQ(qc.get_query_data(key({"k"})), Value(1));
}

TEST_F(QueryClientTest, FetchQueryDoesNotForceAFetchOfFreshData) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), "og");
  Future f = qc.fetch_query({.key = key({"k"}),
                             .fetcher = sync_fetcher([](const Value&) { return Value("new"); }),
                             .stale_time = 100ms,
                             .initial_data = Value("initial")});
  EXPECT_EQ(f.value(), Value("og"));
}

TEST_F(QueryClientTest, FetchQueryFetchesOnlyDataOlderThanItsStaleTime) {
  QueryClient qc(rt);
  int count = 0;
  auto fetcher = sync_fetcher([&](const Value&) { return Value(++count); });
  qc.set_query_data(key({"k"}), 0);
  EXPECT_EQ(qc.fetch_query({.key = key({"k"}), .fetcher = fetcher, .stale_time = 100ms}).value(), Value(0));
  advance(10);
  EXPECT_EQ(qc.fetch_query({.key = key({"k"}), .fetcher = fetcher, .stale_time = 10ms}).value(), Value(1));
  EXPECT_EQ(qc.fetch_query({.key = key({"k"}), .fetcher = fetcher, .stale_time = 10ms}).value(), Value(1));
  advance(10);
  EXPECT_EQ(qc.fetch_query({.key = key({"k"}), .fetcher = fetcher, .stale_time = 10ms}).value(), Value(2));
}

TEST_F(QueryClientTest, EachFetchQueryTakesItsOwnMeta) {
  QueryClient qc(rt);
  Fetcher echo = [](const FetchContext& ctx, Completion done) { done.resolve(ctx.meta); };
  EXPECT_EQ(qc.fetch_query({.key = key({"k"}), .fetcher = echo, .meta = Value::object({{"foo", true}})}).value(),
            Value::object({{"foo", true}}));
  EXPECT_EQ(qc.fetch_query({.key = key({"k"}), .fetcher = echo, .meta = Value::object({{"foo", false}})}).value(),
            Value::object({{"foo", false}}));
}

TEST_F(QueryClientTest, SkipTokenWithoutCachedDataFailsAndWithCachedStaticDataReturnsIt) {
  QueryClient qc(rt);
  Future f = qc.fetch_query({.key = key({"skip"}), .fetcher = skip_token});
  ASSERT_TRUE(f.ready());
  EXPECT_NE(f.error(), nullptr);
  qc.set_query_data(key({"cached"}), "cached-data");
  Future g = qc.fetch_query({.key = key({"cached"}), .fetcher = skip_token, .stale_time = static_stale_time});
  EXPECT_EQ(g.value(), Value("cached-data"));
}

TEST_F(QueryClientTest, PrefetchedQueriesAreCollectedAfterTheirGcTime) {
  QueryClient qc(rt);
  Future f = qc.prefetch_query({.key = key({"k"}), .fetcher = sync_fetcher([](const Value&) { return Value(1); }),
                                .gc_time = Millis{10}});
  EXPECT_TRUE(f.value().is_null());
  EXPECT_TRUE(qc.query_cache().find({.key = key({"k"})}));
  advance(15);
  EXPECT_FALSE(qc.query_cache().find({.key = key({"k"})}));
}

TEST_F(QueryClientTest, PrefetchSettlesWithNullOnError) {
  QueryClient qc(rt);
  Future f = qc.prefetch_query({.key = key({"k"}),
                                .fetcher = [](const FetchContext&, Completion done) {
                                  done.reject(Error(ErrorCode::query_error, "error"));
                                },
                                .retry = false});
  ASSERT_TRUE(f.ready());
  EXPECT_TRUE(f.ok());
}

// ---- remove / cancel ----

TEST_F(QueryClientTest, RemoveQueriesWithExactRemovesTheQuery) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), "data");
  qc.remove_queries({.key = key({"k"}), .exact = true});
  EXPECT_FALSE(qc.query_cache().find({.key = key({"k"})}));
}

TEST_F(QueryClientTest, CancelQueriesRevertsToThePreviousStateAndTheFetchSettlesWithIt) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), "data");
  Future pending = qc.fetch_query({.key = key({"k"}), .fetcher = value_after(1000, "data2")});
  advance(10);
  qc.cancel_queries({});
  ASSERT_TRUE(pending.ready());
  EXPECT_EQ(pending.value(), Value("data"));
  auto s = qc.get_query_state(key({"k"}));
  EXPECT_EQ(s->data, Value("data"));
  EXPECT_EQ(s->status, QueryStatus::success);
}

TEST_F(QueryClientTest, CancelWithoutRevertLeavesTheQueryInError) {
  QueryClient qc(rt);
  (void)qc.fetch_query({.key = key({"k"}), .fetcher = sync_fetcher([](const Value&) { return Value("data"); })});
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = value_after(1000, "data2")});
  advance(10);
  qc.cancel_queries({.key = key({"k"})}, {.revert = false});
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::error);
}

TEST_F(QueryClientTest, CancellingAnInitialFetchRejectsWithCancelledAndRevertsToPending) {
  QueryClient qc(rt);
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = value_after(50, 25)});
  advance(10);
  qc.cancel_queries({.key = key({"k"})});
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
  auto s = qc.get_query_state(key({"k"}));
  EXPECT_EQ(s->status, QueryStatus::pending);
  EXPECT_EQ(s->fetch_status, FetchStatus::idle);
  EXPECT_FALSE(s->data);
  EXPECT_FALSE(s->error);
}

// query-core's onCancel reverts whenever `revert` is set, silent or not: the state is the one from
// before the fetch (idle), and the caller, told nothing else, gets the cancellation.
TEST_F(QueryClientTest, ASilentCancelStillRevertsWhenRevertIsSet) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), "data");
  Future pending = qc.fetch_query({.key = key({"k"}), .fetcher = value_after(1000, "data2")});
  advance(10);
  qc.cancel_queries({}, {.silent = true});
  ASSERT_TRUE(pending.ready());
  EXPECT_EQ(pending.error()->code(), ErrorCode::cancelled);
  auto s = qc.get_query_state(key({"k"}));
  EXPECT_EQ(s->data, Value("data"));
  EXPECT_EQ(s->status, QueryStatus::success);
  EXPECT_EQ(s->fetch_status, FetchStatus::idle);
  EXPECT_FALSE(s->error);
}

// query-core's CancelledError carries the options it was cancelled with; so does the module's
// error, as its detail: {"revert", "silent"} (and the failure's "serial": query_failure_detail_test).
TEST_F(QueryClientTest, TheCancellationErrorCarriesTheOptionsItWasAskedWith) {
  QueryClient qc(rt);
  const auto asked = [](const Value& detail) {
    return Value::object({{"revert", detail.get("revert")}, {"silent", detail.get("silent")}});
  };
  const auto cancelled = [&](CancelOptions options) {
    Future f = qc.fetch_query({.key = key({"k"}), .fetcher = value_after(50, 25)});
    advance(10);
    qc.cancel_queries({.key = key({"k"})}, options);
    EXPECT_TRUE(f.ready());
    EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
    return asked(f.error_detail());
  };
  EXPECT_EQ(cancelled({}), Value::object({{"revert", true}, {"silent", false}}));
  EXPECT_EQ(cancelled({.silent = true}), Value::object({{"revert", true}, {"silent", true}}));
  EXPECT_EQ(cancelled({.revert = false}), Value::object({{"revert", false}, {"silent", false}}));
  // Not reverted: the query keeps the error, with the same detail.
  EXPECT_EQ(asked(qc.get_query_state(key({"k"}))->error_detail), Value::object({{"revert", false}, {"silent", false}}));
}

// ---- refetch_queries ----

TEST_F(QueryClientTest, RefetchSkipsQueriesWhoseObserversAreAllDisabled) {
  QueryClient qc(rt);
  CountingFetcher cf;
  (void)qc.fetch_query({.key = key({"k"}), .fetcher = cf.fetcher()});
  QueryObserver off(qc, {.key = key({"k"}), .fetcher = cf.fetcher(), .enabled = false});
  auto s1 = off.subscribe(nullptr);
  (void)qc.refetch_queries({});
  EXPECT_EQ(*cf.count, 1);
  QueryObserver on(qc, {.key = key({"k"}), .fetcher = cf.fetcher(), .refetch_on_mount = RefetchOn::never});
  auto s2 = on.subscribe(nullptr);
  (void)qc.refetch_queries({});
  EXPECT_EQ(*cf.count, 2);
}

TEST_F(QueryClientTest, RefetchByTypeAndStaleness) {
  QueryClient qc(rt);
  CountingFetcher f1, f2;
  (void)qc.fetch_query({.key = key({"k1"}), .fetcher = f1.fetcher()});
  (void)qc.fetch_query({.key = key({"k2"}), .fetcher = f2.fetcher()});
  auto sub = qc.observe({.key = key({"k1"}), .fetcher = f1.fetcher(), .stale_time = never_expires}, nullptr);
  (void)qc.refetch_queries({.type = QueryType::active, .stale = false});
  EXPECT_EQ(*f1.count, 2);
  EXPECT_EQ(*f2.count, 1);
  (void)qc.refetch_queries({.type = QueryType::inactive});
  EXPECT_EQ(*f1.count, 2);
  EXPECT_EQ(*f2.count, 2);
  (void)qc.refetch_queries({.type = QueryType::active});
  EXPECT_EQ(*f1.count, 3);
  (void)qc.refetch_queries({});
  EXPECT_EQ(*f1.count, 4);
  EXPECT_EQ(*f2.count, 3);
}

TEST_F(QueryClientTest, RefetchWithThrowOnErrorRejectsWithTheError) {
  QueryClient qc(rt);
  Fetcher failing = [](const FetchContext&, Completion done) { done.reject(Error(ErrorCode::query_error, "error")); };
  (void)qc.fetch_query({.key = key({"k"}), .fetcher = failing, .retry = false});
  Future quiet = qc.refetch_queries({.key = key({"k"})});
  EXPECT_TRUE(quiet.ok());
  Future loud = qc.refetch_queries({.key = key({"k"})}, {.throw_on_error = true});
  ASSERT_TRUE(loud.ready());
  EXPECT_STREQ(loud.error()->what(), "error");
}

TEST_F(QueryClientTest, RefetchOfAPausedQuerySettlesAtOnce) {
  // Issue 11: refetch_queries on a query paused offline waited for the connection to return.
  QueryClient qc(rt);
  CountingFetcher cf;
  (void)qc.fetch_query({.key = key({"k"}), .fetcher = cf.fetcher()});
  qc.set_online(false);
  Future f = qc.refetch_queries({.key = key({"k"})});
  EXPECT_TRUE(f.ready());
  EXPECT_EQ(*cf.count, 1);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::paused);
  qc.set_online(true);
  EXPECT_EQ(*cf.count, 2);
}

TEST_F(QueryClientTest, RefetchOfflineStillFetchesInNetworkModeAlways) {
  QueryClient qc(rt);
  qc.set_query_defaults(key({"k"}), {.network_mode = NetworkMode::always});
  CountingFetcher cf;
  (void)qc.fetch_query({.key = key({"k"}), .fetcher = cf.fetcher()});
  qc.set_online(false);
  Future f = qc.refetch_queries({.key = key({"k"})});
  EXPECT_TRUE(f.ready());
  EXPECT_EQ(*cf.count, 2);
}

// ---- invalidate_queries ----

TEST_F(QueryClientTest, InvalidateRefetchesActiveQueriesOnlyByDefault) {
  QueryClient qc(rt);
  CountingFetcher f1, f2;
  (void)qc.fetch_query({.key = key({"k1"}), .fetcher = f1.fetcher()});
  (void)qc.fetch_query({.key = key({"k2"}), .fetcher = f2.fetcher()});
  auto sub = qc.observe({.key = key({"k1"}), .fetcher = f1.fetcher(), .stale_time = never_expires}, nullptr);
  (void)qc.invalidate_queries({});
  EXPECT_EQ(*f1.count, 2);
  EXPECT_EQ(*f2.count, 1);
  (void)qc.invalidate_queries({}, {.refetch_type = RefetchType::none});
  EXPECT_EQ(*f1.count, 2);
  (void)qc.invalidate_queries({}, {.refetch_type = RefetchType::all});
  EXPECT_EQ(*f1.count, 3);
  EXPECT_EQ(*f2.count, 2);
}

TEST_F(QueryClientTest, InvalidateDoesNotRefetchDisabledOrSkippedQueriesEvenForRefetchTypeAll) {
  QueryClient qc(rt);
  CountingFetcher cf;
  {
    QueryObserver o(qc, {.key = key({"off"}), .fetcher = cf.fetcher(), .stale_time = never_expires, .enabled = false});
    auto s = o.subscribe(nullptr);
  }
  {
    QueryObserver o(qc, {.key = key({"skip"}), .fetcher = skip_token, .stale_time = never_expires});
    qc.set_query_data(key({"skip"}), "data1");
    auto s = o.subscribe(nullptr);
  }
  (void)qc.invalidate_queries({}, {.refetch_type = RefetchType::all});
  EXPECT_EQ(*cf.count, 0);
  EXPECT_EQ(qc.get_query_state(key({"skip"}))->data_update_count, 1u);
}

TEST_F(QueryClientTest, InvalidateCancelsAFetchInFlightUnlessTold) {
  QueryClient qc(rt);
  int aborts = 0;
  int fetches = 0;
  Fetcher slow = [&](const FetchContext& ctx, Completion done) {
    ++fetches;
    ctx.signal.on_abort([&] { ++aborts; });
    (void)rt.scheduler().schedule_after(10ms, [done] { done.resolve(5); });
  };
  {
    QueryObserver o(qc, {.key = key({"a"}), .fetcher = slow, .initial_data = Value(1)});
    auto s = o.subscribe(nullptr);
    (void)qc.refetch_queries({.key = key({"a"})});
    advance(10);
  }
  EXPECT_EQ(aborts, 1);
  EXPECT_EQ(fetches, 2);
  aborts = fetches = 0;
  {
    QueryObserver o(qc, {.key = key({"b"}), .fetcher = slow, .initial_data = Value(1)});
    auto s = o.subscribe(nullptr);
    (void)qc.refetch_queries({.key = key({"b"})}, {.cancel_refetch = false});
    advance(10);
  }
  EXPECT_EQ(aborts, 0);
  EXPECT_EQ(fetches, 1);
}

// ---- reset_queries ----

TEST_F(QueryClientTest, ResetNotifiesASetStateAndBackToPendingOrInitialData) {
  QueryClient qc(rt);
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = sync_fetcher([](const Value&) { return Value("data"); })});
  std::vector<std::string> actions;
  auto events = qc.query_cache().subscribe([&](const QueryCacheEvent& e) {
    if (e.type == QueryCacheEvent::Type::updated) actions.emplace_back(e.action);
  });
  (void)qc.reset_queries({.key = key({"k"})});
  ASSERT_FALSE(actions.empty());
  EXPECT_EQ(actions.front(), "setState");
  auto s = qc.get_query_state(key({"k"}));
  EXPECT_FALSE(s->data);
  EXPECT_EQ(s->status, QueryStatus::pending);
  EXPECT_EQ(s->fetch_status, FetchStatus::idle);

  (void)qc.prefetch_query({.key = key({"i"}),
                           .fetcher = sync_fetcher([](const Value&) { return Value("data"); }),
                           .initial_data = Value("initial")});
  (void)qc.reset_queries({.key = key({"i"})});
  EXPECT_EQ(qc.get_query_data(key({"i"})), Value("initial"));
}

TEST_F(QueryClientTest, ResetRefetchesTheActiveMatchesSelectedByAStatePredicate) {
  QueryClient qc(rt);
  int calls = 0;
  Fetcher fetcher = [&](const FetchContext&, Completion done) {
    if (++calls == 1) {
      done.reject(Error(ErrorCode::query_error, "error"));
    } else {
      done.resolve("data");
    }
  };
  EXPECT_FALSE(qc.fetch_query({.key = key({"k"}), .fetcher = fetcher, .retry = false}).ok());
  auto sub = qc.observe({.key = key({"k"}), .fetcher = fetcher, .retry = false, .retry_on_mount = false}, nullptr);
  EXPECT_EQ(calls, 1);
  (void)qc.reset_queries({.predicate = [](const QueryInfo& q) { return q.state.status == QueryStatus::error; }});
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(qc.get_query_data(key({"k"})), Value("data"));
}

TEST_F(QueryClientTest, ResetRefetchesOnlyEnabledActiveQueries) {
  QueryClient qc(rt);
  CountingFetcher on, off;
  auto s1 = qc.observe({.key = key({"k1"}), .fetcher = on.fetcher(), .enabled = true}, nullptr);
  auto s2 = qc.observe({.key = key({"k2"}), .fetcher = off.fetcher(), .enabled = false}, nullptr);
  auto s3 = qc.observe({.key = key({"k3"}), .fetcher = skip_token}, nullptr);
  (void)qc.reset_queries({});
  EXPECT_EQ(*on.count, 2);
  EXPECT_EQ(*off.count, 0);
}

// ---- focus and connectivity ----

TEST_F(QueryClientTest, PausedMutationsResumeWhenOnlineAgainInParallel) {
  QueryClient qc(rt);
  qc.set_online(false);
  std::vector<std::string> order;
  auto mutation = [&](std::string name, std::int64_t ms) {
    return logged_mutation(rt, order, name + "start", name + "end", Millis{ms});
  };
  MutationObserver a(qc, {.fn = mutation("1", 50)});
  MutationObserver b(qc, {.fn = mutation("2", 20)});
  (void)a.mutate(Value());
  (void)b.mutate(Value());
  EXPECT_TRUE(a.get_current_result().is_paused);
  EXPECT_TRUE(b.get_current_result().is_paused);
  qc.set_online(true);
  advance(50);
  EXPECT_EQ(a.get_current_result().status, MutationStatus::success);
  EXPECT_EQ(b.get_current_result().status, MutationStatus::success);
  EXPECT_EQ(order, (std::vector<std::string>{"1start", "2start", "2end", "1end"}));
}

TEST_F(QueryClientTest, PausedMutationsOfOneScopeResumeOneAfterTheOther) {
  QueryClient qc(rt);
  qc.set_online(false);
  std::vector<std::string> order;
  auto mutation = [&](std::string name, std::int64_t ms) {
    return logged_mutation(rt, order, name + "start", name + "end", Millis{ms});
  };
  MutationObserver a(qc, {.fn = mutation("1", 50), .scope = "scope"});
  MutationObserver b(qc, {.fn = mutation("2", 20), .scope = "scope"});
  (void)a.mutate(Value());
  (void)b.mutate(Value());
  qc.set_online(true);
  (void)qc.resume_paused_mutations();
  advance(70);
  EXPECT_EQ(order, (std::vector<std::string>{"1start", "1end", "2start", "2end"}));
}

TEST_F(QueryClientTest, ResumingOfflineLeavesMutationsPausedUntilOnline) {
  QueryClient qc(rt);
  qc.set_online(false);
  MutationObserver o(qc, {.fn = sync_mutation([](const Value&) { return Value(1); })});
  (void)o.mutate(Value());
  EXPECT_TRUE(o.get_current_result().is_paused);
  Future f = qc.resume_paused_mutations();
  EXPECT_TRUE(f.ready());
  EXPECT_TRUE(o.get_current_result().is_paused);
  qc.set_online(true);
  EXPECT_EQ(o.get_current_result().status, MutationStatus::success);
}

TEST_F(QueryClientTest, QueriesRefetchOnReconnectOnlyAfterResumedMutationsSettled) {
  QueryClient qc(rt);
  std::vector<std::string> results;
  int count = 0;
  Fetcher fetcher = [&](const FetchContext&, Completion done) {
    ++count;
    results.push_back("data" + std::to_string(count));
    const int n = count;
    (void)rt.scheduler().schedule_after(10ms, [done, n] { done.resolve("data" + std::to_string(n)); });
  };
  auto sub = qc.observe({.key = key({"k"}), .fetcher = fetcher}, nullptr);
  advance(10);
  EXPECT_EQ(qc.get_query_data(key({"k"})), Value("data1"));
  qc.set_online(false);
  auto mutation = [&](std::string name) { return logged_mutation(rt, results, name + "-start", name + "-end", 50ms); };
  MutationObserver m1(qc, {.fn = mutation("mutation1")});
  MutationObserver m2(qc, {.fn = mutation("mutation2"), .scope = "scope"});
  MutationObserver m3(qc, {.fn = mutation("mutation3"), .scope = "scope"});
  (void)m1.mutate(Value());
  (void)m2.mutate(Value());
  (void)m3.mutate(Value());
  qc.set_online(true);
  advance(110);
  EXPECT_EQ(qc.get_query_data(key({"k"})), Value("data2"));
  EXPECT_EQ(results, (std::vector<std::string>{"data1", "mutation1-start", "mutation2-start", "mutation1-end",
                                               "mutation2-end", "mutation3-start", "mutation3-end", "data2"}));
}

TEST_F(QueryClientTest, PausedMutationsDehydratedOfflineResumeOnAnotherClient) {
  QueryClient qc(rt);
  qc.set_online(false);
  MutationObserver o(qc, {.fn = sync_mutation([](const Value&) { return Value(1); })});
  (void)o.mutate(Value());
  DehydratedState state = qc.dehydrate();
  ASSERT_EQ(state.mutations.size(), 1u);

  QueryClient other(rt, {.mutation_defaults = {.fn = sync_mutation([](const Value&) { return Value(1); })},
                         .online = false});
  other.hydrate(state);
  ASSERT_EQ(other.mutation_cache().find_all().size(), 1u);
  EXPECT_TRUE(other.mutation_cache().find_all()[0].state.is_paused);
  (void)other.resume_paused_mutations();
  EXPECT_TRUE(other.mutation_cache().find_all()[0].state.is_paused);
  other.set_online(true);
  EXPECT_EQ(other.mutation_cache().find_all()[0].state.status, MutationStatus::success);
}

}  // namespace
}  // namespace mfstate::testing
