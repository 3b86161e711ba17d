// QueryObserver as an object, case by case from query-core's queryObserver.test.tsx: subscribe /
// unsubscribe / re-subscribe, get_current_result without subscribing, set_options (switching
// queries), select (memo, errors), placeholder data, enabled and stale_time as functions of the
// query, notify_on_change_props, throw_on_error, fetch_optimistic, refetch intervals.
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

class QueryObserverObjectTest : public QueryTest {
 protected:
  Fetcher value_after(std::int64_t ms, Value v) {
    return DelayedFetcher{&rt, Millis{ms}, [v](const FetchContext&) { return v; }}.fetcher();
  }
};

TEST_F(QueryObserverObjectTest, SubscribingFetchesAndAnObserverAloneDoesNot) {
  QueryClient qc(rt);
  CountingFetcher cf;
  QueryObserver idle(qc, {.key = key({"idle"}), .fetcher = cf.fetcher()});
  advance(0);
  EXPECT_EQ(*cf.count, 0);
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = cf.fetcher()});
  { auto sub = o.subscribe(nullptr); }
  EXPECT_EQ(*cf.count, 1);
}

TEST_F(QueryObserverObjectTest, AFetchGoesThroughPendingFetchingBeforeSuccess) {
  QueryClient qc(rt);
  ManualFetcher mf;
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = mf.fetcher()});
  auto sub = o.subscribe(nullptr);
  QueryResult r = o.get_current_result();
  EXPECT_EQ(r.status, QueryStatus::pending);
  EXPECT_EQ(r.fetch_status, FetchStatus::fetching);
  mf.resolve("data");
  rt.run_until_idle();
  r = o.get_current_result();
  EXPECT_EQ(r.status, QueryStatus::success);
  EXPECT_EQ(r.fetch_status, FetchStatus::idle);
  EXPECT_EQ(r.data, Value("data"));
}

TEST_F(QueryObserverObjectTest, ADisabledObserverReadsTheLatestDataAfterSubscribing) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), "data");
  QueryObserver o(qc, {.key = key({"k"}), .enabled = false});
  auto sub = o.subscribe(nullptr);
  EXPECT_EQ(o.get_current_result().status, QueryStatus::success);
  EXPECT_EQ(o.get_current_result().data, Value("data"));
}

// enabled as a function of the query (query-core: "enabled is a callback that initially returns
// false").
class EnabledCallbackTest : public QueryObserverObjectTest {
 protected:
  bool enabled = false;
  int count = 0;
  QueryClient qc{rt};
  QueryOptions options() {
    return {.key = key({"k"}),
            .fetcher = DelayedFetcher{&rt, 10ms,
                                      [this](const FetchContext&) {
                                        ++count;
                                        return Value("data");
                                      }}
                           .fetcher(),
            .stale_time = never_expires,
            .enabled = [this](const QueryInfo&) { return enabled; }};
  }
};

TEST_F(EnabledCallbackTest, DoesNotFetchOnMountNorWhenInvalidatedWithRefetchTypeAll) {
  QueryObserver o(qc, options());
  auto sub = o.subscribe(nullptr);
  EXPECT_EQ(o.get_current_result().fetch_status, FetchStatus::idle);
  (void)qc.invalidate_queries({.key = key({"k"})}, {.refetch_type = RefetchType::all});
  advance(10);
  EXPECT_EQ(count, 0);
  EXPECT_EQ(o.get_current_result().status, QueryStatus::pending);
}

TEST_F(EnabledCallbackTest, AnExplicitRefetchFetchesAnyway) {
  QueryObserver o(qc, options());
  auto sub = o.subscribe(nullptr);
  (void)o.refetch();
  EXPECT_EQ(o.get_current_result().fetch_status, FetchStatus::fetching);
  advance(10);
  EXPECT_EQ(count, 1);
  EXPECT_EQ(o.get_current_result().data, Value("data"));
}

TEST_F(EnabledCallbackTest, ResubscribingAfterItTurnsTrueFetches) {
  QueryObserver o(qc, options());
  { auto sub = o.subscribe(nullptr); }
  enabled = true;
  auto sub = o.subscribe(nullptr);
  EXPECT_EQ(o.get_current_result().fetch_status, FetchStatus::fetching);
  advance(10);
  EXPECT_EQ(count, 1);
}

