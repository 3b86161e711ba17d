// The key index's two-level leaves (src/query_cache_index.cpp): an entry whose next-to-last key
// element is an integer no other key shares hangs below the grandparent, keyed by that integer,
// and the integer's position takes no node. These tests pin down that every reading sees both
// positions it stands for (exact, prefix, object filters, the key reported back, the position
// count), that a key reaching the skipped position splits it first, and that every way out
// (remove, gc, clear, the client's end) frees it once.
#include <algorithm>
#include <limits>

#include "query_test_support.hpp"

#include "query_entry.hpp"
#include "query_index.hpp"
#include "query_index_walk.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

using detail::CacheIndex;
using detail::Query;
using detail::TrieNode;

std::vector<Query*> collected(const CacheIndex& index, const Value& filter, bool exact = false) {
  std::vector<Query*> out;
  index.for_each_match(filter, exact, [&](Query* q) { out.push_back(q); });
  std::sort(out.begin(), out.end());
  return out;
}

// Links `q` at `k` as the cache's build() does (a new key).
void add(CacheIndex& index, const Value& k, Query& q) {
  const CacheIndex::Position at = index.find_or_insert_position(k);
  ASSERT_EQ(at.node, nullptr);
  index.link(at.parent, k.as_array().back(), q);
}

void take_out(CacheIndex& index, Query& q) {
  index.reserve_node();
  index.detach(q);
}

TEST(QueryCacheSkipLeaf, AnIntegerNoOtherKeySharesTakesNoNode) {
  Query profile;  // declared before the index: the index is emptied first
  Query other;
  CacheIndex index;
  const Value k = key({"user", 5, "profile"});
  add(index, k, profile);
  TrieNode* n = index.find(k);
  ASSERT_EQ(CacheIndex::entry_of(n), &profile);
  EXPECT_TRUE(n->is_skip());
  EXPECT_EQ(n->skipped(), 5);
  EXPECT_EQ(index.nodes(), 3u);  // three positions, two nodes
  EXPECT_EQ(index.key_of(profile), k);

  // Exact readings: the leaf's own key (5.0 is 5), nothing at or below the skipped position.
  EXPECT_EQ(index.find(key({"user", 5.0, "profile"})), n);
  EXPECT_EQ(index.find(key({"user", 5})), nullptr);
  EXPECT_EQ(index.find(key({"user", 6, "profile"})), nullptr);
  EXPECT_EQ(index.find(key({"user", 5, "posts"})), nullptr);
  EXPECT_EQ(index.find(key({"user", 5, "profile", 1})), nullptr);
  // Prefix readings.
  const std::vector<Query*> just{&profile};
  const std::vector<Query*> none;
  EXPECT_EQ(collected(index, key({})), just);
  EXPECT_EQ(collected(index, key({"user"})), just);
  EXPECT_EQ(collected(index, key({"user", 5})), just);
  EXPECT_EQ(collected(index, key({"user", 5.0})), just);
  EXPECT_EQ(collected(index, key({"user", 5, "profile"})), just);
  EXPECT_EQ(collected(index, key({"user", 5, "profile"}), true), just);
  EXPECT_EQ(collected(index, key({"user", 5}), true), none);
  EXPECT_EQ(collected(index, key({"user", 4})), none);
  EXPECT_EQ(collected(index, key({"user", 5, "posts"})), none);
  EXPECT_EQ(collected(index, key({"user", 5, "profile", 1})), none);
  EXPECT_EQ(collected(index, key({"user", Value::object({})})), none);  // an object matches no integer
  EXPECT_EQ(collected(index, key({"user", 5, Value::array({})})), none);

  // A second key through the skipped position splits the leaf: a node for 5, a plain entry.
  add(index, key({"user", 5, "posts"}), other);
  EXPECT_FALSE(index.find(k)->is_skip());
  EXPECT_EQ(index.nodes(), 4u);
  EXPECT_EQ(index.key_of(profile), k);
  EXPECT_EQ(collected(index, key({"user", 5})).size(), 2u);
  take_out(index, other);
  take_out(index, profile);
  EXPECT_EQ(index.nodes(), 0u);
  EXPECT_EQ(collected(index, key({})), none);
}

