// Value updates: set / set_in / erase / push_back return new values that share every untouched
// subtree, update in place when the node has a single owner, and change nothing when they fail.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

template <typename F>
ErrorCode error_code_of(F&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected an mfstate::Error";
  return ErrorCode::io_error;
}

// The W1 state: {count, user: {userId, name}, items: [100 x {id, v}]}.
Value w1_state() {
  std::vector<Value> items;
  for (int i = 0; i < 100; ++i) items.push_back(Value::object({{"id", i}, {"v", i}}));
  return Value::object({{"count", 0},
                        {"user", Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"}, {"name", "John Doe"}})},
                        {"items", Value::array(std::move(items))}});
}

}  // namespace

TEST(ValueSet, ConstSetReturnsNewValueSharingUntouchedMembers) {
  Value s = w1_state();
  Value t = s.set("count", 1);
  EXPECT_EQ(s.get("count").as_int(), 0);
  EXPECT_EQ(t.get("count").as_int(), 1);
  EXPECT_FALSE(s.same_node(t));
  EXPECT_TRUE(s.get("user").same_node(t.get("user")));
  EXPECT_TRUE(s.get("items").same_node(t.get("items")));
  EXPECT_EQ(s.get("items").use_count(), 2u);
}

TEST(ValueSet, SetAppendsNewKeysInInsertionOrder) {
  Value o = Value::object({{"a", 1}}).set("b", 2).set("c", 3);
  ASSERT_EQ(o.size(), 3u);
  EXPECT_EQ(o.as_object()[2].key, "c");
  EXPECT_EQ(o.to_json(), R"({"a":1,"b":2,"c":3})");
}

TEST(ValueSet, RvalueSetOnUnsharedNodeUpdatesInPlace) {
  Value s = w1_state();
  const detail::Node* before = s.node();
  s = std::move(s).set("count", 5);
  EXPECT_EQ(s.node(), before);
  EXPECT_EQ(s.get("count").as_int(), 5);
}

TEST(ValueSet, RvalueSetOnSharedNodeCopiesAndLeavesTheOtherOwnerAlone) {
  Value s = w1_state();
  Value keep = s;
  Value t = std::move(s).set("count", 5);
  EXPECT_NE(t.node(), keep.node());
  EXPECT_EQ(keep.get("count").as_int(), 0);
  EXPECT_TRUE(keep.get("items").same_node(t.get("items")));
}

TEST(ValueSet, ASharedRootsCopyTakesOneReferenceToEachChildAndGivesItBack) {
  // A reducer's new root: `std::move(state).set(existing, ...)` while the store still holds the
  // state. The copy keeps every name (a long one copied, not shared), shares every other child
  // (one more owner each), and dropping either root gives its references back.
  const std::string long_name(40, 'n');
  Value user = Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"}});
  Value items = Value::array({1, 2, 3});
  Value held = Value::object({{"count", 0}, {"user", user}, {long_name, items}, {"tag", "a long string value"}});
  const Value tag = held.get("tag");
  EXPECT_EQ(user.use_count(), 2u);
  EXPECT_EQ(tag.use_count(), 2u);
  Value next = Value(held).set("count", 1);
  EXPECT_NE(next.node(), held.node());
  EXPECT_EQ(held.use_count(), 1u);
  EXPECT_EQ(user.use_count(), 3u);
  EXPECT_EQ(items.use_count(), 3u);
  EXPECT_EQ(tag.use_count(), 3u);
  ASSERT_EQ(next.size(), 4u);
  EXPECT_EQ(next.as_object()[0].key, "count");
  EXPECT_EQ(next.as_object()[2].key, long_name);
  EXPECT_NE(next.as_object()[2].key.data(), held.as_object()[2].key.data());
  EXPECT_EQ(next.get("count").as_int(), 1);
  EXPECT_TRUE(next.get(long_name).same_node(items));
  EXPECT_EQ(held.get("count").as_int(), 0);
  held = Value();  // the old root freed: its children lose one owner each
  EXPECT_EQ(user.use_count(), 2u);
  EXPECT_EQ(items.use_count(), 2u);
  EXPECT_EQ(tag.use_count(), 2u);
  next = Value();
  EXPECT_EQ(user.use_count(), 1u);
  EXPECT_EQ(items.use_count(), 1u);
  EXPECT_EQ(tag.use_count(), 1u);
}

TEST(ValueSet, SettingTheSameNodeKeepsTheObjectNode) {
  Value s = w1_state();
  Value t = s.set("user", s.get("user"));
  EXPECT_TRUE(t.same_node(s));
  Value u = s.set_in({"user"}, s.get("user"));
  EXPECT_TRUE(u.same_node(s));
  Value w = s.set("count", 0.0);  // equal but not the same value: a double now
  EXPECT_FALSE(w.same_node(s));
  EXPECT_TRUE(w.get("count").is_double());
}

