// A trie node's key element, kept as a Value's parts (src/query_index.hpp): the payload word, the
// type and the inline-string length, without the six bytes a Value pads them with. Those bytes
// hold the entry's flags, statuses and data update count instead (S1: `Query` 88 -> 80 bytes).
// These tests pin down what that must not change: every kind of element reads back and is found
// as before, the node owns exactly one reference to its element (an interned string is dropped
// when its last key goes, no sooner), a borrowed reading takes none, and an entry's own fields
// stay its own whichever way the trie moves its element (a split, an entry coming to a prefix
// position or leaving one that has children, the empty key's entry).
#include <limits>

#include "query_test_support.hpp"

#include "query_entry.hpp"
#include "query_index.hpp"
#include "value_node.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

using detail::CacheIndex;
using detail::Query;
using detail::TrieNode;

// Puts `q` at `k` as the cache's build() does: a new leaf, or the entry of a position that
// has a node already (a prefix of other keys).
void add(CacheIndex& index, const Value& k, Query& q) {
  const CacheIndex::Position at = index.find_or_insert_position(k);
  if (at.node != nullptr) {
    index.attach(at.node, q);
  } else {
    index.link(at.parent, k.as_array().back(), q);
  }
}

void take_out(CacheIndex& index, Query& q) {
  index.reserve_node();
  index.detach(q);
}

// Distinct values in every lent field, so a field overwritten by an element move shows.
void mark(Query& q, std::uint32_t count) {
  q.flags = detail::has_data_flag | detail::invalidated_flag | detail::infinite_flag;
  q.status = QueryStatus::error;
  q.fetch_status = FetchStatus::paused;
  q.data_update_count = count;
}

void expect_marked(const Query& q, std::uint32_t count) {
  EXPECT_EQ(q.flags, detail::has_data_flag | detail::invalidated_flag | detail::infinite_flag);
  EXPECT_EQ(q.status, QueryStatus::error);
  EXPECT_EQ(q.fetch_status, FetchStatus::paused);
  EXPECT_EQ(q.data_update_count, count);
}

TEST(QueryTrieElement, TheNodesAreTheSizeTheMemoryBudgetCountsOn) {
  if constexpr (sizeof(void*) == 8) {
    EXPECT_EQ(sizeof(TrieNode), 32u);
    EXPECT_EQ(sizeof(Query), 80u);
  }
  // A fresh entry's lent fields are the defaults Query had as members.
  const Query q;
  EXPECT_EQ(q.flags, 0);
  EXPECT_EQ(q.status, QueryStatus::pending);
  EXPECT_EQ(q.fetch_status, FetchStatus::idle);
  EXPECT_EQ(q.data_update_count, 0u);
}

TEST(QueryTrieElement, PartsTakenApartAndPutBackKeepOneReference) {
  const Value s("a string long enough to own a node");
  Value v = s;
  EXPECT_EQ(s.use_count(), 2u);
  const ValueAccess::Parts p = ValueAccess::take_parts(v);
  EXPECT_TRUE(v.is_null());
  EXPECT_EQ(s.use_count(), 2u);  // the parts hold the reference v had
  {
    const BorrowedValue b(p);
    EXPECT_EQ(b.get(), s);
    EXPECT_EQ(s.use_count(), 2u);
  }
  EXPECT_EQ(s.use_count(), 2u);  // a borrowed reading gives nothing back
  {
    const Value back = ValueAccess::from_parts(p);
    EXPECT_EQ(back, s);
  }
  EXPECT_EQ(s.use_count(), 1u);  // the Value made of the parts released it
}

TEST(QueryTrieElement, EveryKindOfElementIsFoundAndReadBack) {
  const std::vector<Value> elements{
      Value(),
      Value(true),
      Value(-42),
      Value(std::numeric_limits<std::int64_t>::max()),
      Value(2.5),
      Value("short"),
      Value("a string long enough to own a node"),
      Value::array({1, "two"}),
      Value::object({{"id", 7}, {"kind", "user"}}),
  };
  std::vector<Query> entries(elements.size() * 2);
  {
    CacheIndex index;
    for (std::size_t i = 0; i < elements.size(); ++i) {
      // As a position of its own (followed by another element) and as the entry's last element.
      add(index, key({"k", elements[i], "tail"}), entries[2 * i]);
      add(index, key({"k", elements[i]}), entries[2 * i + 1]);
    }
    for (std::size_t i = 0; i < elements.size(); ++i) {
      SCOPED_TRACE(elements[i].to_json());
      EXPECT_EQ(CacheIndex::entry_of(index.find(key({"k", elements[i], "tail"}))), &entries[2 * i]);
      EXPECT_EQ(CacheIndex::entry_of(index.find(key({"k", elements[i]}))), &entries[2 * i + 1]);
      EXPECT_EQ(index.key_of(entries[2 * i]), key({"k", elements[i], "tail"}));
      EXPECT_EQ(index.key_of(entries[2 * i + 1]), key({"k", elements[i]}));
    }
    // Equal by value, not by node: an equal object built again (members in another order),
    // -42.0 for the integer -42; an integer never stored finds nothing.
    EXPECT_EQ(CacheIndex::entry_of(index.find(key({"k", Value::object({{"kind", "user"}, {"id", 7}})}))),
              &entries[17]);
    EXPECT_EQ(CacheIndex::entry_of(index.find(key({"k", -42.0}))), &entries[5]);
    EXPECT_EQ(index.find(key({"k", 2})), nullptr);
    for (Query& q : entries) take_out(index, q);
    EXPECT_EQ(index.nodes(), 0u);
  }
  for (const Value& e : elements) EXPECT_LE(e.use_count(), 1u) << e.to_json();  // no reference left behind
}

