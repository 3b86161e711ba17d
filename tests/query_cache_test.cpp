// The cache itself: reading and writing data, structural sharing, filters over the key index,
// garbage collection and the size bound.
#include "query_test_support.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryCacheTest : public QueryTest {};

TEST_F(QueryCacheTest, SetThenGetReturnsTheDataAndAnUnknownKeyReturnsNothing) {
  QueryClient qc(rt);
  qc.set_query_data(key({"user", 1}), Value::object({{"name", "Ada"}}));
  auto d = qc.get_query_data(key({"user", 1}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->get("name").as_string(), "Ada");
  EXPECT_FALSE(qc.get_query_data(key({"user", 2})));
  EXPECT_FALSE(qc.get_query_data(key({"user"})));
  auto st = qc.get_query_state(key({"user", 1}));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->status, QueryStatus::success);
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
  EXPECT_EQ(st->data_updated_at, clock.now());
  EXPECT_EQ(st->data_update_count, 1u);
}

TEST_F(QueryCacheTest, KeysEqualAsValuesNameOneEntryWhateverTheObjectMemberOrder) {
  QueryClient qc(rt);
  qc.set_query_data(key({"user", Value::object({{"id", 1}, {"page", 2}})}), 7);
  auto d = qc.get_query_data(key({"user", Value::object({{"page", 2}, {"id", 1}})}));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->as_int(), 7);
  EXPECT_EQ(qc.stats().entries, 1u);
}

TEST_F(QueryCacheTest, NonArrayKeyIsRejectedAndChangesNothing) {
  QueryClient qc(rt);
  try {
    qc.set_query_data(Value("user"), 1);
    FAIL() << "expected invalid_key";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_key);
  }
  EXPECT_EQ(qc.stats().entries, 0u);
  EXPECT_THROW(qc.get_query_data(Value(3)), Error);
}

TEST_F(QueryCacheTest, SettingAnEqualValueKeepsTheOldNodesAndNotifiesNobody) {
  QueryClient qc(rt);
  Value k = key({"user", 1});
  Value first = parse_json(R"({"name":"Ada","roles":["a","b"]})");
  qc.set_query_data(k, first);
  int calls = 0;
  auto sub = qc.observe({.key = k, .stale_time = never_expires}, [&](const QueryResult&) { ++calls; });
  EXPECT_EQ(calls, 1);  // the initial result
  Value same = parse_json(R"({"roles":["a","b"],"name":"Ada"})");
  Value stored = qc.set_query_data(k, same);
  EXPECT_TRUE(stored.same_node(first));
  EXPECT_EQ(calls, 1);
}

TEST_F(QueryCacheTest, StructuralSharingKeepsUnchangedSubtreesOfNewData) {
  QueryClient qc(rt);
  Value k = key({"feed"});
  qc.set_query_data(k, parse_json(R"({"a":{"x":[1,2,3]},"b":1})"));
  Value before = *qc.get_query_data(k);
  Value after = qc.set_query_data(k, parse_json(R"({"a":{"x":[1,2,3]},"b":2})"));
  EXPECT_FALSE(after.same_node(before));
  EXPECT_TRUE(after.get("a").same_node(before.get("a")));
  EXPECT_EQ(after.get("b").as_int(), 2);
}

