// invalidate_queries as it reaches its matches (src/query_client.cpp): with no cache listener and
// a filter by key alone, the entries are marked while the key index is walked, not gathered first;
// otherwise they are gathered first. Either way: exactly the entries find_all names are marked,
// observers and listeners hear of each, and whether a match is active is asked (of an `enabled`
// function, maybe) only once every match is invalidated, as query-core's invalidateQueries (each
// invalidated, then refetchQueries).
#include <algorithm>
#include <functional>
#include <optional>
#include <vector>

#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

class QueryInvalidateWalkTest : public QueryTest {
 protected:
  // Every shape the index's walk meets: the prefix's own entry, a wide level (a hashed child set),
  // an entry with children below it, a two-level leaf (["user", 7, "profile"] alone below
  // ["user", 7]), and keys beside the prefix.
  static std::vector<Value> keys() {
    std::vector<Value> out{key({"user"})};
    for (int i = 0; i < 20; ++i) out.push_back(key({"user", Value::object({{"id", i}})}));
    out.push_back(key({"user", Value::object({{"id", 3}}), "posts"}));
    out.push_back(key({"user", 7, "profile"}));
    out.push_back(key({"team", 1}));
    out.push_back(key({"team", 2, "members"}));
    return out;
  }
  static void fill(QueryClient& qc) {
    int n = 0;
    for (const Value& k : keys()) qc.set_query_data(k, n++);
  }
};

TEST_F(QueryInvalidateWalkTest, MarksExactlyTheEntriesFindAllNamesWhateverTheFilterShape) {
  const std::vector<QueryFilters> filters = {
      {.key = key({"user"})},
      {.key = key({"user", Value::object({{"id", 3}})})},
      {.key = key({"user", Value::object({{"id", 3}})}), .exact = true},
      {.key = key({"user", 7})},
      {.key = key({"user", 7, "profile"}), .exact = true},
      {.key = key({"team"})},
      {.key = key({"nobody"})},
      {},
  };
  const std::vector<std::size_t> expected_matches = {23, 2, 1, 1, 1, 2, 0, 25};
  for (std::size_t f = 0; f < filters.size(); ++f) {
    SCOPED_TRACE(f);
    QueryClient qc(rt);
    fill(qc);
    std::vector<Value> matched;
    for (const QueryInfo& q : qc.query_cache().find_all(filters[f])) matched.push_back(q.key);
    ASSERT_EQ(matched.size(), expected_matches[f]);
    Future done = qc.invalidate_queries(filters[f]);
    rt.run_until_idle();
    EXPECT_TRUE(done.ready() && done.ok());
    for (const Value& k : keys()) {
      const bool in = std::find(matched.begin(), matched.end(), k) != matched.end();
      EXPECT_EQ(qc.get_query_state(k)->is_invalidated, in) << k.to_json();
    }
  }
}

TEST_F(QueryInvalidateWalkTest, AnObserverHearsOfItsEntrysInvalidationWithNoCacheListener) {
  QueryClient qc(rt);
  fill(qc);
  CountingFetcher cf;
  QueryObserver o(qc, {.key = key({"user", Value::object({{"id", 5}})}), .fetcher = cf.fetcher(),
                       .stale_time = never_expires});
  std::vector<bool> seen;
  auto sub = o.subscribe([&](const QueryResult& r) { seen.push_back(r.is_invalidated); });
  rt.run_until_idle();
  EXPECT_FALSE(o.get_current_result().is_invalidated);
  (void)qc.invalidate_queries({.key = key({"user"})}, {.refetch_type = RefetchType::none});
  rt.run_until_idle();
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(seen.back());
  EXPECT_TRUE(o.get_current_result().is_invalidated);
  EXPECT_EQ(*cf.count, 0);
}

