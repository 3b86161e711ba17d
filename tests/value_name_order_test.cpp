// An object built from a list notes whether its member names came in ascending or descending
// order (Node::name_order, value_layout.hpp), and the canonical writer then writes its members
// forwards or backwards without comparing the names again (value_canonical.cpp). The bytes, the
// hash and the canonical text must be exactly those of the same object with its members listed
// in any other order; and an object changed after it was built must not be written by an order
// its names no longer have (appending a member forgets the order; erasing keeps it).
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mfstate/detail/canonical_text.hpp"
#include "mfstate/key.hpp"
#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

// The canonical bytes of an object whose members, given in name order, all hold small integers
// (value_canonical.cpp's encoding: a name is its length byte and its bytes, an integer 'i' and 8
// little-endian bytes).
std::string object_bytes(const std::vector<std::pair<std::string, std::int64_t>>& sorted_members) {
  std::string out = "{";
  for (const auto& [name, value] : sorted_members) {
    out += static_cast<char>(name.size());
    out += name;
    out += 'i';
    for (int i = 0; i < 8; ++i)
      out += static_cast<char>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xff);
  }
  return out + "}";
}

// Checks `object` against the bytes of its members in name order: as a query key's element (the
// FlatKey's bytes), as its own hash, and as the hash and canonical text of the same members built
// from a vector (which never notes an order, so the writer compares the names itself).
void expect_written_in_name_order(const Value& object,
                                  const std::vector<std::pair<std::string, std::int64_t>>& sorted) {
  const std::string bytes = object_bytes(sorted);
  EXPECT_EQ(FlatKey(Value::array({object})).bytes(), "[" + bytes + "]");
  EXPECT_EQ(object.hash(), detail::canonical_hash(bytes));
  std::vector<Member> members;
  for (const auto& [name, value] : sorted) members.push_back({name, value});
  const Value from_vector = Value::object(std::move(members));
  EXPECT_EQ(object.hash(), from_vector.hash());
  EXPECT_EQ(object, from_vector);
  EXPECT_EQ(key_string(Value::array({object})), key_string(Value::array({from_vector})));
}

}  // namespace

TEST(NameOrder, AscendingDescendingAndMixedListsWriteTheSameBytes) {
  const std::vector<std::pair<std::string, std::int64_t>> sorted = {
      {"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}, {"e", 5}};
  expect_written_in_name_order(Value::object({{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}, {"e", 5}}), sorted);
  expect_written_in_name_order(Value::object({{"e", 5}, {"d", 4}, {"c", 3}, {"b", 2}, {"a", 1}}), sorted);
  // Descending, then one out of step at either end or in the middle: no order, sorted.
  expect_written_in_name_order(Value::object({{"e", 5}, {"d", 4}, {"c", 3}, {"b", 2}, {"f", 6}}),
                               {{"b", 2}, {"c", 3}, {"d", 4}, {"e", 5}, {"f", 6}});
  expect_written_in_name_order(Value::object({{"a", 1}, {"e", 5}, {"d", 4}, {"c", 3}, {"b", 2}}), sorted);
  expect_written_in_name_order(Value::object({{"e", 5}, {"d", 4}, {"a", 1}, {"c", 3}, {"b", 2}}), sorted);
  expect_written_in_name_order(Value::object({{"b", 2}, {"a", 1}}), {{"a", 1}, {"b", 2}});
  expect_written_in_name_order(Value::object({{"a", 1}}), {{"a", 1}});
  expect_written_in_name_order(Value::object({}), {});
}

TEST(NameOrder, DescendingNamesThatTieOnAPrefixOrOnTheFirstWord) {
  // A prefix sorts first, so these are descending; bytes above 0x7f sort after ASCII.
  expect_written_in_name_order(Value::object({{"abc", 3}, {"ab", 2}, {"a", 1}}),
                               {{"a", 1}, {"ab", 2}, {"abc", 3}});
  expect_written_in_name_order(Value::object({{"abcdefgh2", 3}, {"abcdefgh1", 2}, {"abcdefgh", 1}}),
                               {{"abcdefgh", 1}, {"abcdefgh1", 2}, {"abcdefgh2", 3}});
  expect_written_in_name_order(Value::object({{"\xc3\xa9", 2}, {"z", 1}, {"Z", 0}}),
                               {{"Z", 0}, {"z", 1}, {"\xc3\xa9", 2}});
  // Names held on the heap (beyond 15 bytes), compared by their bytes, not as two words.
  const std::string on_heap_a(16, 'a');
  const std::string on_heap_b(20, 'b');
  expect_written_in_name_order(Value::object({{on_heap_b, 2}, {on_heap_a, 1}, {"a", 0}}),
                               {{"a", 0}, {on_heap_a, 1}, {on_heap_b, 2}});
}

TEST(NameOrder, ARepeatedNameIsMergedAndWrittenInNameOrder) {
  // Equal adjacent names are neither ascending nor descending: the repeat check runs and the last
  // value given wins, in the first one's place.
  expect_written_in_name_order(Value::object({{"c", 1}, {"c", 2}, {"a", 3}}), {{"a", 3}, {"c", 2}});
  expect_written_in_name_order(Value::object({{"c", 1}, {"b", 2}, {"c", 3}}), {{"b", 2}, {"c", 3}});
}

// The order noted at build time describes the names then. Appending a member (set of a new name,
// set_in) must forget it, in place and in a copy of a shared node; erasing keeps the others'
// order, and replacing a value does not touch the names.
TEST(NameOrder, AppendingForgetsTheOrderErasingAndReplacingKeepIt) {
  const Value descending = Value::object({{"d", 4}, {"c", 3}, {"b", 2}});
  // Shared: the copy made for the new member.
  expect_written_in_name_order(descending.set("e", 5), {{"b", 2}, {"c", 3}, {"d", 4}, {"e", 5}});
  expect_written_in_name_order(descending.set_in(Path{"a"}, 1), {{"a", 1}, {"b", 2}, {"c", 3}, {"d", 4}});
  // Erased, then appended in place: the erase leaves room in the node for the new member.
  Value erased = descending.erase("c");
  expect_written_in_name_order(erased, {{"b", 2}, {"d", 4}});
  const void* node = erased.node();
  Value appended = std::move(erased).set("e", 5);
  EXPECT_EQ(appended.node(), node) << "appended in place";
  expect_written_in_name_order(appended, {{"b", 2}, {"d", 4}, {"e", 5}});
  // Replaced values, shared and in place.
  expect_written_in_name_order(descending.set("c", 30), {{"b", 2}, {"c", 30}, {"d", 4}});
  Value own = Value::object({{"b", 2}, {"a", 1}});
  own = std::move(own).set("a", 10);
  expect_written_in_name_order(own, {{"a", 10}, {"b", 2}});
  // An ascending object appended out of order.
  expect_written_in_name_order(Value::object({{"b", 2}, {"c", 3}}).set("a", 1),
                               {{"a", 1}, {"b", 2}, {"c", 3}});
  EXPECT_EQ(descending.hash(), detail::canonical_hash(object_bytes({{"b", 2}, {"c", 3}, {"d", 4}})));
}