TEST_F(QueryCacheTest, StructuralSharingGivesTheNewDataItselfOrAMixOnlyWhereNeeded) {
  QueryClient qc(rt);
  Value k = key({"feed"});
  const auto write = [&](const char* json) {
    Value next = parse_json(json);
    return std::pair{next, qc.set_query_data(k, next)};
  };
  // Only a scalar changed: every child comes out as the new data's, so the new data is kept whole.
  (void)write(R"({"id":1,"v":0})");
  auto [next, stored] = write(R"({"id":1,"v":1})");
  EXPECT_TRUE(stored.same_node(next));
  // Old and new subtrees mixed, in the new data's member order.
  auto [first, first_stored] = write(R"({"a":[1],"b":{"y":1},"c":3})");
  auto [mixed, mixed_stored] = write(R"({"b":{"y":2},"a":[1],"c":3})");
  EXPECT_FALSE(mixed_stored.same_node(mixed));
  EXPECT_FALSE(mixed_stored.same_node(first_stored));
  EXPECT_EQ(mixed_stored.as_object()[0].key, "b");
  EXPECT_TRUE(mixed_stored.get("a").same_node(first_stored.get("a")));
  EXPECT_TRUE(mixed_stored.get("b").same_node(mixed.get("b")));
  EXPECT_EQ(mixed_stored, mixed);
  // An equal number in another spelling keeps the old one.
  auto [one, one_stored] = write(R"({"n":1})");
  auto [one_again, one_again_stored] = write(R"({"n":1.0})");
  EXPECT_TRUE(one_again_stored.same_node(one_stored));
  // A shorter array of old elements: a new array of them.
  auto [long_list, long_stored] = write(R"([[1],[2],[3]])");
  auto [short_list, short_stored] = write(R"([[1],[2]])");
  EXPECT_EQ(short_stored.size(), 2u);
  EXPECT_FALSE(short_stored.same_node(short_list));
  EXPECT_TRUE(short_stored.at(0).same_node(long_stored.at(0)));
  EXPECT_TRUE(short_stored.at(1).same_node(long_stored.at(1)));
  // A longer one: the old elements, then the new.
  auto [longer_list, longer_stored] = write(R"([[1],[2],[4]])");
  EXPECT_TRUE(longer_stored.at(0).same_node(short_stored.at(0)));
  EXPECT_TRUE(longer_stored.at(2).same_node(longer_list.at(2)));
  EXPECT_EQ(longer_stored, longer_list);
  // An object with fewer members, all equal to old ones: the old values under the new names.
  auto [wide, wide_stored] = write(R"({"a":[1],"b":[2]})");
  auto [narrow, narrow_stored] = write(R"({"b":[2]})");
  EXPECT_FALSE(narrow_stored.same_node(narrow));
  EXPECT_EQ(narrow_stored.size(), 1u);
  EXPECT_TRUE(narrow_stored.get("b").same_node(wide_stored.get("b")));
}

TEST_F(QueryCacheTest, AFlatRecordWrittenAgainIsDecidedMemberByMember) {
  // A record of scalars under the same names (a refetch's usual answer) is decided in one pass:
  // the old node when every member is the same, the new one when some member is unequal, and the
  // general walk when a member is equal in another form (a long string in another node, 1.0).
  QueryClient qc(rt);
  Value k = key({"user"});
  const std::string long_name = "a name longer than eight bytes";
  Value first = qc.set_query_data(k, Value::object({{"id", 1}, {"name", long_name}, {"ok", true}}));
  Value same = qc.set_query_data(k, Value::object({{"id", 1}, {"name", long_name}, {"ok", true}}));
  EXPECT_TRUE(same.same_node(first));
  Value next = Value::object({{"id", 1}, {"name", long_name}, {"ok", false}});
  Value changed = qc.set_query_data(k, next);
  // Only `ok` is unequal, but the long name is equal in another node: the old one is kept, so the
  // result is a new record of old and new members, neither the old node nor the written one.
  EXPECT_FALSE(changed.same_node(same));
  EXPECT_FALSE(changed.same_node(next));
  EXPECT_TRUE(changed.get("name").same_node(same.get("name")));
  EXPECT_EQ(changed.get("ok").as_bool(), false);
  // Written from the stored members themselves, one of them changed: the new node itself.
  Value renamed = Value::object({{"id", 2}, {"name", changed.get("name")}, {"ok", false}});
  EXPECT_TRUE(qc.set_query_data(k, renamed).same_node(renamed));
  // The same members in another order: the general walk finds each by name, all equal: the old
  // node.
  Value reordered = Value::object({{"ok", false}, {"id", 2}, {"name", changed.get("name")}});
  EXPECT_TRUE(qc.set_query_data(k, reordered).same_node(renamed));
}

TEST_F(QueryCacheTest, UpdaterSeesOldDataAndNulloptChangesNothing) {
  QueryClient qc(rt);
  Value k = key({"count"});
  auto r = qc.set_query_data(k, [](const std::optional<Value>& old) -> std::optional<Value> {
    EXPECT_FALSE(old);
    return std::nullopt;
  });
  EXPECT_FALSE(r);
  EXPECT_EQ(qc.stats().entries, 0u);
  qc.set_query_data(k, 1);
  qc.set_query_data(k, [](const std::optional<Value>& old) -> std::optional<Value> { return old->as_int() + 1; });
  EXPECT_EQ(qc.get_query_data(k)->as_int(), 2);
}

