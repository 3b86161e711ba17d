// Observers: what they see (select, placeholder, derived flags), when they are told (batched, only
// on change), and what they cause (fetch on mount, refetch on invalidate, focus, reconnect,
// interval).
#include "query_test_support.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryObserverTest : public QueryTest {};

struct Recorder {
  std::vector<QueryResult> results;
  QueryListener listener() {
    return [this](const QueryResult& r) { results.push_back(r); };
  }
  const QueryResult& last() const { return results.back(); }
};

TEST_F(QueryObserverTest, MountFetchesAndTheObserverSeesLoadingThenSuccess) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Recorder rec;
  auto sub = qc.observe({.key = key({"user"}), .fetcher = mf.fetcher()}, rec.listener());
  ASSERT_EQ(rec.results.size(), 1u);
  EXPECT_TRUE(rec.last().is_loading());
  EXPECT_TRUE(rec.last().is_pending());
  EXPECT_FALSE(rec.last().data);
  mf.resolve("Ada");
  rt.run_until_idle();
  ASSERT_EQ(rec.results.size(), 2u);
  EXPECT_TRUE(rec.last().is_success());
  EXPECT_FALSE(rec.last().is_fetching());
  EXPECT_EQ(rec.last().data->as_string(), "Ada");
  EXPECT_TRUE(rec.last().is_fetched_after_mount);
  EXPECT_TRUE(rec.last().is_stale);  // stale_time 0
}

TEST_F(QueryObserverTest, TwoObserversOfOneKeyCauseOneFetch) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Recorder a, b;
  auto s1 = qc.observe({.key = key({"k"}), .fetcher = mf.fetcher()}, a.listener());
  auto s2 = qc.observe({.key = key({"k"}), .fetcher = mf.fetcher()}, b.listener());
  EXPECT_EQ(*mf.count, 1);
  mf.resolve(1);
  rt.run_until_idle();
  EXPECT_EQ(a.last().data->as_int(), 1);
  EXPECT_EQ(b.last().data->as_int(), 1);
}

TEST_F(QueryObserverTest, FreshDataIsNotRefetchedOnMountButStaleDataIs) {
  QueryClient qc(rt);
  CountingFetcher cf;
  qc.set_query_data(key({"k"}), 0);
  {
    auto s = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = Millis{1000}}, nullptr);
    EXPECT_EQ(*cf.count, 0);
  }
  advance(1000);
  auto s = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = Millis{1000}}, nullptr);
  EXPECT_EQ(*cf.count, 1);
  auto never = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher(), .refetch_on_mount = RefetchOn::never}, nullptr);
  EXPECT_EQ(*cf.count, 1);
  auto always = qc.observe({.key = key({"k"}),
                            .fetcher = cf.fetcher(),
                            .stale_time = never_expires,
                            .refetch_on_mount = RefetchOn::always},
                           nullptr);
  EXPECT_EQ(*cf.count, 2);
}

TEST_F(QueryObserverTest, DisabledObserverNeverFetchesAndIsNotActive) {
  QueryClient qc(rt);
  CountingFetcher cf;
  Recorder rec;
  auto s = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher(), .enabled = false}, rec.listener());
  EXPECT_EQ(*cf.count, 0);
  EXPECT_TRUE(rec.last().is_pending());
  EXPECT_FALSE(rec.last().is_fetching());
  qc.invalidate_queries({.key = key({"k"})});
  EXPECT_EQ(*cf.count, 0);
  qc.set_focused(false);
  qc.set_focused(true);
  EXPECT_EQ(*cf.count, 0);
  // An explicit set is still seen.
  qc.set_query_data(key({"k"}), 5);
  EXPECT_EQ(rec.last().data->as_int(), 5);
}

TEST_F(QueryObserverTest, InvalidationRefetchesActiveQueriesAndNotifiesEachObserverOnce) {
  QueryClient qc(rt);
  CountingFetcher cf;
  std::vector<Recorder> recs(5);
  std::vector<Subscription> subs;
  for (int i = 0; i < 5; ++i) {
    subs.push_back(qc.observe({.key = key({"user", i}), .fetcher = cf.fetcher(), .stale_time = never_expires},
                              recs[i].listener()));
  }
  EXPECT_EQ(*cf.count, 5);
  for (auto& r : recs) r.results.clear();
  Future f = qc.invalidate_queries({.key = key({"user"})});
  EXPECT_TRUE(f.ready());
  EXPECT_EQ(*cf.count, 10);
  for (auto& r : recs) {
    ASSERT_EQ(r.results.size(), 1u);  // fetching and success coalesced in one batch
    EXPECT_GT(r.last().data->get("n").as_int(), 5);
    EXPECT_FALSE(r.last().is_stale);
  }
}