TEST(ValueSet, ArraySetReplacesOrAppendsAndRejectsGaps) {
  Value a = Value::array({1, 2});
  EXPECT_EQ(a.set(0, "x").to_json(), R"(["x",2])");
  EXPECT_EQ(a.set(2, 3).to_json(), "[1,2,3]");
  EXPECT_EQ(error_code_of([&] { (void)a.set(3, 0); }), ErrorCode::out_of_range);
  EXPECT_EQ(error_code_of([&] { (void)a.set("k", 0); }), ErrorCode::type_error);
  EXPECT_EQ(error_code_of([&] { (void)Value::object().set(0, 0); }), ErrorCode::type_error);
  EXPECT_EQ(a.to_json(), "[1,2]");
}

TEST(ValueSetIn, ConstSetInCopiesOnlyThePathAndSharesTheRest) {
  Value s = w1_state();
  Value t = s.set_in({"items", 42, "v"}, 1000);
  EXPECT_EQ(s.get_in({"items", 42, "v"}).as_int(), 42);
  EXPECT_EQ(t.get_in({"items", 42, "v"}).as_int(), 1000);
  EXPECT_TRUE(s.get("user").same_node(t.get("user")));
  EXPECT_FALSE(s.get("items").same_node(t.get("items")));
  for (std::size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(s.get("items").at(i).same_node(t.get("items").at(i)), i != 42) << i;
  }
  EXPECT_EQ(s.get("items").at(0).use_count(), 2u);
  EXPECT_EQ(s.get("items").at(42).use_count(), 1u);
}

TEST(ValueSetIn, RvalueSetInOnUnsharedPathUpdatesEveryNodeInPlace) {
  Value s = w1_state();
  const detail::Node* root = s.node();
  const detail::Node* items = s.get("items").node();
  const detail::Node* item = s.get("items").at(7).node();
  s = std::move(s).set_in({"items", 7, "v"}, -1);
  EXPECT_EQ(s.node(), root);
  EXPECT_EQ(s.get("items").node(), items);
  EXPECT_EQ(s.get("items").at(7).node(), item);
  EXPECT_EQ(s.get_in({"items", 7, "v"}).as_int(), -1);
}

TEST(ValueSetIn, RvalueSetInCopiesOnlyTheSharedPartOfThePath) {
  Value s = w1_state();
  Value items = s.get("items");  // the items array is shared from here on
  const detail::Node* root = s.node();
  s = std::move(s).set_in({"items", 3, "v"}, 99);
  EXPECT_EQ(s.node(), root);                        // unshared root: in place
  EXPECT_NE(s.get("items").node(), items.node());   // shared array: copied
  EXPECT_EQ(items.get_in({3, "v"}).as_int(), 3);   // the other owner sees no change
  EXPECT_TRUE(s.get("items").at(4).same_node(items.at(4)));
}

TEST(ValueSetIn, CreatesMissingContainersAlongThePath) {
  Value v = Value::object();
  Value w = v.set_in({"a", "b", "c"}, 1);
  EXPECT_EQ(w.to_json(), R"({"a":{"b":{"c":1}}})");
  Value x = v.set_in({"list", 0, "name"}, "n");
  EXPECT_EQ(x.to_json(), R"({"list":[{"name":"n"}]})");
  Value y = Value::object({{"arr", Value::array({1})}}).set_in(Path::from_pointer("/arr/1"), 2);
  EXPECT_EQ(y.to_json(), R"({"arr":[1,2]})");
  EXPECT_EQ(Value(5).set_in({}, "root").as_string(), "root");
}

TEST(ValueSetIn, FailingSetInLeavesTheValueUnchanged) {
  Value s = w1_state();
  std::string before = s.to_json();
  const detail::Node* root = s.node();
  EXPECT_EQ(error_code_of([&] { (void)s.set_in({"count", "x"}, 1); }), ErrorCode::type_error);
  EXPECT_EQ(error_code_of([&] { (void)s.set_in({"items", 101, "v"}, 1); }), ErrorCode::out_of_range);
  EXPECT_EQ(error_code_of([&] { (void)s.set_in({"items", "name"}, 1); }), ErrorCode::type_error);
  EXPECT_EQ(error_code_of([&] { (void)s.set_in({"new", 1}, 1); }), ErrorCode::out_of_range);
  // The rvalue path too: the failure is found before anything is moved or written.
  EXPECT_EQ(error_code_of([&] { s = std::move(s).set_in({"items", 5, "v", "deeper"}, 1); }),
            ErrorCode::type_error);
  EXPECT_EQ(error_code_of([&] { s = std::move(s).set_in({"items", 0, "x", 3}, 1); }),
            ErrorCode::out_of_range);
  EXPECT_EQ(s.node(), root);
  EXPECT_EQ(s.to_json(), before);
  EXPECT_EQ(s.get("items").use_count(), 1u);
}