TEST_F(QueryCacheTest, PrefixFilterMatchesItsSubtreeOnly) {
  QueryClient qc(rt);
  for (int i = 0; i < 5; ++i) qc.set_query_data(key({"user", i, "profile"}), i);
  qc.set_query_data(key({"user", 3}), 33);
  qc.set_query_data(key({"post", 3}), 99);
  auto got = qc.get_queries_data({.key = key({"user", 3})});
  ASSERT_EQ(got.size(), 2u);
  int sum = 0;
  for (auto& [k, v] : got) {
    EXPECT_EQ(k.at(0).as_string(), "user");
    EXPECT_EQ(k.at(1).as_int(), 3);
    sum += static_cast<int>(v.as_int());
  }
  EXPECT_EQ(sum, 36);
  EXPECT_EQ(qc.get_queries_data({.key = key({"user"})}).size(), 6u);
  EXPECT_EQ(qc.get_queries_data({}).size(), 7u);
  EXPECT_EQ(qc.get_queries_data({.key = key({})}).size(), 7u);
  auto exact = qc.get_queries_data({.key = key({"user", 3}), .exact = true});
  ASSERT_EQ(exact.size(), 1u);
  EXPECT_EQ(exact[0].second.as_int(), 33);
}

TEST_F(QueryCacheTest, ObjectFilterElementsMatchBySubsetAsTanStack) {
  QueryClient qc(rt);
  qc.set_query_data(key({"todos", Value::object({{"status", "done"}, {"page", 1}})}), 1);
  qc.set_query_data(key({"todos", Value::object({{"status", "done"}, {"page", 2}})}), 2);
  qc.set_query_data(key({"todos", Value::object({{"status", "open"}, {"page", 1}})}), 3);
  qc.set_query_data(key({"todos", "done"}), 4);
  auto done = qc.get_queries_data({.key = key({"todos", Value::object({{"status", "done"}})})});
  EXPECT_EQ(done.size(), 2u);
  auto all_objects = qc.get_queries_data({.key = key({"todos", Value::object()})});
  EXPECT_EQ(all_objects.size(), 3u);
  auto exact_partial =
      qc.get_queries_data({.key = key({"todos", Value::object({{"status", "done"}})}), .exact = true});
  EXPECT_TRUE(exact_partial.empty());
}

TEST_F(QueryCacheTest, IndexedFilterAgreesWithKeyMatchesOnEveryKey) {
  QueryClient qc(rt);
  std::vector<Value> keys = {
      key({"a"}), key({"a", 1}), key({"a", 1, "x"}), key({"a", 2}), key({"b", Value::array({1, 2})}),
      key({"b", Value::array({1})}), key({"b", Value::object({{"k", Value::array({1, 2})}})}),
      key({"c", 1.0}), key({"c", "1"}), key({Value(), true})};
  for (std::size_t i = 0; i < keys.size(); ++i) qc.set_query_data(keys[i], static_cast<int>(i));
  std::vector<Value> filters = {key({}), key({"a"}), key({"a", 1}), key({"b", Value::array({1})}),
                                key({"b", Value::object({{"k", Value::array({1})}})}), key({"c", 1}),
                                key({"c"}), key({Value()}), key({"z"})};
  for (const Value& f : filters) {
    for (bool exact : {false, true}) {
      std::size_t expected = 0;
      for (const Value& k : keys) expected += matches(f, k, exact) ? 1 : 0;
      EXPECT_EQ(qc.get_queries_data({.key = f, .exact = exact}).size(), expected)
          << f.to_json() << (exact ? " exact" : "");
    }
  }
}

TEST_F(QueryCacheTest, RemoveQueriesDropsMatchedEntriesAndPrunesTheIndex) {
  QueryClient qc(rt);
  qc.set_query_data(key({"user", 1, "profile"}), 1);
  qc.set_query_data(key({"user", 2, "profile"}), 2);
  const auto nodes_before = qc.stats().trie_nodes;
  qc.remove_queries({.key = key({"user", 1})});
  EXPECT_FALSE(qc.get_query_data(key({"user", 1, "profile"})));
  EXPECT_TRUE(qc.get_query_data(key({"user", 2, "profile"})));
  EXPECT_EQ(qc.stats().entries, 1u);
  EXPECT_EQ(qc.stats().trie_nodes, nodes_before - 2);
  qc.clear();
  EXPECT_EQ(qc.stats().entries, 0u);
  EXPECT_EQ(qc.stats().trie_nodes, 0u);
}

TEST_F(QueryCacheTest, UnobservedEntryIsCollectedGcTimeAfterItWasWritten) {
  QueryClient qc(rt);
  qc.set_query_data(key({"a"}), 1);
  advance(5 * 60 * 1000 - 1);
  EXPECT_TRUE(qc.get_query_data(key({"a"})));
  advance(1);
  EXPECT_FALSE(qc.get_query_data(key({"a"})));
  EXPECT_EQ(qc.stats().entries, 0u);
}