TEST_F(EnabledCallbackTest, InvalidationFollowsWhatTheCallbackSaysNow) {
  QueryObserver o(qc, options());
  auto sub = o.subscribe(nullptr);
  enabled = true;
  (void)qc.invalidate_queries({.key = key({"k"})}, {.refetch_type = RefetchType::inactive});
  advance(10);
  EXPECT_EQ(count, 0);
  (void)qc.invalidate_queries({.key = key({"k"})}, {.refetch_type = RefetchType::active});
  advance(10);
  EXPECT_EQ(count, 1);
  enabled = false;
  (void)qc.invalidate_queries({.key = key({"k"})}, {.refetch_type = RefetchType::active});
  advance(10);
  EXPECT_EQ(count, 1);
}

TEST_F(EnabledCallbackTest, AnUnsubscribedObserverIsNotRefetchedByInvalidation) {
  QueryObserver o(qc, options());
  { auto sub = o.subscribe(nullptr); }
  enabled = true;
  (void)qc.invalidate_queries({.key = key({"k"})}, {.refetch_type = RefetchType::active});
  EXPECT_EQ(o.get_current_result().fetch_status, FetchStatus::idle);
  EXPECT_EQ(count, 0);
}

TEST_F(QueryObserverObjectTest, AnUnsubscribedObserverKeepsItsLastResultUntilItSubscribesAgain) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = value_after(10, "data"), .stale_time = never_expires});
  { auto sub = o.subscribe(nullptr); }
  EXPECT_EQ(o.get_current_result().fetch_status, FetchStatus::fetching);
  advance(10);
  EXPECT_EQ(qc.get_query_data(key({"k"})), Value("data"));
  auto sub = o.subscribe(nullptr);
  EXPECT_EQ(o.get_current_result().status, QueryStatus::success);
  EXPECT_EQ(o.get_current_result().data, Value("data"));
}

TEST_F(QueryObserverObjectTest, SwitchingTheKeyWithSetOptionsNotifiesEachState) {
  QueryClient qc(rt);
  ManualFetcher mf;
  QueryObserver o(qc, {.key = key({"k1"}), .fetcher = mf.fetcher()});
  std::vector<QueryResult> results;
  auto sub = o.subscribe([&](const QueryResult& r) { results.push_back(r); });
  mf.resolve(1);
  rt.run_until_idle();
  o.set_options({.key = key({"k2"}), .fetcher = mf.fetcher()});
  mf.resolve(2);
  rt.run_until_idle();
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].status, QueryStatus::pending);
  EXPECT_EQ(results[1].data, Value(1));
  EXPECT_EQ(results[2].status, QueryStatus::pending);
  EXPECT_FALSE(results[2].data);
  EXPECT_EQ(results[3].data, Value(2));
}

TEST_F(QueryObserverObjectTest, SelectTransformsAndRunsOnlyWhenTheDataChanges) {
  QueryClient qc(rt);
  int selects = 0;
  int n = 0;
  QueryObserver o(qc, {.key = key({"k"}),
                       .fetcher = sync_fetcher([&](const Value&) { return Value::object({{"count", n}}); }),
                       .select = [&](const Value& d) {
                         ++selects;
                         return Value::object({{"myCount", d.get("count")}});
                       }});
  EXPECT_EQ(o.refetch().value(), Value::object({{"myCount", 0}}));
  EXPECT_EQ(o.refetch().value(), Value::object({{"myCount", 0}}));
  EXPECT_EQ(selects, 1);  // equal data kept its node: select did not run again
  n = 1;
  EXPECT_EQ(o.refetch().value(), Value::object({{"myCount", 1}}));
  EXPECT_EQ(selects, 2);
}

TEST_F(QueryObserverObjectTest, ASelectedValueIsStructurallyShared) {
  QueryClient qc(rt);
  int n = 0;
  QueryObserver o(qc, {.key = key({"k"}),
                       .fetcher = sync_fetcher([&](const Value&) { return Value::object({{"count", ++n}}); }),
                       .select = [](const Value&) { return Value::object({{"myCount", 1}}); }});
  Value first = o.refetch().value();
  Value second = o.refetch().value();
  EXPECT_EQ(n, 2);
  EXPECT_TRUE(first.same_node(second));
}

