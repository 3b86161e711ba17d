// The key index's layout cases: an entry is the trie node of its key's last element, so an entry
// that comes to a position other keys pass through, or leaves one they still pass through, trades
// places with a standalone node. These tests pin down that every reading (exact, prefix, object
// filters, keys reported back) and every removal path (remove, gc, clear, the client's end) sees
// the same cache whichever way round the trade went.
#include <algorithm>

#include "query_test_support.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryCacheIndexTest : public QueryTest {};

std::vector<std::string> keys_of(const QueryClient& qc, const QueryFilters& f) {
  std::vector<std::string> out;
  for (const auto& [k, v] : qc.get_queries_data(f)) out.push_back(k.to_json());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(QueryCacheIndexTest, EntryRemovedWhileLongerKeysRemainLeavesThemReachable) {
  QueryClient qc(rt);
  qc.set_query_data(key({"a"}), 1);
  qc.set_query_data(key({"a", 1}), 2);
  qc.set_query_data(key({"a", 1, "x"}), 3);
  const auto nodes = qc.stats().trie_nodes;
  qc.remove_queries({.key = key({"a"}), .exact = true});
  EXPECT_FALSE(qc.get_query_data(key({"a"})));
  EXPECT_EQ(qc.get_query_data(key({"a", 1}))->as_int(), 2);
  EXPECT_EQ(qc.get_query_data(key({"a", 1, "x"}))->as_int(), 3);
  EXPECT_EQ(keys_of(qc, {.key = key({"a"})}), (std::vector<std::string>{R"(["a",1,"x"])", R"(["a",1])"}));
  EXPECT_EQ(qc.stats().trie_nodes, nodes);  // the position stays, as a node without an entry
  // Back again at the same position, then gone with everything below.
  qc.set_query_data(key({"a"}), 4);
  EXPECT_EQ(qc.get_query_data(key({"a"}))->as_int(), 4);
  EXPECT_EQ(qc.stats().trie_nodes, nodes);
  qc.remove_queries({.key = key({"a"})});
  EXPECT_EQ(qc.stats().entries, 0u);
  EXPECT_EQ(qc.stats().trie_nodes, 0u);
}

TEST_F(QueryCacheIndexTest, EntryAddedAtAPositionLongerKeysPassThroughJoinsThem) {
  QueryClient qc(rt);
  qc.set_query_data(key({"user", 1, "profile"}), 10);
  qc.set_query_data(key({"user", 1, "posts"}), 11);
  qc.set_query_data(key({"user", 2, "profile"}), 20);
  const auto nodes = qc.stats().trie_nodes;
  qc.set_query_data(key({"user", 1}), 1);
  qc.set_query_data(key({"user"}), 0);
  EXPECT_EQ(qc.stats().trie_nodes, nodes);  // no new position: the entries took the nodes' places
  EXPECT_EQ(qc.get_query_data(key({"user"}))->as_int(), 0);
  EXPECT_EQ(qc.get_query_data(key({"user", 1}))->as_int(), 1);
  EXPECT_EQ(qc.get_query_data(key({"user", 1, "posts"}))->as_int(), 11);
  EXPECT_EQ(keys_of(qc, {.key = key({"user", 1})}),
            (std::vector<std::string>{R"(["user",1,"posts"])", R"(["user",1,"profile"])", R"(["user",1])"}));
  EXPECT_EQ(qc.get_queries_data({.key = key({"user"})}).size(), 5u);
  EXPECT_EQ(qc.get_queries_data({.key = key({"user", 1}), .exact = true}).size(), 1u);
  // The longer keys below the new entries are still written and removed through them.
  qc.set_query_data(key({"user", 1, "profile"}), 12);
  EXPECT_EQ(qc.get_query_data(key({"user", 1, "profile"}))->as_int(), 12);
  qc.remove_queries({.key = key({"user", 1, "profile"})});
  qc.remove_queries({.key = key({"user", 1, "posts"})});
  EXPECT_EQ(keys_of(qc, {.key = key({"user"})}),
            (std::vector<std::string>{R"(["user",1])", R"(["user",2,"profile"])", R"(["user"])"}));
}

TEST_F(QueryCacheIndexTest, TradesAmongManySiblingsKeepEverySiblingFindable) {
  // More than eight children: the parent looks them up by hash, and a trade rewrites the slot.
  QueryClient qc(rt);
  for (int i = 0; i < 40; ++i) qc.set_query_data(key({"p", i, "x"}), i);
  for (int i = 0; i < 40; i += 3) qc.set_query_data(key({"p", i}), 100 + i);
  for (int i = 0; i < 40; i += 6) qc.remove_queries({.key = key({"p", i}), .exact = true});
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(qc.get_query_data(key({"p", i, "x"}))) << i;
    EXPECT_EQ(qc.get_query_data(key({"p", i, "x"}))->as_int(), i);
    const bool has = i % 3 == 0 && i % 6 != 0;
    EXPECT_EQ(qc.get_query_data(key({"p", i})).has_value(), has) << i;
    EXPECT_EQ(qc.get_queries_data({.key = key({"p", i})}).size(), has ? 2u : 1u) << i;
  }
  qc.remove_queries({.key = key({"p"})});
  EXPECT_EQ(qc.stats().trie_nodes, 0u);
}