TEST(QueryTrieElement, EachNodeHoldsOneReferenceToItsElement) {
  const Value name("a string long enough to own a node");  // interned: the nodes share it
  {
    Query a, b, c;
    CacheIndex index;
    add(index, key({name, 1}), a);
    EXPECT_EQ(name.use_count(), 3u);  // this test's, the interned copy's, the node [name]'s
    const TrieNode* n = index.find(key({name}));
    ASSERT_NE(n, nullptr);
    EXPECT_EQ(n->element().get(), name);
    EXPECT_EQ(name.use_count(), 3u);  // reading it took none
    add(index, key({name, 2}), b);
    EXPECT_EQ(name.use_count(), 3u);  // the second key shares the position
    add(index, key({"x", name}), c);  // an entry whose own element is the string
    EXPECT_EQ(name.use_count(), 4u);
    take_out(index, c);
    EXPECT_EQ(name.use_count(), 3u);
    take_out(index, a);
    EXPECT_EQ(name.use_count(), 3u);  // b still passes through [name]
    take_out(index, b);
    EXPECT_EQ(name.use_count(), 2u);  // the node is gone (the interned copy stays while this
                                      // test holds the string too: the index drops it with its
                                      // last user, and this test is one)
  }
  EXPECT_EQ(name.use_count(), 1u);  // nothing left behind once the index is gone
}

TEST(QueryTrieElement, AnEntrysOwnFieldsStayItsOwnAsTheTrieMovesItsElement) {
  Query leaf, prefix, root, other;
  CacheIndex index;
  mark(leaf, 7);
  mark(prefix, 11);
  mark(root, 13);
  other.data_update_count = 99;  // other's fields left at their defaults but this one

  add(index, key({"user", 5, "profile"}), leaf);  // a two-level leaf
  ASSERT_TRUE(index.find(key({"user", 5, "profile"}))->is_skip());
  expect_marked(leaf, 7);
  add(index, key({"user", 5, "posts"}), other);  // splits it: a node for 5, a plain entry
  ASSERT_FALSE(index.find(key({"user", 5, "profile"}))->is_skip());
  expect_marked(leaf, 7);
  EXPECT_EQ(index.key_of(leaf), key({"user", 5, "profile"}));

  // An entry comes to the prefix position ["user", 5] (a standalone node with two children):
  // it takes the node's element and children, not the node's bytes.
  index.attach(index.find_or_insert_position(key({"user", 5})).node, prefix);
  expect_marked(prefix, 11);
  EXPECT_EQ(index.key_of(prefix), key({"user", 5}));
  EXPECT_EQ(index.key_of(leaf), key({"user", 5, "profile"}));
  // The empty key's entry takes the root's place.
  index.attach(index.find_or_insert_position(key({})).node, root);
  expect_marked(root, 13);

  // Leaving positions that still have children: a standalone node takes the element over.
  take_out(index, prefix);
  expect_marked(prefix, 11);
  EXPECT_TRUE(index.find(key({"user", 5})) != nullptr);
  EXPECT_EQ(CacheIndex::entry_of(index.find(key({"user", 5}))), nullptr);
  EXPECT_EQ(index.key_of(leaf), key({"user", 5, "profile"}));
  take_out(index, root);
  expect_marked(root, 13);
  expect_marked(leaf, 7);
  EXPECT_EQ(other.data_update_count, 99u);
  EXPECT_EQ(other.status, QueryStatus::pending);
  EXPECT_EQ(other.flags, 0);

  // Back in at the same prefix, then everything out: the fields are untouched throughout.
  index.attach(index.find_or_insert_position(key({"user", 5})).node, prefix);
  EXPECT_EQ(CacheIndex::entry_of(index.find(key({"user", 5}))), &prefix);
  for (Query* q : {&leaf, &other, &prefix}) take_out(index, *q);
  EXPECT_EQ(index.nodes(), 0u);
  expect_marked(leaf, 7);
  expect_marked(prefix, 11);
}

class QueryTrieElementTest : public QueryTest {};

TEST_F(QueryTrieElementTest, StatusAndCountsReadBackThroughTheClient) {
  // The same fields as the client writes and reports them, for entries of each shape.
  QueryClient qc(rt);
  qc.set_query_data(key({"user", 5, "profile"}), 1);  // a two-level leaf
  qc.set_query_data(key({"user", 5, "profile"}), 2);
  qc.set_query_data(key({"user", 5}), 3);  // splits it
  qc.set_query_data(key({"user"}), 4);     // an entry at a prefix with children
  const auto leaf = qc.get_query_state(key({"user", 5, "profile"}));
  ASSERT_TRUE(leaf);
  EXPECT_EQ(leaf->status, QueryStatus::success);
  EXPECT_EQ(leaf->fetch_status, FetchStatus::idle);
  EXPECT_EQ(leaf->data_update_count, 2u);
  EXPECT_FALSE(leaf->is_invalidated);
  (void)qc.invalidate_queries({.key = key({"user", 5})});
  rt.run_until_idle();
  EXPECT_TRUE(qc.get_query_state(key({"user", 5, "profile"}))->is_invalidated);
  EXPECT_TRUE(qc.get_query_state(key({"user", 5}))->is_invalidated);
  EXPECT_FALSE(qc.get_query_state(key({"user"}))->is_invalidated);
  EXPECT_EQ(qc.get_query_state(key({"user"}))->data_update_count, 1u);
  qc.remove_queries({.key = key({"user"}), .exact = true});  // leaves a prefix with children
  EXPECT_EQ(qc.get_query_state(key({"user", 5, "profile"}))->data_update_count, 2u);
  EXPECT_EQ(qc.get_query_data(key({"user", 5}))->as_int(), 3);
}

}  // namespace