TEST_F(QueryObserverObjectTest, AThrowingSelectReportsTheErrorAndKeepsTheLastGoodData) {
  QueryClient qc(rt);
  bool fail = false;
  ManualFetcher mf;
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = mf.fetcher(), .retry = 0, .select = [&](const Value& v) -> Value {
                         if (fail) throw Error(ErrorCode::query_error, "select error");
                         fail = true;
                         return Value(std::to_string(v.as_int()));
                       }});
  std::vector<QueryResult> results;
  auto sub = o.subscribe([&](const QueryResult& r) { results.push_back(r); });
  mf.resolve(1);
  rt.run_until_idle();
  (void)o.refetch();
  mf.resolve(2);
  rt.run_until_idle();
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[1].data, Value("1"));
  EXPECT_TRUE(results[2].is_fetching());
  EXPECT_EQ(results[3].status, QueryStatus::error);
  EXPECT_EQ(results[3].data, Value("1"));
  EXPECT_STREQ(results[3].error->what(), "select error");
}

TEST_F(QueryObserverObjectTest, ASelectErrorDoesNotLeakIntoAnotherQuery) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k1"}),
                       .fetcher = value_after(10, Value::object({{"count", 1}})),
                       .select = [](const Value&) -> Value { throw Error(ErrorCode::query_error, "selector error"); }});
  auto sub = o.subscribe(nullptr);
  advance(10);
  EXPECT_EQ(o.get_current_result().status, QueryStatus::error);
  o.set_options({.key = key({"k2"}),
                 .fetcher = value_after(10, Value::object({{"count", 2}})),
                 .select = [](const Value& d) { return d; }});
  QueryResult r = o.get_current_result();
  EXPECT_EQ(r.status, QueryStatus::pending);
  EXPECT_FALSE(r.data);
  EXPECT_FALSE(r.error);
  advance(10);
  r = o.get_current_result();
  EXPECT_EQ(r.status, QueryStatus::success);
  EXPECT_EQ(r.data, Value::object({{"count", 2}}));
}

TEST_F(QueryObserverObjectTest, ResettingTheQueryClearsASelectError) {
  QueryClient qc(rt);
  bool should_throw = true;
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = value_after(10, 1), .select = [&](const Value& d) -> Value {
                         if (should_throw) throw Error(ErrorCode::query_error, "selector error");
                         return d;
                       }});
  auto sub = o.subscribe(nullptr);
  advance(10);
  EXPECT_EQ(o.get_current_result().status, QueryStatus::error);
  should_throw = false;
  (void)qc.reset_queries({.key = key({"k"})});
  QueryResult r = o.get_current_result();
  EXPECT_EQ(r.status, QueryStatus::pending);
  EXPECT_FALSE(r.error);
  advance(10);
  EXPECT_EQ(o.get_current_result().data, Value(1));
}

TEST_F(QueryObserverObjectTest, ASelectThrowingOnPlaceholderDataIsAnErrorNotPlaceholder) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}),
                       .fetcher = value_after(10, 1),
                       .placeholder_data = Value::object({{"count", 0}}),
                       .select = [](const Value&) -> Value { throw Error(ErrorCode::query_error, "selector error"); }});
  QueryResult r = o.get_current_result();
  EXPECT_TRUE(r.is_error());
  EXPECT_FALSE(r.is_placeholder_data);
  EXPECT_FALSE(r.data);
}

TEST_F(QueryObserverObjectTest, ADisabledObserverWithoutAFetcherWatchesOthersFetches) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}), .enabled = false});
  int told = 0;
  auto sub = o.subscribe([&](const QueryResult&) { ++told; });
  (void)qc.fetch_query({.key = key({"k"}), .fetcher = value_after(0, "data")});
  advance(0);
  EXPECT_EQ(told, 2);  // fetching (the fetch_query's batch), then success (the timer's)
  EXPECT_EQ(o.get_current_result().data, Value("data"));
}

TEST_F(QueryObserverObjectTest, SeveralListenersOfOneObserverAreEachTold) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}), .enabled = false});
  std::vector<QueryResult> a, b;
  auto s1 = o.subscribe([&](const QueryResult& r) { a.push_back(r); });
  auto s2 = o.subscribe([&](const QueryResult& r) { b.push_back(r); });
  qc.set_query_data(key({"k"}), "data");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].data, Value("data"));
}