TEST_F(QueryCacheIndexTest, NewKeysAmongManySiblingsAreAddedOnceAndFoundByEveryReading) {
  // More than eight children: a new key's probe of the parent's hash set takes the entry's slot
  // there at once. Object elements (W3a's {id: i}), long (interned) strings and integers, each
  // set twice: the second set finds the entry the first made.
  QueryClient qc(rt);
  std::vector<QueryCacheEvent::Type> events;
  auto sub = qc.query_cache().subscribe([&](const QueryCacheEvent& e) { events.push_back(e.type); });
  const auto element = [](int i) {
    switch (i % 3) {
      case 0: return Value::object({{"id", i}});
      case 1: return Value("a string longer than a handle holds " + std::to_string(i));
      default: return Value(i);
    }
  };
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 60; ++i) qc.set_query_data(key({"user", element(i)}), 10 * i + round);
  }
  rt.run_until_idle();
  EXPECT_EQ(std::count(events.begin(), events.end(), QueryCacheEvent::Type::added), 60);
  EXPECT_EQ(qc.stats().entries, 60u);
  EXPECT_EQ(qc.stats().trie_nodes, 61u);  // "user" and one position per key
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(qc.get_query_data(key({"user", element(i)}))) << i;
    EXPECT_EQ(qc.get_query_data(key({"user", element(i)}))->as_int(), 10 * i + 1) << i;
    EXPECT_EQ(qc.get_queries_data({.key = key({"user", element(i)}), .exact = true}).size(), 1u) << i;
  }
  EXPECT_FALSE(qc.get_query_data(key({"user", Value::object({{"id", 1000}})})));
  EXPECT_EQ(qc.get_queries_data({.key = key({"user"})}).size(), 60u);
  EXPECT_EQ(qc.get_queries_data({.key = key({"user", Value::object({})})}).size(), 20u);  // objects by subset
  qc.remove_queries({.key = key({"user"})});
  EXPECT_EQ(qc.stats().trie_nodes, 0u);
}

TEST_F(QueryCacheIndexTest, ObjectFilterMatchesEntriesOnEitherKindOfPosition) {
  QueryClient qc(rt);
  const Value done = Value::object({{"status", "done"}, {"page", 1}});
  qc.set_query_data(key({"todos", done, "items"}), 1);
  qc.set_query_data(key({"todos", done}), 2);  // on the position "items" passes through
  qc.set_query_data(key({"todos", Value::object({{"status", "open"}})}), 3);
  EXPECT_EQ(qc.get_queries_data({.key = key({"todos", Value::object({{"status", "done"}})})}).size(), 2u);
  qc.remove_queries({.key = key({"todos", done}), .exact = true});
  EXPECT_EQ(keys_of(qc, {.key = key({"todos", Value::object({{"status", "done"}})})}),
            (std::vector<std::string>{R"(["todos",{"status":"done","page":1},"items"])"}));
}