TEST_F(QueryCacheTest, GcTimeComesFromQueryDefaultsByKeyPrefix) {
  QueryClient qc(rt);
  qc.set_query_defaults(key({"short"}), {.gc_time = Millis{1000}});
  qc.set_query_data(key({"short", 1}), 1);
  qc.set_query_data(key({"long", 1}), 1);
  advance(1000);
  EXPECT_FALSE(qc.get_query_data(key({"short", 1})));
  EXPECT_TRUE(qc.get_query_data(key({"long", 1})));
}

TEST_F(QueryCacheTest, ObservedEntryIsNeverCollectedAndIsCollectedAfterTheLastObserverLeaves) {
  QueryClient qc(rt);
  Value k = key({"a"});
  auto sub = qc.observe({.key = k, .gc_time = Millis{1000}, .enabled = false}, nullptr);
  qc.set_query_data(k, 1);
  advance(10'000);
  EXPECT_TRUE(qc.get_query_data(k));
  sub.cancel();
  advance(999);
  EXPECT_TRUE(qc.get_query_data(k));
  advance(1);
  EXPECT_FALSE(qc.get_query_data(k));
}

TEST_F(QueryCacheTest, InfiniteGcTimeKeepsTheEntry) {
  QueryClient qc(rt);
  qc.set_query_defaults(key({}), {.gc_time = never_expires});
  qc.set_query_data(key({"a"}), 1);
  advance(365LL * 24 * 3600 * 1000);
  EXPECT_TRUE(qc.get_query_data(key({"a"})));
}

TEST_F(QueryCacheTest, SizeBoundEvictsTheLeastRecentlyWrittenUnobservedEntries) {
  QueryClient qc(rt, {.max_entries = 3});
  qc.set_query_data(key({"a"}), 1);
  advance(1);
  qc.set_query_data(key({"b"}), 2);
  advance(1);
  auto sub = qc.observe({.key = key({"c"}), .stale_time = never_expires, .initial_data = Value(3)}, nullptr);
  advance(1);
  qc.set_query_data(key({"a"}), 10);  // a is now more recent than b
  advance(1);
  qc.set_query_data(key({"d"}), 4);
  EXPECT_EQ(qc.stats().entries, 3u);
  EXPECT_FALSE(qc.get_query_data(key({"b"})));
  EXPECT_TRUE(qc.get_query_data(key({"a"})));
  advance(1);
  qc.set_query_data(key({"e"}), 5);
  EXPECT_FALSE(qc.get_query_data(key({"a"})));
  EXPECT_TRUE(qc.get_query_data(key({"c"})));  // observed: never evicted
  EXPECT_TRUE(qc.get_query_data(key({"d"})));
  EXPECT_TRUE(qc.get_query_data(key({"e"})));
}

TEST_F(QueryCacheTest, ByteBoundEvictsUntilTheDataFits) {
  QueryClient qc(rt, {.max_bytes = 2000});
  std::string big(600, 'x');
  for (int i = 0; i < 10; ++i) {
    qc.set_query_data(key({"blob", i}), Value(big));
    advance(1);
  }
  EXPECT_LT(qc.stats().entries, 4u);
  EXPECT_GE(qc.stats().entries, 1u);
  EXPECT_TRUE(qc.get_query_data(key({"blob", 9})));
  EXPECT_FALSE(qc.get_query_data(key({"blob", 0})));
}

TEST_F(QueryCacheTest, SetQueriesDataUpdatesEveryMatchedEntry) {
  QueryClient qc(rt);
  qc.set_query_data(key({"n", 1}), 1);
  qc.set_query_data(key({"n", 2}), 2);
  qc.set_query_data(key({"m", 1}), 100);
  auto out = qc.set_queries_data({.key = key({"n"})},
                                 [](const std::optional<Value>& v) -> std::optional<Value> { return v->as_int() * 10; });
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(qc.get_query_data(key({"n", 2}))->as_int(), 20);
  EXPECT_EQ(qc.get_query_data(key({"m", 1}))->as_int(), 100);
}

TEST_F(QueryCacheTest, InvalidateMarksMatchedInactiveEntriesStaleWithoutFetching) {
  QueryClient qc(rt);
  for (int i = 0; i < 4; ++i) qc.set_query_data(key({"user", i, "profile"}), i);
  Future f = qc.invalidate_queries({.key = key({"user", 2})});
  EXPECT_TRUE(f.ready());
  EXPECT_TRUE(qc.get_query_state(key({"user", 2, "profile"}))->is_invalidated);
  EXPECT_FALSE(qc.get_query_state(key({"user", 1, "profile"}))->is_invalidated);
  EXPECT_EQ(qc.is_fetching(), 0u);
  // Writing data makes it valid again.
  qc.set_query_data(key({"user", 2, "profile"}), 5);
  EXPECT_FALSE(qc.get_query_state(key({"user", 2, "profile"}))->is_invalidated);
}

TEST_F(QueryCacheTest, PredicateAndStaleFiltersNarrowTheMatch) {
  QueryClient qc(rt);
  qc.set_query_data(key({"a", 1}), 1);
  qc.set_query_data(key({"a", 2}), 2);
  qc.invalidate_queries({.key = key({"a", 1})});
  EXPECT_EQ(qc.get_queries_data({.key = key({"a"}), .stale = true}).size(), 1u);
  EXPECT_EQ(qc.get_queries_data({.key = key({"a"}), .stale = false}).size(), 1u);
  auto even = qc.get_queries_data({.predicate = [](const QueryInfo& q) {
    return q.key.at(1).as_int() % 2 == 0 && q.state.status == QueryStatus::success;
  }});
  ASSERT_EQ(even.size(), 1u);
  EXPECT_EQ(even[0].second.as_int(), 2);
}

}  // namespace