TEST_F(QueryObserverObjectTest, UnsubscribingStopsRetries) {
  QueryClient qc(rt);
  int count = 0;
  QueryObserver o(qc, {.key = key({"k"}),
                       .fetcher = [&](const FetchContext&, Completion done) {
                         ++count;
                         done.reject(Error(ErrorCode::query_error, "reject"));
                       },
                       .retry = 10,
                       .retry_delay = Millis{50}});
  auto sub = o.subscribe(nullptr);
  advance(50);
  sub.cancel();
  advance(50);
  EXPECT_EQ(count, 2);
}

TEST_F(QueryObserverObjectTest, UnsubscribingClearsTheRefetchInterval) {
  QueryClient qc(rt);
  CountingFetcher cf;
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = cf.fetcher(), .gc_time = Millis{0}, .refetch_interval = 10ms});
  auto sub = o.subscribe(nullptr);
  EXPECT_EQ(*cf.count, 1);
  advance(10);
  EXPECT_EQ(*cf.count, 2);
  sub.cancel();
  advance(10);
  EXPECT_FALSE(qc.query_cache().find({.key = key({"k"})}));
  EXPECT_EQ(*cf.count, 2);
}

TEST_F(QueryObserverObjectTest, ARefetchIntervalMayBeAFunctionOfTheQuery) {
  QueryClient qc(rt);
  CountingFetcher cf;
  std::vector<Value> seen;
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = cf.fetcher(), .refetch_interval = [&](const QueryInfo& q) {
                         seen.push_back(q.key);
                         return Millis{10};
                       }});
  auto sub = o.subscribe(nullptr);
  EXPECT_EQ(*cf.count, 1);
  advance(10);
  EXPECT_EQ(*cf.count, 2);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), key({"k"}));
}

TEST_F(QueryObserverObjectTest, NoPollingInTheBackgroundUnlessAsked) {
  QueryClient qc(rt);
  CountingFetcher cf;
  qc.set_focused(false);
  QueryObserver o(qc, {.key = key({"k"}),
                       .fetcher = cf.fetcher(),
                       .refetch_interval = 10ms,
                       .refetch_interval_in_background = false});
  auto sub = o.subscribe(nullptr);
  advance(30);
  EXPECT_EQ(*cf.count, 1);
}

TEST_F(QueryObserverObjectTest, NotifyOnChangePropsNotifiesOnlyForTheListedFields) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), "data");
  QueryObserver changes(qc, {.key = key({"k"}),
                             .fetcher = value_after(10, "new data"),
                             .stale_time = never_expires,
                             .notify_on_change_props = [] { return std::vector<ResultProp>{ResultProp::data}; }});
  int told = 0;
  auto sub = changes.subscribe([&](const QueryResult&) { ++told; });
  (void)changes.refetch();
  advance(10);
  EXPECT_EQ(told, 1);  // fetch_status went fetching and back: not watched; data changed: told once

  qc.set_query_data(key({"j"}), "data");
  QueryObserver same(qc, {.key = key({"j"}),
                          .fetcher = value_after(10, "data"),
                          .stale_time = never_expires,
                          .notify_on_change_props = {ResultProp::data}});
  int never = 0;
  auto s2 = same.subscribe([&](const QueryResult&) { ++never; });
  (void)same.refetch();
  advance(10);
  EXPECT_EQ(never, 0);
}

TEST_F(QueryObserverObjectTest, ThrowOnErrorMakesTheErrorAWatchedFieldAndRefetchReject) {
  QueryClient qc(rt);
  Fetcher failing = [](const FetchContext&, Completion done) { done.reject(Error(ErrorCode::query_error, "error")); };
  QueryObserver o(qc, {.key = key({"k"}),
                       .fetcher = failing,
                       .retry = false,
                       .throw_on_error = true,
                       .notify_on_change_props = {ResultProp::data}});
  std::vector<QueryResult> results;
  auto sub = o.subscribe([&](const QueryResult& r) { results.push_back(r); });
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].status, QueryStatus::error);
  EXPECT_TRUE(o.should_throw_error());
  Future f = o.refetch();
  ASSERT_TRUE(f.ready());
  EXPECT_STREQ(f.error()->what(), "error");

  QueryObserver quiet(qc, {.key = key({"q"}), .fetcher = failing, .retry = false,
                           .notify_on_change_props = {ResultProp::data}});
  int told = 0;
  auto s2 = quiet.subscribe([&](const QueryResult&) { ++told; });
  EXPECT_EQ(told, 0);
  EXPECT_FALSE(quiet.should_throw_error());
  EXPECT_TRUE(quiet.refetch().ok());
  EXPECT_FALSE(quiet.refetch({.throw_on_error = true}).ok());
}