TEST_F(QueryCacheIndexTest, TheEmptyKeyHoldsAnEntryAboveEveryOther) {
  QueryClient qc(rt);
  qc.set_query_data(key({"a", 1}), 1);
  qc.set_query_data(key({}), 0);
  qc.set_query_data(key({"b"}), 2);
  EXPECT_EQ(qc.get_query_data(key({}))->as_int(), 0);
  EXPECT_EQ(keys_of(qc, {}), (std::vector<std::string>{R"(["a",1])", R"(["b"])", "[]"}));
  EXPECT_EQ(qc.get_queries_data({.key = key({}), .exact = true}).size(), 1u);
  qc.remove_queries({.key = key({}), .exact = true});
  EXPECT_FALSE(qc.get_query_data(key({})));
  EXPECT_EQ(keys_of(qc, {}), (std::vector<std::string>{R"(["a",1])", R"(["b"])"}));
  qc.set_query_data(key({}), 5);
  qc.clear();
  EXPECT_EQ(qc.stats().entries, 0u);
  EXPECT_EQ(qc.stats().trie_nodes, 0u);
  qc.set_query_data(key({}), 6);
  qc.set_query_data(key({"a"}), 7);
  EXPECT_EQ(qc.get_query_data(key({}))->as_int(), 6);
  EXPECT_EQ(qc.get_query_data(key({"a"}))->as_int(), 7);
}

TEST_F(QueryCacheIndexTest, RemovingAChainOfEntriesInOneCallPrunesTheWholePath) {
  // Each removal but the last hands its position to a standalone node, which the next removal
  // may drop again: one filter takes them all, in whatever order it collected them.
  QueryClient qc(rt);
  qc.set_query_data(key({"a"}), 1);
  qc.set_query_data(key({"a", 1}), 2);
  qc.set_query_data(key({"a", 1, "x"}), 3);
  qc.set_query_data(key({"a", 1, "x", true}), 4);
  qc.set_query_data(key({"b"}), 5);
  std::vector<std::string> removed;
  auto events = qc.query_cache().subscribe([&](const QueryCacheEvent& e) {
    if (e.type == QueryCacheEvent::Type::removed) removed.push_back(e.key.to_json());
  });
  qc.remove_queries({.key = key({"a"})});
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed,
            (std::vector<std::string>{R"(["a",1,"x",true])", R"(["a",1,"x"])", R"(["a",1])", R"(["a"])"}));
  EXPECT_EQ(qc.stats().entries, 1u);
  EXPECT_EQ(qc.stats().trie_nodes, 1u);
}

TEST_F(QueryCacheIndexTest, ClearAndTheClientsEndFreeEntriesOfBothKinds) {
  // Entries with and without longer keys below, removed or not, observed or not: clear() and the
  // destructor must free each once (the sanitizer builds catch a double free or a leak).
  auto qc = std::make_unique<QueryClient>(rt);
  qc->set_query_data(key({"a"}), 1);
  qc->set_query_data(key({"a", 1}), 2);
  qc->set_query_data(key({"a", 2}), 3);
  auto sub = qc->observe({.key = key({"a", 1}), .enabled = false}, nullptr);
  qc->clear();
  EXPECT_EQ(qc->stats().entries, 0u);
  EXPECT_EQ(qc->stats().trie_nodes, 0u);
  qc->set_query_data(key({"a"}), 4);
  qc->set_query_data(key({"a", 1, "x"}), 5);
  qc->set_query_data(key({}), 6);
  auto sub2 = qc->observe({.key = key({"a"}), .enabled = false}, nullptr);
  EXPECT_EQ(qc->get_query_data(key({"a", 1, "x"}))->as_int(), 5);
  qc.reset();
}

