// An observer's options changed in place (set_options, same key) take effect everywhere they are
// read: the observer keeps a copy of what its notifications, its flush and a refetch by filters
// read of its resolved options (enabled, stale time, select, placeholder data, the props it
// watches, whether it has timers), so each of these is changed here and then read on the paths
// that read the copy (an invalidation's refetch decision, a flush after an update, the timers).
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

class QueryObserverOptionsChangeTest : public QueryTest {
 protected:
  QueryClient qc{rt};
  CountingFetcher cf;
  QueryOptions options(QueryOptions o = {}) {
    o.key = key({"k"});
    o.fetcher = cf.fetcher();
    if (!o.stale_time.has_value()) o.stale_time = never_expires;
    return o;
  }
};

TEST_F(QueryObserverOptionsChangeTest, AnObserverSwitchedOffIsNotRefetchedByAnInvalidationAndSwitchedOnIs) {
  QueryObserver o(qc, options());
  auto sub = o.subscribe(nullptr);
  advance(0);
  ASSERT_EQ(*cf.count, 1);
  o.set_options(options({.enabled = false}));
  (void)qc.invalidate_queries({.key = key({"k"})});
  advance(0);
  EXPECT_EQ(*cf.count, 1);  // no enabled observer: not active
  EXPECT_FALSE(o.get_current_result().is_enabled);
  o.set_options(options({.enabled = true}));
  advance(0);
  const int after_enabling = *cf.count;  // enabling an invalidated query may fetch it at once
  (void)qc.invalidate_queries({.key = key({"k"})});
  advance(0);
  EXPECT_EQ(*cf.count, after_enabling + 1);
  EXPECT_TRUE(o.get_current_result().is_enabled);
}

TEST_F(QueryObserverOptionsChangeTest, AStaleTimeMadeStaticKeepsAnInvalidationFromRefetching) {
  QueryObserver o(qc, options({.stale_time = Millis{0}}));
  auto sub = o.subscribe(nullptr);
  advance(0);
  ASSERT_EQ(*cf.count, 1);
  EXPECT_TRUE(o.get_current_result().is_stale);
  o.set_options(options({.stale_time = static_stale_time}));
  (void)qc.invalidate_queries({.key = key({"k"})});
  advance(0);
  EXPECT_EQ(*cf.count, 1);
  EXPECT_FALSE(o.get_current_result().is_stale);
}

TEST_F(QueryObserverOptionsChangeTest, ASelectGivenLaterShapesTheResultsOfLaterFlushes) {
  QueryObserver o(qc, options());
  std::vector<Value> told;
  auto sub = o.subscribe([&](const QueryResult& r) {
    if (r.data) told.push_back(*r.data);
  });
  advance(0);
  ASSERT_EQ(told.size(), 1u);
  o.set_options(options({.select = [](const Value& d) { return d.get("n"); }}));
  EXPECT_EQ(o.get_current_result().data, Value(1));
  // A refetch updates the query: the flush recomputes the result, through select.
  (void)qc.invalidate_queries({.key = key({"k"})});
  advance(0);
  ASSERT_EQ(*cf.count, 2);
  EXPECT_EQ(o.get_current_result().data, Value(2));
  ASSERT_FALSE(told.empty());
  EXPECT_EQ(told.back(), Value(2));
}

TEST_F(QueryObserverOptionsChangeTest, PlaceholderDataGivenLaterStaysShownAfterAnUpdate) {
  QueryObserver o(qc, options({.enabled = false}));
  auto sub = o.subscribe(nullptr);
  advance(0);
  EXPECT_FALSE(o.get_current_result().data.has_value());
  o.set_options(options({.enabled = false, .placeholder_data = Value("placeholder")}));
  EXPECT_EQ(o.get_current_result().data, Value("placeholder"));
  // An update of the query (no data yet) recomputes the result at the flush.
  (void)qc.invalidate_queries({.key = key({"k"})});
  advance(0);
  EXPECT_EQ(*cf.count, 0);
  const QueryResult r = o.get_current_result();
  EXPECT_EQ(r.data, Value("placeholder"));
  EXPECT_TRUE(r.is_placeholder_data);
}

TEST_F(QueryObserverOptionsChangeTest, PropsNarrowedLaterDecideWhoIsTold) {
  QueryObserver o(qc, options());
  int calls = 0;
  auto sub = o.subscribe([&](const QueryResult&) { ++calls; });
  advance(0);
  const int after_fetch = calls;
  // Invalidating without a refetch changes is_stale (watched by default) and is_invalidated.
  (void)qc.invalidate_queries({.key = key({"k"})}, {.refetch_type = RefetchType::none});
  advance(0);
  ASSERT_EQ(calls, after_fetch + 1);
  o.set_options(options({.notify_on_change_props = {ResultProp::data}}));
  qc.set_query_data(key({"k"}), Value("same"));
  advance(0);
  const int after_data = calls;
  EXPECT_EQ(after_data, after_fetch + 2);
  (void)qc.invalidate_queries({.key = key({"k"})}, {.refetch_type = RefetchType::none});
  advance(0);
  EXPECT_EQ(calls, after_data);  // only data is watched now
}

TEST_F(QueryObserverOptionsChangeTest, ARefetchIntervalGivenLaterPolls) {
  QueryObserver o(qc, options());
  auto sub = o.subscribe(nullptr);
  advance(0);
  ASSERT_EQ(*cf.count, 1);
  o.set_options(options({.refetch_interval = 10ms}));
  advance(10);
  EXPECT_EQ(*cf.count, 2);
  advance(10);
  EXPECT_EQ(*cf.count, 3);
  // And taken away again: the polling stops.
  o.set_options(options());
  advance(30);
  EXPECT_EQ(*cf.count, 3);
}

TEST_F(QueryObserverOptionsChangeTest, AStaleTimeGivenLaterStartsTheStaleTimerAtTheNextUpdate) {
  QueryObserver o(qc, options());
  auto sub = o.subscribe(nullptr);
  advance(0);
  EXPECT_FALSE(o.get_current_result().is_stale);
  o.set_options(options({.stale_time = Millis{50}}));
  qc.set_query_data(key({"k"}), Value("new"));
  advance(0);
  EXPECT_FALSE(o.get_current_result().is_stale);
  advance(60);
  EXPECT_TRUE(o.get_current_result().is_stale);
}

}  // namespace
}  // namespace mfstate::testing