TEST_F(QueryObserverObjectTest, PlaceholderDataShowsWhilePendingAndIsNeverCached) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = value_after(0, "data"), .placeholder_data = Value("placeholder")});
  QueryResult r = o.get_current_result();
  EXPECT_EQ(r.status, QueryStatus::success);
  EXPECT_EQ(r.data, Value("placeholder"));
  EXPECT_TRUE(r.is_placeholder_data);
  std::vector<QueryResult> results;
  auto sub = o.subscribe([&](const QueryResult& x) { results.push_back(x); });
  advance(0);
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(results.back().data, Value("data"));
  EXPECT_FALSE(results.back().is_placeholder_data);
}

TEST_F(QueryObserverObjectTest, EqualPlaceholderDataKeepsItsNodeAcrossSetOptions) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = value_after(0, "data"), .enabled = false,
                       .placeholder_data = Value::object({})});
  Value first = *o.get_current_result().data;
  o.set_options({.key = key({"k"}), .placeholder_data = Value::object({})});
  Value second = *o.get_current_result().data;
  EXPECT_TRUE(first.same_node(second));
}

TEST_F(QueryObserverObjectTest, PlaceholderDataFunctionGetsThePreviousQuerysData) {
  // keepPreviousData: switching keys shows the previous key's data until the new one arrives.
  QueryClient qc(rt);
  ManualFetcher mf;
  std::vector<Value> previous_keys;
  auto keep_previous = [&](const std::optional<Value>& previous, const QueryInfo* query) {
    if (query != nullptr) previous_keys.push_back(query->key);
    return previous;
  };
  QueryObserver o(qc, {.key = key({"k1"}),
                       .fetcher = mf.fetcher(),
                       .placeholder_data = keep_previous,
                       .select = [](const Value& d) { return d.get("value"); }});
  std::vector<QueryResult> results;
  auto sub = o.subscribe([&](const QueryResult& r) { results.push_back(r); });
  mf.resolve(Value::object({{"value", "data1"}}));
  rt.run_until_idle();
  o.set_options({.key = key({"k2"}),
                 .fetcher = mf.fetcher(),
                 .placeholder_data = keep_previous,
                 .select = [](const Value& d) { return d.get("value"); }});
  rt.run_until_idle();
  mf.resolve(Value::object({{"value", "data2"}}));
  rt.run_until_idle();
  ASSERT_EQ(results.size(), 4u);
  EXPECT_FALSE(results[0].data);
  EXPECT_EQ(results[1].data, Value("data1"));
  EXPECT_EQ(results[2].data, Value("data1"));
  EXPECT_TRUE(results[2].is_placeholder_data);
  EXPECT_EQ(results[2].fetch_status, FetchStatus::fetching);
  EXPECT_EQ(results[3].data, Value("data2"));
  ASSERT_FALSE(previous_keys.empty());
  EXPECT_EQ(previous_keys.back(), key({"k1"}));
}

TEST_F(QueryObserverObjectTest, KeepPreviousDataShowsThePreviousKeysDataWhileTheNextLoads) {
  QueryClient qc(rt);
  ManualFetcher mf;
  QueryObserver o(qc, {.key = key({"page", 1}), .fetcher = mf.fetcher(), .placeholder_data = keep_previous_data});
  auto sub = o.subscribe(nullptr);
  mf.resolve("one");
  rt.run_until_idle();
  o.set_options({.key = key({"page", 2}), .fetcher = mf.fetcher(), .placeholder_data = keep_previous_data});
  QueryResult r = o.get_current_result();
  EXPECT_EQ(r.data, Value("one"));
  EXPECT_TRUE(r.is_placeholder_data);
  mf.resolve("two");
  rt.run_until_idle();
  EXPECT_EQ(o.get_current_result().data, Value("two"));
  EXPECT_FALSE(o.get_current_result().is_placeholder_data);
}