TEST(QueryCacheSkipLeaf, OnlyAnIntegerAtAPositionOfItsOwnIsSkipped) {
  Query a, b, c, d, e, f, g, h;
  CacheIndex index;
  add(index, key({"s", "id", "x"}), a);  // a string: a node
  add(index, key({"d", 1.5, "x"}), b);   // a fraction: a node
  add(index, key({7, "x"}), c);          // an integer below the root: skipped (hangs on the root)
  add(index, key({"m", std::numeric_limits<std::int64_t>::min(), "x"}), d);
  add(index, key({"n", -3}), e);  // the integer is the last element: the entry itself
  add(index, key({"n", -3, "x"}), f);  // below an entry: no skipping
  add(index, key({"neg", -7, "x"}), h);  // a negative integer, in a word of either width
  ASSERT_TRUE(index.find(key({"neg", -7, "x"}))->is_skip());
  EXPECT_EQ(index.find(key({"neg", -7, "x"}))->skipped(), -7);
  EXPECT_EQ(index.key_of(h), key({"neg", -7, "x"}));
  EXPECT_EQ(collected(index, key({"neg", -7})), std::vector<Query*>{&h});
  EXPECT_EQ(collected(index, key({"neg", 7})), std::vector<Query*>{});
  EXPECT_FALSE(index.find(key({"s", "id", "x"}))->is_skip());
  EXPECT_FALSE(index.find(key({"d", 1.5, "x"}))->is_skip());
  EXPECT_TRUE(index.find(key({7, "x"}))->is_skip());
  EXPECT_FALSE(index.find(key({"n", -3, "x"}))->is_skip());
  if constexpr (sizeof(std::intptr_t) == 8) {
    const TrieNode* m = index.find(key({"m", std::numeric_limits<std::int64_t>::min(), "x"}));
    ASSERT_NE(m, nullptr);
    EXPECT_TRUE(m->is_skip());
    EXPECT_EQ(m->skipped(), std::numeric_limits<std::int64_t>::min());
  }
  EXPECT_EQ(index.key_of(d), key({"m", std::numeric_limits<std::int64_t>::min(), "x"}));
  // The empty key's entry takes the root's place: the leaf hanging on the root follows it.
  index.attach(index.find_or_insert_position(key({})).node, g);
  EXPECT_EQ(CacheIndex::entry_of(index.find(key({}))), &g);
  EXPECT_EQ(CacheIndex::entry_of(index.find(key({7, "x"}))), &c);
  EXPECT_TRUE(index.find(key({7, "x"}))->is_skip());
  EXPECT_EQ(index.key_of(c), key({7, "x"}));
  take_out(index, g);
  EXPECT_EQ(index.key_of(c), key({7, "x"}));
  EXPECT_EQ(collected(index, key({7})), std::vector<Query*>{&c});
  for (Query* q : {&a, &b, &c, &d, &e, &f, &h}) take_out(index, *q);
  EXPECT_EQ(index.nodes(), 0u);
}

class QueryCacheSkipLeafTest : public QueryTest {};