TEST(ValueSetIn, SetInBeyondTheNestingCapFailsWithDepthLimitAndChangesNothing) {
  Value deep = Value::array();
  for (std::uint32_t i = 1; i < detail::max_nesting; ++i) deep = Value::array({deep});
  Value holder = Value::object({{"k", 1}});
  EXPECT_EQ(error_code_of([&] { holder = std::move(holder).set_in({"k"}, deep); }), ErrorCode::depth_limit);
  EXPECT_EQ(holder.to_json(), R"({"k":1})");
  EXPECT_EQ(error_code_of([&] { (void)holder.set("k", deep); }), ErrorCode::depth_limit);
  EXPECT_EQ(error_code_of([&] { (void)Value::array({deep}); }), ErrorCode::depth_limit);
  EXPECT_EQ(error_code_of([&] { (void)Value::array().push_back(deep); }), ErrorCode::depth_limit);
  EXPECT_EQ(error_code_of([&] { (void)Value::object({{"x", deep}}); }), ErrorCode::depth_limit);
  EXPECT_EQ(holder.set("k", deep.at(0)).get("k").node(), deep.at(0).node());  // exactly at the cap
}

TEST(ValueSetIn, AVeryLongPathIsRefusedByDepthNotByTheStack) {
  std::vector<PathElement> steps(100000, PathElement("a"));
  Value v = Value::object();
  EXPECT_EQ(error_code_of([&] { (void)v.set_in(Path(steps), 1); }), ErrorCode::depth_limit);
  EXPECT_EQ(v.find_in(Path(steps)), nullptr);
}

TEST(ValueErase, EraseKeyReturnsNewObjectAndSharesTheRest) {
  Value s = w1_state();
  Value t = s.erase("count");
  EXPECT_TRUE(s.contains("count"));
  EXPECT_FALSE(t.contains("count"));
  EXPECT_TRUE(t.get("items").same_node(s.get("items")));
  EXPECT_TRUE(s.erase("absent").same_node(s));
  EXPECT_EQ(error_code_of([&] { (void)Value::array().erase("k"); }), ErrorCode::type_error);
}

TEST(ValueErase, RvalueEraseOnUnsharedNodeIsInPlace) {
  Value s = w1_state();
  const detail::Node* root = s.node();
  s = std::move(s).erase("user");
  EXPECT_EQ(s.node(), root);
  EXPECT_EQ(s.size(), 2u);
  Value a = Value::array({1, 2, 3});
  const detail::Node* arr = a.node();
  a = std::move(a).erase(1);
  EXPECT_EQ(a.node(), arr);
  EXPECT_EQ(a.to_json(), "[1,3]");
}

TEST(ValueErase, EraseIndexReturnsNewArrayAndRejectsPastTheEnd) {
  Value a = Value::array({1, Value::array({2}), 3});
  Value b = a.erase(0);
  EXPECT_EQ(b.to_json(), "[[2],3]");
  EXPECT_TRUE(b.at(0).same_node(a.at(1)));
  EXPECT_EQ(a.size(), 3u);
  EXPECT_EQ(error_code_of([&] { (void)a.erase(3); }), ErrorCode::out_of_range);
  EXPECT_EQ(error_code_of([&] { (void)Value::object().erase(0); }), ErrorCode::type_error);
}

TEST(ValueErase, EraseFromLargeObjectKeepsLookupsRight) {
  std::vector<Member> members;
  for (int i = 0; i < 50; ++i) members.push_back({"m" + std::to_string(i), i});
  Value o = Value::object(std::move(members));
  (void)o.find("m1");  // build the index
  Value e = o.erase("m10");
  EXPECT_EQ(e.size(), 49u);
  EXPECT_EQ(e.find("m10"), nullptr);
  for (int i = 0; i < 50; ++i) {
    if (i == 10) continue;
    ASSERT_NE(e.find("m" + std::to_string(i)), nullptr) << i;
    EXPECT_EQ(e.get("m" + std::to_string(i)).as_int(), i);
    EXPECT_EQ(o.get("m" + std::to_string(i)).as_int(), i);
  }
  Value grown = std::move(e).set("new", 1).set("m10", 10);
  EXPECT_EQ(grown.get("new").as_int(), 1);
  EXPECT_EQ(grown.get("m10").as_int(), 10);
  EXPECT_EQ(grown.size(), 51u);
}