TEST_F(QueryObserverObjectTest, KeepPreviousDataShowsTheLatestDataSeenAfterRefetchesAndAReset) {
  // The last data seen is the newest one an observer showed, of the key it showed it for: after
  // refetches (each flush shows new data), and after its own query lost its data (a reset).
  QueryClient qc(rt);
  ManualFetcher mf;
  std::vector<Value> previous_keys;
  auto keep_previous = [&](const std::optional<Value>& previous, const QueryInfo* query) {
    if (query != nullptr) previous_keys.push_back(query->key);
    return previous;
  };
  QueryObserver o(qc, {.key = key({"page", 1}), .fetcher = mf.fetcher(), .placeholder_data = keep_previous});
  auto sub = o.subscribe(nullptr);
  mf.resolve("one");
  rt.run_until_idle();
  Future refetched = o.refetch();
  mf.resolve("one again");
  rt.run_until_idle();
  ASSERT_TRUE(refetched.ready());
  refetched = o.refetch();
  mf.resolve("one at last");
  rt.run_until_idle();
  ASSERT_TRUE(refetched.ready());
  o.set_options({.key = key({"page", 2}), .fetcher = mf.fetcher(), .placeholder_data = keep_previous});
  QueryResult r = o.get_current_result();
  EXPECT_EQ(r.data, Value("one at last"));
  EXPECT_TRUE(r.is_placeholder_data);
  ASSERT_FALSE(previous_keys.empty());
  EXPECT_EQ(previous_keys.back(), key({"page", 1}));
  mf.resolve("two");
  rt.run_until_idle();
  EXPECT_EQ(o.get_current_result().data, Value("two"));
  // Its query reset to no data, and new options (the placeholder memo goes with the old ones):
  // the placeholder is the data it showed last, of this key.
  qc.reset_queries({.key = key({"page", 2})});
  o.set_options({.key = key({"page", 2}), .fetcher = mf.fetcher(), .placeholder_data = keep_previous});
  r = o.get_current_result();
  EXPECT_EQ(r.data, Value("two"));
  EXPECT_TRUE(r.is_placeholder_data);
  EXPECT_EQ(previous_keys.back(), key({"page", 2}));
}

TEST_F(QueryObserverObjectTest, SetOptionsNotifiesCacheListenersWithObserverOptionsUpdated) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}), .enabled = false});
  std::vector<QueryCacheEvent::Type> events;
  auto sub = qc.query_cache().subscribe([&](const QueryCacheEvent& e) { events.push_back(e.type); });
  o.set_options({.key = key({"k"}), .enabled = false, .refetch_interval = 10ms});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], QueryCacheEvent::Type::observer_options_updated);
}

TEST_F(QueryObserverObjectTest, ADisabledObserverNeverSeesStaleDataAndItsQueryIsNotStale) {
  // Issue 11: an observer with enabled: false made its query stale, and the stale filter matched
  // queries whose only observers were disabled.
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}), .enabled = false});
  EXPECT_FALSE(o.get_current_result().is_stale);
  qc.set_query_data(key({"k"}), "data");
  auto sub = o.subscribe(nullptr);
  advance(1000);
  EXPECT_FALSE(o.get_current_result().is_stale);
  EXPECT_TRUE(qc.query_cache().find_all({.key = key({"k"}), .stale = true}).empty());
  EXPECT_EQ(qc.query_cache().find_all({.key = key({"k"}), .stale = false}).size(), 1u);
  EXPECT_FALSE(o.get_current_result().is_enabled);
}

TEST_F(QueryObserverObjectTest, StaleTimeMayBeAFunctionOfTheQuery) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}),
                       .fetcher = value_after(5, Value::object({{"data", "data"}, {"staleTime", 20}})),
                       .stale_time = [](const QueryInfo& q) {
                         return q.state.data ? Millis{q.state.data->get("staleTime").as_int()} : Millis{0};
                       }});
  auto sub = o.subscribe(nullptr);
  advance(24);
  EXPECT_FALSE(o.get_current_result().is_stale);
  advance(1);
  EXPECT_TRUE(o.get_current_result().is_stale);
}

TEST_F(QueryObserverObjectTest, StaticStaleTimeIsNeverStaleOnceThereIsData) {
  QueryClient qc(rt);
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = value_after(5, "data"), .stale_time = static_stale_time});
  EXPECT_TRUE(o.get_current_result().is_stale);  // no data is stale
  auto sub = o.subscribe(nullptr);
  advance(5);
  EXPECT_FALSE(o.get_current_result().is_stale);
  (void)qc.invalidate_queries({.key = key({"k"})});
  EXPECT_FALSE(o.get_current_result().is_stale);
}