TEST_F(QueryObserverTest, InactiveInvalidatedQueryRefetchesWhenNextObserved) {
  QueryClient qc(rt);
  CountingFetcher cf;
  qc.set_query_data(key({"k"}), 0);
  qc.invalidate_queries({.key = key({"k"})});
  EXPECT_EQ(*cf.count, 0);
  auto s = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = never_expires}, nullptr);
  EXPECT_EQ(*cf.count, 1);
}

TEST_F(QueryObserverTest, RefetchTypeSelectsWhichMatchedQueriesRefetch) {
  QueryClient qc(rt);
  CountingFetcher cf;
  qc.set_query_defaults(key({}), {.fetcher = cf.fetcher()});
  auto s = qc.observe({.key = key({"q", "active"}), .stale_time = never_expires}, nullptr);
  qc.set_query_data(key({"q", "inactive"}), 0);
  EXPECT_EQ(*cf.count, 1);
  qc.invalidate_queries({.key = key({"q"})}, {.refetch_type = RefetchType::none});
  EXPECT_EQ(*cf.count, 1);
  qc.invalidate_queries({.key = key({"q"})}, {.refetch_type = RefetchType::inactive});
  EXPECT_EQ(*cf.count, 2);
  EXPECT_EQ(qc.get_query_data(key({"q", "inactive"}))->get("n").as_int(), 2);
  qc.invalidate_queries({.key = key({"q"})}, {.refetch_type = RefetchType::all});
  EXPECT_EQ(*cf.count, 4);
}

TEST_F(QueryObserverTest, SelectIsMemoisedOnTheDataNode) {
  QueryClient qc(rt);
  int selects = 0;
  Recorder rec;
  qc.set_query_data(key({"u"}), Value::object({{"name", "Ada"}, {"age", 36}}));
  auto s = qc.observe({.key = key({"u"}),
                       .stale_time = never_expires,
                       .select =
                           [&](const Value& v) {
                             ++selects;
                             return v.get("name");
                           }},
                      rec.listener());
  EXPECT_EQ(rec.last().data->as_string(), "Ada");
  EXPECT_EQ(selects, 1);
  qc.invalidate_queries({.key = key({"u"})}, {.refetch_type = RefetchType::none});  // same data node
  EXPECT_EQ(selects, 1);
  // A change outside the selected part: select runs, the result is equal, nobody is told.
  const auto before = rec.results.size();
  qc.set_query_data(key({"u"}), Value::object({{"name", "Ada"}, {"age", 37}}));
  EXPECT_EQ(selects, 2);
  EXPECT_EQ(rec.results.size(), before + 1);  // is_stale went back to false (was invalidated)
  qc.set_query_data(key({"u"}), Value::object({{"name", "Ada"}, {"age", 38}}));
  EXPECT_EQ(rec.results.size(), before + 1);
  qc.set_query_data(key({"u"}), Value::object({{"name", "Grace"}, {"age", 38}}));
  EXPECT_EQ(rec.last().data->as_string(), "Grace");
}

TEST_F(QueryObserverTest, PlaceholderDataIsShownWhilePendingAndNeverCached) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Recorder rec;
  auto s = qc.observe({.key = key({"k"}), .fetcher = mf.fetcher(), .placeholder_data = Value("…")}, rec.listener());
  EXPECT_TRUE(rec.last().is_placeholder_data);
  EXPECT_TRUE(rec.last().is_success());
  EXPECT_EQ(rec.last().data->as_string(), "…");
  EXPECT_FALSE(qc.get_query_data(key({"k"})));
  mf.resolve("real");
  rt.run_until_idle();
  EXPECT_FALSE(rec.last().is_placeholder_data);
  EXPECT_EQ(rec.last().data->as_string(), "real");
}

TEST_F(QueryObserverTest, InitialDataFillsTheEntryAndCountsAsFreshForStaleTime) {
  QueryClient qc(rt);
  CountingFetcher cf;
  Recorder rec;
  auto s = qc.observe(
      {.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = Millis{500}, .initial_data = Value(1)},
      rec.listener());
  EXPECT_EQ(*cf.count, 0);
  EXPECT_EQ(rec.last().data->as_int(), 1);
  EXPECT_FALSE(rec.last().is_stale);
  EXPECT_EQ(qc.get_query_data(key({"k"}))->as_int(), 1);
}

TEST_F(QueryObserverTest, ObserverIsToldWhenItsDataBecomesStale) {
  QueryClient qc(rt);
  Recorder rec;
  qc.set_query_data(key({"k"}), 1);
  auto s = qc.observe({.key = key({"k"}), .stale_time = Millis{1000}}, rec.listener());
  EXPECT_FALSE(rec.last().is_stale);
  advance(999);
  EXPECT_FALSE(rec.last().is_stale);
  advance(1);
  EXPECT_TRUE(rec.last().is_stale);
}