TEST_F(QueryInvalidateWalkTest, CacheListenersHearOfEachNewlyInvalidatedEntryInMatchOrder) {
  QueryClient qc(rt);
  fill(qc);
  (void)qc.invalidate_queries({.key = key({"user", Value::object({{"id", 4}})}), .exact = true});
  std::vector<Value> told;
  auto events = qc.query_cache().subscribe([&](const QueryCacheEvent& e) {
    if (e.type == QueryCacheEvent::Type::updated && e.action == "invalidate") told.push_back(e.key);
  });
  (void)qc.invalidate_queries({.key = key({"user"})});
  std::vector<Value> expected;
  for (const QueryInfo& q : qc.query_cache().find_all({.key = key({"user"})})) {
    if (q.key != key({"user", Value::object({{"id", 4}})})) expected.push_back(q.key);  // already invalidated
  }
  EXPECT_EQ(told, expected);
}

// Two observed entries under ["pair"], with data that stays fresh, subscribed and settled.
// `on_ask_a` runs whenever whether a is active is asked (a's `enabled` function).
struct ObservedPair {
  const Value a = key({"pair", "a"});
  const Value b = key({"pair", "b"});
  CountingFetcher fa, fb;
  std::optional<QueryObserver> oa, ob;
  Subscription sa, sb;
  ObservedPair(QueryClient& qc, Runtime& rt, std::function<void()> on_ask_a) {
    qc.set_query_data(a, 1);
    qc.set_query_data(b, 2);
    oa.emplace(qc, QueryOptions{.key = a, .fetcher = fa.fetcher(), .stale_time = never_expires,
                                .enabled = [on_ask_a](const QueryInfo&) {
                                  on_ask_a();
                                  return true;
                                }});
    ob.emplace(qc, QueryOptions{.key = b, .fetcher = fb.fetcher(), .stale_time = never_expires});
    sa = oa->subscribe(nullptr);
    sb = ob->subscribe(nullptr);
    rt.run_until_idle();
  }
};

// query-core invalidates every match, then refetches the active ones: an `enabled` function sees
// the other matches invalidated already, with or without a cache listener (the two ways through).
TEST_F(QueryInvalidateWalkTest, WhetherAMatchIsActiveIsAskedAfterEveryMatchIsInvalidated) {
  for (const bool listened : {false, true}) {
    SCOPED_TRACE(listened);
    QueryClient qc(rt);
    bool recording = false;
    std::vector<bool> b_invalidated_when_asked;
    ObservedPair pair(qc, rt, [&] {
      if (recording) b_invalidated_when_asked.push_back(qc.get_query_state(key({"pair", "b"}))->is_invalidated);
    });
    ASSERT_EQ(*pair.fa.count + *pair.fb.count, 0);
    Subscription events;
    if (listened) events = qc.query_cache().subscribe([](const QueryCacheEvent&) {});
    recording = true;
    (void)qc.invalidate_queries({.key = key({"pair"})});
    recording = false;
    rt.run_until_idle();
    // The first ask decides a's refetch (later ones come after b's refetch made it valid again).
    ASSERT_FALSE(b_invalidated_when_asked.empty());
    EXPECT_TRUE(b_invalidated_when_asked.front());
    EXPECT_EQ(*pair.fa.count, 1);  // both refetched
    EXPECT_EQ(*pair.fb.count, 1);
  }
}

// An `enabled` function asked about one match removes another: the removed one is not refetched,
// and nothing reads it after it is gone (the sanitizer build checks the reads).
TEST_F(QueryInvalidateWalkTest, AMatchRemovedWhileAnotherIsAskedIsNotRefetched) {
  QueryClient qc(rt);
  bool armed = false;
  ObservedPair pair(qc, rt, [&] {
    if (!armed) return;
    armed = false;
    qc.remove_queries({.key = key({"pair", "b"}), .exact = true});
  });
  armed = true;
  Future done = qc.invalidate_queries({.key = key({"pair"})});
  rt.run_until_idle();
  EXPECT_TRUE(done.ready() && done.ok());
  EXPECT_FALSE(armed);
  EXPECT_EQ(*pair.fa.count, 1);
  EXPECT_EQ(*pair.fb.count, 0);
}