namespace {

// A randomised comparison of the trie walk with key.hpp's matches() over every cached key.
TEST_F(QueryCacheTest, IndexedFiltersAgreeWithAFullScanOnRandomKeys) {
  QueryClient qc(rt);
  std::uint64_t seed = 12345;
  auto next = [&]() {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((seed >> 33) % 1000);
  };
  auto element = [&](int depth) -> Value {
    switch (next() % 6) {
      case 0: return Value("a");
      case 1: return Value("b");
      case 2: return Value(next() % 3);
      case 3: return Value::object({{"id", next() % 3}, {"page", next() % 2}});
      case 4: return Value::object({{"id", next() % 3}});
      default: return depth > 0 ? Value::array({next() % 2, next() % 2}) : Value(true);
    }
  };
  std::vector<Value> keys;
  for (int i = 0; i < 300; ++i) {
    std::vector<Value> k;
    const int len = 1 + next() % 4;
    for (int j = 0; j < len; ++j) k.push_back(element(j));
    keys.push_back(Value::array(std::move(k)));
    qc.set_query_data(keys.back(), i);
  }
  // Distinct keys only (a repeated key is one entry).
  std::vector<Value> distinct;
  for (const Value& k : keys) {
    bool seen = false;
    for (const Value& d : distinct) seen = seen || d == k;
    if (!seen) distinct.push_back(k);
  }
  EXPECT_EQ(qc.stats().entries, distinct.size());
  for (int t = 0; t < 200; ++t) {
    std::vector<Value> f;
    const int len = next() % 3;
    for (int j = 0; j < len; ++j) f.push_back(element(j));
    Value filter = Value::array(std::move(f));
    for (bool exact : {false, true}) {
      std::size_t expected = 0;
      for (const Value& k : distinct) expected += matches(filter, k, exact) ? 1 : 0;
      ASSERT_EQ(qc.get_queries_data({.key = filter, .exact = exact}).size(), expected) << filter.to_json();
    }
  }
}

}  // namespace

namespace {

std::string describe(const QueryCacheEvent& e) {
  static const char* types[] = {"added",           "removed",         "updated", "observerAdded",
                                "observerRemoved", "observerResultsUpdated", "observerOptionsUpdated"};
  std::string s = std::string(types[static_cast<int>(e.type)]) + " " + e.key.to_json();
  if (!e.action.empty()) s += " " + std::string(e.action);
  return s;
}

TEST_F(QueryCacheTest, CacheEventsArriveInTheOrderOfTheTransitions) {
  QueryClient qc(rt);
  std::vector<std::string> log;
  auto events = qc.query_cache().subscribe([&](const QueryCacheEvent& e) { log.push_back(describe(e)); });
  ManualFetcher mf;
  {
    auto sub = qc.observe({.key = key({"a"}), .fetcher = mf.fetcher()}, nullptr);
    mf.resolve(1);
    rt.run_until_idle();
    qc.invalidate_queries({.key = key({"a"})}, {.refetch_type = RefetchType::none});
  }
  qc.remove_queries({});
  // The observer's result is computed once per batch, after the batch's transitions.
  EXPECT_EQ(log, (std::vector<std::string>{
                     R"(added ["a"])", R"(observerAdded ["a"])", R"(updated ["a"] fetch)",
                     R"(observerResultsUpdated ["a"])", R"(updated ["a"] success)", R"(observerResultsUpdated ["a"])",
                     R"(updated ["a"] invalidate)", R"(observerResultsUpdated ["a"])", R"(observerRemoved ["a"])",
                     R"(removed ["a"])"}));
  events.cancel();
  qc.set_query_data(key({"b"}), 1);
  EXPECT_EQ(log.size(), 10u);
}

}  // namespace
