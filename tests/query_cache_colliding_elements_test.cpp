// The key index's exact lookup confirms a hit against the node's element: a 64-bit hash that
// matches is no proof that the elements are equal. These tests force two different object
// elements to carry the same hash (the hash an object caches in its node, set by hand) and check
// that each key still finds its own entry, and a key of neither finds nothing, at each kind of
// trie level (one child, a few children searched in turn, many in a hash set) and through both
// lookups (a Value key, a FlatKey's bytes). The confirmation compares objects member by member
// from their handles when it can (values_equal's first loop, equals_at's member at its position):
// the rest of this file pins down the corners where those shortcuts must not decide.
#include <cmath>
#include <limits>
#include <string>

#include "mfstate/key.hpp"
#include "query_test_support.hpp"
#include "value_node.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryCacheCollidingElementsTest : public QueryTest {};

Value id(std::int64_t i) { return Value::object({{"id", i}}); }

// {id: i}, its cached hash forced to `hash`: a different value that hashes as another.
Value id_hashed_as(std::int64_t i, std::uint64_t hash) {
  Value v = id(i);
  ValueAccess::cache_hash(v, hash);
  return v;
}

// Sets ["user", {id: 1}] (its element hashed as {id: 2}'s) and then ["user", {id: 2}], with
// `siblings` other {id: ...} keys before them, so the level below "user" has one child (none),
// a few (a handful) or many (beyond ChildSet::small_limit: a hash set).
void set_colliding_pair(QueryClient& qc, int siblings) {
  for (int i = 0; i < siblings; ++i) qc.set_query_data(key({"user", id(100 + i)}), 100 + i);
  qc.set_query_data(key({"user", id_hashed_as(1, id(2).hash())}), 1);
  qc.set_query_data(key({"user", id(2)}), 2);
}

void expect_each_key_finds_its_own(const QueryClient& qc) {
  // Through Value keys (fresh elements: their hashes are computed, {id: 2}'s is the collider's).
  EXPECT_EQ(qc.get_query_data(key({"user", id(2)}))->as_int(), 2);
  EXPECT_FALSE(qc.get_query_data(key({"user", id(3)})));
  // Through bytes: the probe's hash is {id: 2}'s, which both nodes carry.
  EXPECT_EQ(qc.get_query_data(FlatKey(key({"user", id(2)})))->as_int(), 2);
  EXPECT_FALSE(qc.get_query_data(FlatKey(key({"user", id(3)}))));
  // A probe that carries the collider's hash but is {id: 3}: equal hashes, different values.
  EXPECT_FALSE(qc.get_query_data(key({"user", id_hashed_as(3, id(2).hash())})));
}

TEST_F(QueryCacheCollidingElementsTest, AnElementWithAnotherElementsHashIsNotThatElement) {
  QueryClient qc(rt);
  // One child below "user": the collider alone, then probed by the key it collides with.
  qc.set_query_data(key({"user", id_hashed_as(1, id(2).hash())}), 1);
  EXPECT_FALSE(qc.get_query_data(key({"user", id(2)})));
  EXPECT_FALSE(qc.get_query_data(FlatKey(key({"user", id(2)}))));
  EXPECT_FALSE(qc.get_query_state(key({"user", id(2)})));
  // Setting it makes a second entry beside the collider, not an update of it.
  qc.set_query_data(key({"user", id(2)}), 2);
  EXPECT_EQ(qc.stats().entries, 2u);
  expect_each_key_finds_its_own(qc);
}

TEST_F(QueryCacheCollidingElementsTest, CollidingElementsAmongAFewSiblingsAreEachTheirOwn) {
  QueryClient qc(rt);
  set_colliding_pair(qc, 3);
  EXPECT_EQ(qc.stats().entries, 5u);
  expect_each_key_finds_its_own(qc);
}