// With no cache listener and a filter by key alone, whether a match is active is first asked in
// the walk, of the observers whose `enabled` is a value; the pass after the walk is skipped only
// when every match answered active that way. The corners of that rule follow.

// A match observed only by a disabled observer is not refetched (the pass after the walk runs).
TEST_F(QueryInvalidateWalkTest, AMatchWithOnlyADisabledObserverIsNotRefetched) {
  QueryClient qc(rt);
  const Value a = key({"pair", "a"});
  const Value b = key({"pair", "b"});
  qc.set_query_data(a, 1);
  qc.set_query_data(b, 2);
  CountingFetcher fa, fb;
  QueryObserver oa(qc, {.key = a, .fetcher = fa.fetcher(), .stale_time = never_expires});
  QueryObserver ob(qc, {.key = b, .fetcher = fb.fetcher(), .stale_time = never_expires, .enabled = false});
  Subscription sa = oa.subscribe(nullptr);
  Subscription sb = ob.subscribe(nullptr);
  rt.run_until_idle();
  Future done = qc.invalidate_queries({.key = key({"pair"})});
  rt.run_until_idle();
  EXPECT_TRUE(done.ready() && done.ok());
  EXPECT_EQ(*fa.count, 1);
  EXPECT_EQ(*fb.count, 0);
  EXPECT_TRUE(qc.get_query_state(b)->is_invalidated);
}

// An observer enabled by value after one whose `enabled` is a function does not answer for the
// match: the function is asked first (query-core's isActive asks the observers in order), and
// still before any refetch starts.
TEST_F(QueryInvalidateWalkTest, AFunctionBeforeAnEnabledObserverIsAskedBeforeAnyRefetch) {
  QueryClient qc(rt);
  const Value a = key({"pair", "a"});
  const Value b = key({"pair", "b"});
  qc.set_query_data(a, 1);
  qc.set_query_data(b, 2);
  CountingFetcher fa, fb;
  bool recording = false;
  std::vector<int> a_fetches_when_asked;
  QueryObserver oa(qc, {.key = a, .fetcher = fa.fetcher(), .stale_time = never_expires});
  QueryObserver asked(
      qc, {.key = b, .fetcher = fb.fetcher(), .stale_time = never_expires, .enabled = [&](const QueryInfo&) {
             if (recording) a_fetches_when_asked.push_back(*fa.count);
             return false;
           }});
  QueryObserver ob(qc, {.key = b, .fetcher = fb.fetcher(), .stale_time = never_expires});
  Subscription sa = oa.subscribe(nullptr);
  Subscription s_asked = asked.subscribe(nullptr);
  Subscription sb = ob.subscribe(nullptr);
  rt.run_until_idle();
  ASSERT_EQ(*fa.count + *fb.count, 0);
  recording = true;
  (void)qc.invalidate_queries({.key = key({"pair"})});
  recording = false;
  rt.run_until_idle();
  ASSERT_FALSE(a_fetches_when_asked.empty());
  EXPECT_EQ(a_fetches_when_asked.front(), 0);  // asked before a's refetch
  EXPECT_EQ(*fa.count, 1);
  EXPECT_EQ(*fb.count, 1);  // b is active by its second observer
}