TEST(ValueSet, LargeObjectGrowsPastItsIndexCapacity) {
  Value o = Value::object();
  for (int i = 0; i < 300; ++i) {
    o = std::move(o).set("k" + std::to_string(i), i);
    if (i % 17 == 0) (void)o.find("k0");  // keeps the index live while growing
  }
  for (int i = 0; i < 300; ++i) EXPECT_EQ(o.get("k" + std::to_string(i)).as_int(), i);
  Value copy = o.set("k150", -1);  // copy-on-write takes the index along
  EXPECT_EQ(copy.get("k150").as_int(), -1);
  EXPECT_EQ(o.get("k150").as_int(), 150);
  EXPECT_EQ(copy.get("k299").as_int(), 299);
}

TEST(ValuePushBack, PushBackAppendsSharingElementsAndUpdatesInPlaceWhenUnshared) {
  Value a = Value::array({Value::object({{"x", 1}})});
  Value b = a.push_back(2);
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(b.size(), 2u);
  EXPECT_TRUE(a.at(0).same_node(b.at(0)));
  const detail::Node* node = b.node();
  b = std::move(b).push_back(3);
  EXPECT_EQ(b.node(), node);
  EXPECT_EQ(b.to_json(), R"([{"x":1},2,3])");
  EXPECT_EQ(error_code_of([] { (void)Value::object().push_back(1); }), ErrorCode::type_error);
}

TEST(ValueUpdate, HashIsRecomputedAfterAnInPlaceUpdate) {
  Value s = w1_state();
  std::uint64_t h0 = s.hash();
  s = std::move(s).set_in({"items", 0, "v"}, 12345);
  EXPECT_NE(s.hash(), h0);
  EXPECT_EQ(s.hash(), w1_state().set_in({"items", 0, "v"}, 12345).hash());
}

TEST(ValueLifetime, DestroyingValuesAtTheNestingCapDoesNotOverflowTheStack) {
  // Alternating arrays and objects at the cap, several chains sharing a tail: releasing them
  // runs from a work list, not by recursion.
  Value tail = Value::array();
  for (std::uint32_t i = 1; i < detail::max_nesting / 4; ++i) tail = Value::object({{"a", Value::array({tail})}});
  std::vector<Value> chains;
  for (int c = 0; c < 20; ++c) {
    Value v = tail;
    for (std::uint32_t i = detail::max_nesting / 2; i < detail::max_nesting; ++i) v = Value::array({v, c});
    chains.push_back(std::move(v));
  }
  EXPECT_EQ(tail.use_count(), 21u);
  chains.clear();
  EXPECT_EQ(tail.use_count(), 1u);
  tail = Value();
  EXPECT_TRUE(tail.is_null());
}

TEST(ValueLifetime, ValuesBuiltAtTheNestingCapSerialiseHashAndCompare) {
  Value a = Value::array();
  Value b = Value::array();
  for (std::uint32_t i = 1; i < detail::max_nesting; ++i) {
    a = Value::array({a});
    b = Value::array({b});
  }
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.hash(), b.hash());
  std::string json = a.to_json();
  EXPECT_EQ(json.size(), 2u * detail::max_nesting);
  EXPECT_EQ(a.to_canonical_json(), json);
  EXPECT_EQ(error_code_of([&] { (void)parse_json(json); }), ErrorCode::depth_limit);
  EXPECT_EQ(parse_json(json, {.max_depth = detail::max_nesting}), a);
}

TEST(ValueSetIn, LongPathsUpdateExistingAndCreateMissingSteps) {
  // 20 steps: longer than the positions set_in remembers between its checking and writing walks.
  std::vector<PathElement> steps;
  for (int i = 0; i < 20; ++i) {
    if (i % 2) {
      steps.emplace_back(0);
    } else {
      steps.emplace_back("k" + std::to_string(i));
    }
  }
  Value v = Value::object().set_in(Path(steps), "leaf");
  EXPECT_EQ(v.get_in(Path(steps)).as_string(), "leaf");
  Value shared = v;
  Value w = std::move(v).set_in(Path(steps), 7);
  EXPECT_EQ(w.get_in(Path(steps)).as_int(), 7);
  EXPECT_EQ(shared.get_in(Path(steps)).as_string(), "leaf");
  std::vector<PathElement> sibling = steps;
  sibling.back() = PathElement(1);
  Value x = w.set_in(Path(sibling), true);
  EXPECT_TRUE(x.get_in(Path(sibling)).as_bool());
  EXPECT_EQ(x.get_in(Path(steps)).as_int(), 7);
  std::vector<PathElement> new_branch(steps.begin(), steps.begin() + 18);
  new_branch.emplace_back("fresh");
  new_branch.emplace_back("leaf");
  Value y = w.set_in(Path(new_branch), 1);
  EXPECT_EQ(y.get_in(Path(new_branch)).as_int(), 1);
  EXPECT_EQ(y.get_in(Path(steps)).as_int(), 7);
}