TEST_F(QueryObserverObjectTest, ShouldFetchOnWindowFocusFollowsTheOptionAndItsFunction) {
  QueryClient qc(rt);
  auto data = sync_fetcher([](const Value&) { return Value("data"); });
  EXPECT_TRUE(QueryObserver(qc, {.key = key({"a"}), .fetcher = data, .refetch_on_window_focus = RefetchOn::if_stale})
                  .should_fetch_on_window_focus());
  EXPECT_FALSE(QueryObserver(qc, {.key = key({"b"}), .fetcher = data, .refetch_on_window_focus = RefetchOn::never})
                   .should_fetch_on_window_focus());
  (void)qc.fetch_query({.key = key({"c"}), .fetcher = data});
  EXPECT_TRUE(QueryObserver(qc, {.key = key({"c"}),
                                 .fetcher = data,
                                 .stale_time = never_expires,
                                 .refetch_on_window_focus = RefetchOn::always})
                  .should_fetch_on_window_focus());
  std::vector<Value> asked;
  QueryObserver fn(qc, {.key = key({"c"}), .fetcher = data, .stale_time = never_expires,
                        .refetch_on_window_focus = [&](const QueryInfo& q) {
                          asked.push_back(q.key);
                          return RefetchOn::always;
                        }});
  EXPECT_TRUE(fn.should_fetch_on_window_focus());
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0], key({"c"}));
}

TEST_F(QueryObserverObjectTest, IsEnabledFollowsTheResolvedEnabledOption) {
  QueryClient qc(rt);
  EXPECT_FALSE(QueryObserver(qc, {.key = key({"a"}), .enabled = [](const QueryInfo&) { return false; }})
                   .get_current_result()
                   .is_enabled);
  EXPECT_TRUE(QueryObserver(qc, {.key = key({"b"})}).get_current_result().is_enabled);
}

TEST_F(QueryObserverObjectTest, FetchOptimisticSettlesWithTheFetchedData) {
  QueryClient qc(rt);
  auto data = sync_fetcher([](const Value&) { return Value("data"); });
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = data});
  Future f = o.fetch_optimistic({.key = key({"k"}), .fetcher = data});
  EXPECT_EQ(f.value(), Value("data"));
}

TEST_F(QueryObserverObjectTest, FetchOptimisticSettlesWithDataCachedMeanwhileWhileTheFetchGoesOn) {
  QueryClient qc(rt);
  auto slow = value_after(100, "fetched");
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = slow});
  Future f = o.fetch_optimistic({.key = key({"k"}), .fetcher = slow});
  advance(10);
  EXPECT_FALSE(f.ready());
  qc.set_query_data(key({"k"}), "cached");
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.value(), Value("cached"));
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::fetching);
  advance(100);
  EXPECT_EQ(qc.get_query_data(key({"k"})), Value("fetched"));
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::idle);
}

TEST_F(QueryObserverObjectTest, RetryOnMountFalseLeavesAQueryInErrorAlone) {
  QueryClient qc(rt);
  int calls = 0;
  Fetcher failing = [&](const FetchContext&, Completion done) {
    ++calls;
    done.reject(Error(ErrorCode::query_error, "error"));
  };
  { auto sub = qc.observe({.key = key({"k"}), .fetcher = failing, .retry = false}, nullptr); }
  EXPECT_EQ(calls, 1);
  auto sub = qc.observe({.key = key({"k"}), .fetcher = failing, .retry = false, .retry_on_mount = false}, nullptr);
  EXPECT_EQ(calls, 1);
}

TEST_F(QueryObserverObjectTest, StrictModeStyleResubscribeJoinsTheFetchInFlight) {
  QueryClient qc(rt);
  DelayedFetcher df{&rt, 50ms, [](const FetchContext&) { return Value("data"); }};
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = df.fetcher()});
  { auto s = o.subscribe(nullptr); }
  advance(5);
  auto s = o.subscribe(nullptr);
  advance(45);
  EXPECT_EQ(qc.get_query_data(key({"k"})), Value("data"));
  EXPECT_EQ(*df.count, 1);
}

TEST_F(QueryObserverObjectTest, ObserverCallsOnAnEndedClientThrow) {
  auto qc = std::make_unique<QueryClient>(rt);
  QueryObserver o(*qc, {.key = key({"k"}), .enabled = false});
  auto sub = o.subscribe(nullptr);
  qc.reset();
  EXPECT_THROW(o.set_options({.key = key({"k"})}), Error);
  EXPECT_THROW((void)o.refetch(), Error);
  sub.cancel();  // harmless
}

}  // namespace
}  // namespace mfstate::testing