// A match found inactive in the walk is asked again after an earlier match's `enabled` function
// ran: what the function did (here: observe the later match, enabled) decides, as when every
// match is asked after the walk.
TEST_F(QueryInvalidateWalkTest, AMatchInactiveInTheWalkIsAskedAgainAfterAFunctionRan) {
  QueryClient qc(rt);
  const Value a = key({"pair", "a"});
  const Value b = key({"pair", "b"});
  qc.set_query_data(a, 1);
  qc.set_query_data(b, 2);
  CountingFetcher fa, fb;
  bool armed = false;
  std::optional<QueryObserver> late;
  Subscription s_late;
  QueryObserver oa(
      qc, {.key = a, .fetcher = fa.fetcher(), .stale_time = never_expires, .enabled = [&](const QueryInfo&) {
             if (armed) {
               armed = false;
               // Enabled, and no fetch of its own on mount: only the refetch fetches.
               late.emplace(qc, QueryOptions{.key = b,
                                             .fetcher = fb.fetcher(),
                                             .stale_time = never_expires,
                                             .refetch_on_mount = RefetchOn::never});
               s_late = late->subscribe(nullptr);
             }
             return true;
           }});
  QueryObserver ob(qc, {.key = b, .fetcher = fb.fetcher(), .stale_time = never_expires, .enabled = false});
  Subscription sa = oa.subscribe(nullptr);
  Subscription sb = ob.subscribe(nullptr);
  rt.run_until_idle();
  ASSERT_EQ(*fa.count + *fb.count, 0);
  armed = true;
  Future done = qc.invalidate_queries({.key = key({"pair"})});
  rt.run_until_idle();
  EXPECT_FALSE(armed);
  EXPECT_TRUE(done.ready() && done.ok());
  EXPECT_EQ(*fa.count, 1);
  EXPECT_EQ(*fb.count, 1);
}

// An entry invalidated already (its observers are not told again) is still asked, and refetched.
TEST_F(QueryInvalidateWalkTest, AMatchInvalidatedAlreadyIsStillRefetchedWhenActive) {
  QueryClient qc(rt);
  const Value a = key({"pair", "a"});
  qc.set_query_data(a, 1);
  CountingFetcher fa;
  QueryObserver oa(qc, {.key = a, .fetcher = fa.fetcher(), .stale_time = never_expires});
  int told = 0;
  Subscription sa = oa.subscribe([&](const QueryResult&) { ++told; });
  rt.run_until_idle();
  (void)qc.invalidate_queries({.key = key({"pair"})}, {.refetch_type = RefetchType::none});
  rt.run_until_idle();
  ASSERT_TRUE(qc.get_query_state(a)->is_invalidated);
  ASSERT_EQ(*fa.count, 0);
  told = 0;
  Future done = qc.invalidate_queries({.key = key({"pair"})});
  rt.run_until_idle();
  EXPECT_TRUE(done.ready() && done.ok());
  EXPECT_EQ(*fa.count, 1);
  EXPECT_FALSE(qc.get_query_state(a)->is_invalidated);
  EXPECT_EQ(told, 1);  // once, for the refetch's result
}

// A match with a cold part but no observer (fetched once by fetch_query, a second fetch in
// flight) is not active: the walk, with no observer to ask, must not answer it active, or it is
// refetched (the fetch in flight cancelled for a new one), while an observed match beside it is
// refetched (refetch_type active, the default).
TEST_F(QueryInvalidateWalkTest, AMatchFetchingWithoutObserversIsNotRefetched) {
  QueryClient qc(rt);
  const Value a = key({"pair", "a"});
  const Value b = key({"pair", "b"});
  qc.set_query_data(b, 2);
  ManualFetcher fa;
  CountingFetcher fb;
  Future first = qc.fetch_query({.key = a, .fetcher = fa.fetcher()});
  fa.resolve(1);
  rt.run_until_idle();
  ASSERT_TRUE(first.ok());
  Future second = qc.fetch_query({.key = a, .fetcher = fa.fetcher()});  // stale at once: fetches
  QueryObserver ob(qc, {.key = b, .fetcher = fb.fetcher(), .stale_time = never_expires});
  Subscription sb = ob.subscribe(nullptr);
  rt.run_until_idle();
  ASSERT_EQ(*fa.count, 2);
  ASSERT_EQ(*fb.count, 0);
  Future done = qc.invalidate_queries({.key = key({"pair"})});
  rt.run_until_idle();
  EXPECT_TRUE(done.ready() && done.ok());
  EXPECT_EQ(*fa.count, 2);  // not refetched: its second fetch still in flight
  EXPECT_EQ(*fb.count, 1);
  EXPECT_TRUE(qc.get_query_state(a)->is_invalidated);
  fa.resolve(3);
  rt.run_until_idle();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.value(), Value(3));
}

}  // namespace
}  // namespace mfstate::testing