TEST_F(QueryObserverTest, FocusRefetchesStaleObservedQueries) {
  QueryClient qc(rt);
  CountingFetcher cf;
  auto s = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher(), .stale_time = Millis{1000}}, nullptr);
  auto s2 = qc.observe({.key = key({"k2"}),
                        .fetcher = cf.fetcher(),
                        .refetch_on_window_focus = RefetchOn::never},
                       nullptr);
  EXPECT_EQ(*cf.count, 2);
  qc.set_focused(false);
  qc.set_focused(true);
  EXPECT_EQ(*cf.count, 2);  // fresh, and the other opted out
  advance(1000);
  qc.set_focused(false);
  qc.set_focused(true);
  EXPECT_EQ(*cf.count, 3);
}

TEST_F(QueryObserverTest, ReconnectRefetchesStaleObservedQueries) {
  QueryClient qc(rt);
  CountingFetcher cf;
  auto s = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher()}, nullptr);
  EXPECT_EQ(*cf.count, 1);
  qc.set_online(false);
  qc.set_online(true);
  EXPECT_EQ(*cf.count, 2);
}

TEST_F(QueryObserverTest, RefetchIntervalPollsWhileFocusedOnly) {
  QueryClient qc(rt);
  CountingFetcher cf;
  auto s = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher(), .refetch_interval = Millis{100}}, nullptr);
  EXPECT_EQ(*cf.count, 1);
  advance(350);
  EXPECT_EQ(*cf.count, 4);
  qc.set_focused(false);
  advance(300);
  EXPECT_EQ(*cf.count, 4);
  s.cancel();
  qc.set_focused(true);
  advance(1000);
  EXPECT_EQ(*cf.count, 4);
}

TEST_F(QueryObserverTest, UnsubscribingStopsNotificationsEvenFromInsideOne) {
  QueryClient qc(rt);
  int calls = 0;
  Subscription sub;
  // The first call happens inside observe(), before `sub` holds the handle.
  sub = qc.observe({.key = key({"k"}), .stale_time = never_expires}, [&](const QueryResult&) {
    if (++calls == 2) sub.cancel();
  });
  EXPECT_EQ(calls, 1);
  qc.set_query_data(key({"k"}), 1);
  EXPECT_EQ(calls, 2);
  qc.set_query_data(key({"k"}), 2);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(qc.stats().observers, 0u);
}

TEST_F(QueryObserverTest, ErrorStateAndRefetchErrorFlags) {
  QueryClient qc(rt);
  ManualFetcher mf;
  Recorder rec;
  qc.set_query_data(key({"k"}), 1);
  auto s = qc.observe({.key = key({"k"}), .fetcher = mf.fetcher(), .retry = 0}, rec.listener());
  EXPECT_TRUE(rec.last().is_refetching());
  mf.reject(ErrorCode::http_error, "HTTP 503");
  rt.run_until_idle();
  EXPECT_TRUE(rec.last().is_error());
  EXPECT_TRUE(rec.last().is_refetch_error());
  EXPECT_EQ(rec.last().data->as_int(), 1);
  EXPECT_EQ(rec.last().error->code(), ErrorCode::http_error);
}

TEST_F(QueryObserverTest, RemovedObservedQueryIsRebuiltOnTheObserversNextFetch) {
  QueryClient qc(rt);
  CountingFetcher cf;
  Recorder rec;
  auto s = qc.observe({.key = key({"k"}), .fetcher = cf.fetcher()}, rec.listener());
  qc.remove_queries({});
  EXPECT_EQ(qc.stats().entries, 0u);
  qc.set_focused(false);
  qc.set_focused(true);
  EXPECT_EQ(qc.stats().entries, 1u);
  EXPECT_EQ(*cf.count, 2);
  EXPECT_EQ(rec.last().data->get("n").as_int(), 2);
}

TEST_F(QueryObserverTest, LastObserverLeavingDuringAFetchStopsFurtherRetries) {
  QueryClient qc(rt);
  ManualFetcher mf;
  {
    auto s = qc.observe({.key = key({"k"}), .fetcher = mf.fetcher()}, nullptr);
    mf.reject();
    rt.run_until_idle();
    advance(1000);
    ASSERT_EQ(*mf.count, 2);
  }
  mf.reject();
  rt.run_until_idle();
  advance(10'000);
  EXPECT_EQ(*mf.count, 2);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->status, QueryStatus::error);
}

TEST_F(QueryObserverTest, ClientDestroyedBeforeTheSubscriptionEndsIsSafe) {
  Subscription s;
  {
    QueryClient qc(rt);
    qc.set_query_data(key({"k"}), 1);
    s = qc.observe({.key = key({"k"}), .refetch_interval = Millis{100}}, nullptr);
  }
  s.cancel();
  EXPECT_FALSE(s.active());
  // No timer of the dead client may fire (gc, polling, staleness).
  advance(10 * 60 * 1000);
  EXPECT_EQ(rt.scheduler().pending(), 0u);
}

}  // namespace