std::vector<std::string> keys_of(const QueryClient& qc, const QueryFilters& f) {
  std::vector<std::string> out;
  for (const auto& [k, v] : qc.get_queries_data(f)) out.push_back(k.to_json());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(QueryCacheSkipLeafTest, AnEntryAtTheSkippedPositionSplitsTheLeafAndOutlivesIt) {
  QueryClient qc(rt);
  qc.set_query_data(key({"user", 5, "profile"}), 1);
  EXPECT_EQ(qc.stats().trie_nodes, 3u);
  qc.set_query_data(key({"user", 5}), 2);  // the key ends at the skipped position
  EXPECT_EQ(qc.stats().trie_nodes, 3u);
  EXPECT_EQ(keys_of(qc, {.key = key({"user"})}),
            (std::vector<std::string>{R"(["user",5,"profile"])", R"(["user",5])"}));
  qc.remove_queries({.key = key({"user", 5, "profile"}), .exact = true});
  EXPECT_EQ(qc.stats().trie_nodes, 2u);
  EXPECT_EQ(qc.get_query_data(key({"user", 5}))->as_int(), 2);
  // And back again below the entry (no skipping below an entry).
  qc.set_query_data(key({"user", 5, "profile"}), 3);
  EXPECT_EQ(keys_of(qc, {.key = key({"user", 5})}),
            (std::vector<std::string>{R"(["user",5,"profile"])", R"(["user",5])"}));
  qc.remove_queries({.key = key({"user"})});
  EXPECT_EQ(qc.stats().trie_nodes, 0u);
}

TEST_F(QueryCacheSkipLeafTest, ManySkippedSiblingsStayFindableThroughSplitsAndRemovals) {
  // More than eight children: the parent finds them by hash, by the integer each is keyed by.
  QueryClient qc(rt);
  for (int i = 0; i < 40; ++i) qc.set_query_data(key({"p", i, "x"}), i);
  EXPECT_EQ(qc.stats().trie_nodes, 81u);
  for (int i = 0; i < 40; i += 3) qc.set_query_data(key({"p", i, "y"}), 100 + i);  // split
  for (int i = 0; i < 40; i += 4) qc.remove_queries({.key = key({"p", i, "x"}), .exact = true});
  for (int i = 0; i < 40; ++i) {
    const bool x = i % 4 != 0;
    const bool y = i % 3 == 0;
    EXPECT_EQ(qc.get_query_data(key({"p", i, "x"})).has_value(), x) << i;
    EXPECT_EQ(qc.get_query_data(key({"p", i, "y"})).has_value(), y) << i;
    EXPECT_EQ(qc.get_queries_data({.key = key({"p", i})}).size(), std::size_t{x} + std::size_t{y}) << i;
    if (x) EXPECT_EQ(qc.get_query_data(key({"p", i, "x"}))->as_int(), i);
  }
  (void)qc.invalidate_queries({.key = key({"p", 7})});
  rt.run_until_idle();
  EXPECT_TRUE(qc.get_query_state(key({"p", 7, "x"}))->is_invalidated);  // a skipped leaf
  EXPECT_FALSE(qc.get_query_state(key({"p", 5, "x"}))->is_invalidated);
  EXPECT_FALSE(qc.get_query_state(key({"p", 9, "x"}))->is_invalidated);
  (void)qc.invalidate_queries({.key = key({"p", 9})});  // a split one: both below it
  rt.run_until_idle();
  EXPECT_TRUE(qc.get_query_state(key({"p", 9, "x"}))->is_invalidated);
  EXPECT_TRUE(qc.get_query_state(key({"p", 9, "y"}))->is_invalidated);
  EXPECT_FALSE(qc.get_query_state(key({"p", 5, "x"}))->is_invalidated);
  qc.remove_queries({.key = key({"p"})});
  EXPECT_EQ(qc.stats().entries, 0u);
  EXPECT_EQ(qc.stats().trie_nodes, 0u);
}

TEST_F(QueryCacheSkipLeafTest, GcClearAndTheClientsEndFreeSkippedLeaves) {
  auto qc = std::make_unique<QueryClient>(rt, QueryClientOptions{.defaults = {.gc_time = Millis{100}}});
  for (int i = 0; i < 20; ++i) qc->set_query_data(key({"u", i, "p"}), i);
  advance(100);
  EXPECT_EQ(qc->stats().entries, 0u);
  EXPECT_EQ(qc->stats().trie_nodes, 0u);
  for (int i = 0; i < 20; ++i) qc->set_query_data(key({"u", i, "p"}), i);
  auto sub = qc->observe({.key = key({"u", 3, "p"}), .enabled = false}, nullptr);
  qc->clear();
  EXPECT_EQ(qc->stats().trie_nodes, 0u);
  for (int i = 0; i < 20; ++i) qc->set_query_data(key({"u", i, "p"}), i);
  qc.reset();  // the client's end with skipped leaves in the trie
}

}  // namespace