TEST_F(QueryCacheCollidingElementsTest, CollidingElementsInALevelsHashSetAreEachTheirOwn) {
  QueryClient qc(rt);
  set_colliding_pair(qc, 40);
  EXPECT_EQ(qc.stats().entries, 42u);
  expect_each_key_finds_its_own(qc);
  // Removing the one leaves the other, found by both lookups.
  qc.remove_queries({.key = key({"user", id(2)}), .exact = true});
  EXPECT_FALSE(qc.get_query_data(key({"user", id(2)})));
  EXPECT_FALSE(qc.get_query_data(FlatKey(key({"user", id(2)}))));
  EXPECT_EQ(qc.get_queries_data({.key = key({"user"})}).size(), 41u);
}

TEST_F(QueryCacheCollidingElementsTest, ElementsEqualByValueButNotByTheirHandlesAreOneKey) {
  // The confirmation's shortcuts decide from the handles only what the handles prove; each of
  // these elements differs from the stored one in its handles but is == to it: the same entry.
  QueryClient qc(rt);
  const std::string long_name = "a member name longer than fifteen bytes";
  qc.set_query_data(key({"k", Value::object({{"n", 1.0}})}), 1);                        // a double member
  qc.set_query_data(key({"k", Value::object({{"b", 1}, {"a", 2}})}), 2);                // out of name order
  qc.set_query_data(key({"k", Value::object({{long_name, 3}})}), 3);                    // a name on the heap
  qc.set_query_data(key({"k", Value::object({{"o", Value::object({{"x", 4}})}})}), 4);  // a nested object
  qc.set_query_data(key({"k", Value::object({{"s", "a string of more than 8 bytes"}})}), 5);
  qc.set_query_data(key({"k", Value::object({{"b", 7}, {"a", 7}})}), 6);  // equal values, out of order
  const auto same = [&](const Value& element, std::int64_t expected) {
    EXPECT_EQ(qc.get_query_data(key({"k", element}))->as_int(), expected) << element.to_json();
    EXPECT_EQ(qc.get_query_data(FlatKey(key({"k", element})))->as_int(), expected) << element.to_json();
  };
  same(Value::object({{"n", 1}}), 1);
  same(Value::object({{"a", 2}, {"b", 1}}), 2);
  same(Value::object({{"b", 1}, {"a", 2}}), 2);
  same(Value::object({{std::string(long_name), 3}}), 3);
  same(Value::object({{"o", Value::object({{"x", 4.0}})}}), 4);
  same(Value::object({{"s", std::string("a string of more than 8 bytes")}}), 5);
  same(Value::object({{"a", 7}, {"b", 7}}), 6);
  EXPECT_EQ(qc.stats().entries, 6u);
  // And their near misses find nothing.
  const auto none = [&](const Value& element) {
    EXPECT_FALSE(qc.get_query_data(key({"k", element}))) << element.to_json();
    EXPECT_FALSE(qc.get_query_data(FlatKey(key({"k", element})))) << element.to_json();
  };
  none(Value::object({{"n", 1.5}}));
  none(Value::object({{"a", 2}, {"b", 2}}));
  none(Value::object({{"a", 2}, {"c", 1}}));
  none(Value::object({{long_name + "!", 3}}));
  none(Value::object({{"o", Value::object({{"x", 5}})}}));
  none(Value::object({{"s", "a string of more than 8 bytez"}}));
  none(Value::object({{"n", 1}, {"m", 1}}));
  none(Value::object({{"a", 7}, {"c", 7}}));  // the members' values by position, but not their names
}

TEST_F(QueryCacheCollidingElementsTest, ANanMemberMatchesAKeyHoldingAnyNanThere) {
  // As a key element every NaN is one NaN (detail::key_equal, as the canonical bytes spell it),
  // though Value's == says a NaN equals nothing: a key built anew finds the entry, whatever NaN
  // bits it holds, and no key holding a number there does (query_nan_key_test has every path).
  QueryClient qc(rt);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Value element = Value::object({{"x", nan}});
  qc.set_query_data(key({"k", element}), 1);
  EXPECT_TRUE(qc.get_query_data(key({"k", Value::object({{"x", nan}})})));
  EXPECT_TRUE(qc.get_query_data(FlatKey(key({"k", Value::object({{"x", -nan}})}))));
  EXPECT_FALSE(qc.get_query_data(key({"k", Value::object({{"x", 1.5}})})));
  EXPECT_EQ(qc.stats().entries, 1u);
}

}  // namespace