TEST_F(QueryCacheIndexTest, ObservedEntryRemovedFromAnInteriorPositionKeepsItsKey) {
  QueryClient qc(rt);
  std::vector<Value> seen;
  auto sub = qc.observe({.key = key({"a"}), .enabled = false},
                        [&](const QueryResult& r) { seen.push_back(r.data.value_or(Value())); });
  qc.set_query_data(key({"a"}), 1);
  qc.set_query_data(key({"a", 1}), 2);
  std::vector<std::string> events;
  auto ev = qc.query_cache().subscribe([&](const QueryCacheEvent& e) {
    events.push_back(std::string(e.type == QueryCacheEvent::Type::removed ? "removed " : "other ") +
                     e.key.to_json());
  });
  qc.remove_queries({.key = key({"a"}), .exact = true});
  EXPECT_EQ(events.front(), R"(removed ["a"])");
  EXPECT_EQ(qc.get_query_data(key({"a", 1}))->as_int(), 2);
  // The observer's next write builds a new entry at the position the old one left.
  qc.set_query_data(key({"a"}), 3);
  EXPECT_EQ(qc.get_query_data(key({"a"}))->as_int(), 3);
  EXPECT_EQ(qc.get_queries_data({.key = key({"a"})}).size(), 2u);
}

TEST_F(QueryCacheIndexTest, GcCollectsAnInteriorEntryBeforeTheLongerKeysBelowIt) {
  QueryClient qc(rt);
  qc.set_query_defaults(key({"a"}), {.gc_time = Millis{1000}});
  qc.set_query_data(key({"a", 1, "x"}), 2);
  advance(500);
  qc.set_query_data(key({"a", 1}), 1);  // collected 500 ms after the one below it
  advance(500);
  EXPECT_FALSE(qc.get_query_data(key({"a", 1, "x"})));
  EXPECT_EQ(qc.get_query_data(key({"a", 1}))->as_int(), 1);
  EXPECT_EQ(qc.stats().trie_nodes, 2u);
  advance(500);
  EXPECT_FALSE(qc.get_query_data(key({"a", 1})));
  EXPECT_EQ(qc.stats().trie_nodes, 0u);

  qc.set_query_data(key({"a", 1}), 1);
  advance(500);
  qc.set_query_data(key({"a", 1, "x"}), 2);
  advance(500);  // the interior entry goes first; the one below stays reachable
  EXPECT_FALSE(qc.get_query_data(key({"a", 1})));
  EXPECT_EQ(qc.get_query_data(key({"a", 1, "x"}))->as_int(), 2);
  EXPECT_EQ(qc.get_queries_data({.key = key({"a"})}).size(), 1u);
  advance(500);
  EXPECT_EQ(qc.stats().entries, 0u);
  EXPECT_EQ(qc.stats().trie_nodes, 0u);
}

TEST_F(QueryCacheIndexTest, HydrateRebuildsEntriesOfBothKindsWithTheirKeys) {
  QueryClient from(rt);
  from.set_query_data(key({"a", 1, "x"}), 3);
  from.set_query_data(key({"a", 1}), 2);
  from.set_query_data(key({"a"}), 1);
  from.set_query_data(key({}), 0);
  QueryClient to(rt);
  to.set_query_data(key({"a", 1, "y"}), 9);
  to.hydrate(from.dehydrate(), {});
  EXPECT_EQ(keys_of(to, {}),
            (std::vector<std::string>{R"(["a",1,"x"])", R"(["a",1,"y"])", R"(["a",1])", R"(["a"])", "[]"}));
  EXPECT_EQ(to.get_query_data(key({"a", 1}))->as_int(), 2);
  EXPECT_EQ(to.get_query_data(key({}))->as_int(), 0);
}

}  // namespace
