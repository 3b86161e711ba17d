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

}  // namespace
}  // namespace mfstate::testing
