// The canonical bytes behind a small container's hash (value_canonical.cpp): an object whose
// members are already in name order is written without a sort, names held inline copied whole;
// one out of order is sorted first. Both must give the same bytes, and so the same hash, and stop
// at the same place in a full buffer (which decides whether Value::hash hashes the bytes at all).
// Each hash here is checked against XXH3 of bytes spelled out by hand, and against the same
// object with its members listed in another order (the sorting path).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "mfstate/detail/canonical_text.hpp"
#include "mfstate/key.hpp"
#include "mfstate/key_builder.hpp"
#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

// The encoding, spelled out (value_canonical.cpp's header comment).
std::string leb(std::size_t n) {
  std::string out;
  do {
    auto byte = static_cast<unsigned char>(n & 0x7f);
    n >>= 7;
    if (n != 0) byte |= 0x80;
    out.push_back(static_cast<char>(byte));
  } while (n != 0);
  return out;
}
std::string tagged(char tag, std::uint64_t bits) {
  std::string out(1, tag);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
  return out;
}
std::string int_bytes(std::int64_t i) { return tagged('i', static_cast<std::uint64_t>(i)); }
std::string double_bytes(double d) {
  std::uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return tagged('d', bits);
}
std::string string_bytes(const std::string& s) { return "s" + leb(s.size()) + s; }
std::string name_bytes(const std::string& s) { return leb(s.size()) + s; }

// An object's bytes from its members given in name order, with their values' bytes.
std::string object_bytes(const std::vector<std::pair<std::string, std::string>>& sorted_members) {
  std::string out = "{";
  for (const auto& [name, value] : sorted_members) out += name_bytes(name) + value;
  return out + "}";
}

std::uint64_t bytes_hash(const std::string& bytes) { return detail::canonical_hash(bytes); }

// The object with `members` in the order given, and reversed: one is in name order (written as
// listed), the other not (sorted), unless there are fewer than two.
Value object_of(std::vector<Member> members) { return Value::object(std::move(members)); }

void expect_both_orders_hash_to(const std::vector<Member>& in_order, const std::string& bytes) {
  std::vector<Member> reversed(in_order.rbegin(), in_order.rend());
  EXPECT_EQ(object_of(in_order).hash(), bytes_hash(bytes)) << "members in name order";
  EXPECT_EQ(object_of(reversed).hash(), bytes_hash(bytes)) << "members out of order (sorted)";
}

// Value::hash, FlatKey and KeyBuilder hash a key's bytes under one rule: when those bytes end within
// the 256-byte budget. Value::hash's writer checks for more room than it then writes (a string
// its length plus 11), so a key whose bytes just fit once ran out of room there and was hashed from
// its parts, where FlatKey hashed the bytes and left that hash in the key's node: the same Value
// then hashed unlike an equal one built afresh (strings of 245 to 254 bytes here).
TEST(CanonicalBytes, ValueHashFlatKeyAndKeyBuilderAgreeAtTheBudget) {
  for (std::size_t length = 230; length <= 270; ++length) {
    const std::string text(length, 'x');
    for (const bool in_object : {false, true}) {
      const auto make = [&] { return in_object ? Value::array({Value::object({{"k", text}})}) : Value::array({text}); };
      const Value fresh = make();
      const Value seen_by_flat_key = make();
      const FlatKey flat(seen_by_flat_key);
      KeyBuilder b;
      if (in_object) b.begin_object().member("k").string(text).end_object();
      else b.string(text);
      const FlatKey built = b.finish();
      EXPECT_EQ(flat.hash(), hash_key(fresh)) << "length " << length << " in object " << in_object;
      EXPECT_EQ(built.hash(), hash_key(fresh)) << "length " << length << " in object " << in_object;
      EXPECT_EQ(seen_by_flat_key.hash(), fresh.hash()) << "length " << length << " in object " << in_object;
    }
  }
}

}  // namespace

TEST(CanonicalBytes, OneMemberObjectHashesItsBytes) {
  expect_both_orders_hash_to({{"id", 7}}, object_bytes({{"id", int_bytes(7)}}));
}

TEST(CanonicalBytes, EmptyObjectIsItsBraces) {
  EXPECT_EQ(Value::object().hash(), bytes_hash("{}"));
  EXPECT_EQ(Value::array({Value::object()}).hash(), bytes_hash("[{}]"));
}

TEST(CanonicalBytes, MemberOrderDoesNotChangeTheBytes) {
  expect_both_orders_hash_to({{"page", 2}, {"size", 20}, {"sort", "name"}},
                             object_bytes({{"page", int_bytes(2)}, {"size", int_bytes(20)},
                                           {"sort", string_bytes("name")}}));
}

TEST(CanonicalBytes, NamesThatTieOnAPrefixSortShorterFirst) {
  expect_both_orders_hash_to({{"a", 1}, {"ab", 2}, {"abc", 3}},
                             object_bytes({{"a", int_bytes(1)}, {"ab", int_bytes(2)}, {"abc", int_bytes(3)}}));
  // Tied on the first 8 bytes (one word of the name compare), apart beyond them.
  expect_both_orders_hash_to({{"abcdefgh", 1}, {"abcdefgh1", 2}, {"abcdefgh2", 3}},
                             object_bytes({{"abcdefgh", int_bytes(1)},
                                           {"abcdefgh1", int_bytes(2)},
                                           {"abcdefgh2", int_bytes(3)}}));
  // Bytes above 0x7f sort after ASCII (unsigned).
  expect_both_orders_hash_to({{"z", 1}, {"\xc3\xa9", 2}}, object_bytes({{"z", int_bytes(1)}, {"\xc3\xa9", int_bytes(2)}}));
}

TEST(CanonicalBytes, NamesHeldInlineAndOnTheHeapWriteTheSameBytes) {
  const std::string inline_longest(15, 'n');  // MemberName's longest inline name
  const std::string on_heap(16, 'o');
  const std::string long_name(130, 'p');      // a two-byte length
  expect_both_orders_hash_to({{inline_longest, 1}, {on_heap, 2}, {long_name, 3}},
                             object_bytes({{inline_longest, int_bytes(1)},
                                           {on_heap, int_bytes(2)},
                                           {long_name, int_bytes(3)}}));
  EXPECT_EQ(object_of({{"", 1}}).hash(), bytes_hash(object_bytes({{"", int_bytes(1)}})));
}

TEST(CanonicalBytes, NumbersOfEachKind) {
  const std::int64_t min = std::numeric_limits<std::int64_t>::min();
  const std::int64_t max = std::numeric_limits<std::int64_t>::max();
  expect_both_orders_hash_to(
      {{"a", 0}, {"b", -1}, {"c", min}, {"d", max}, {"e", 1.5}, {"f", -0.0}, {"g", 3.0}, {"h", 1e300}},
      object_bytes({{"a", int_bytes(0)},
                    {"b", int_bytes(-1)},
                    {"c", int_bytes(min)},
                    {"d", int_bytes(max)},
                    {"e", double_bytes(1.5)},
                    {"f", int_bytes(0)},  // -0 is the integer 0, as in JavaScript
                    {"g", int_bytes(3)},
                    {"h", double_bytes(1e300)}}));
  // 2^63 is beyond int64: a double. Every NaN is one NaN.
  expect_both_orders_hash_to({{"big", 9223372036854775808.0}, {"nan", -std::nan("7")}},
                             object_bytes({{"big", double_bytes(9223372036854775808.0)},
                                           {"nan", double_bytes(std::numeric_limits<double>::quiet_NaN())}}));
}

TEST(CanonicalBytes, OtherScalarsAndStringsNeedingEscapesInJson) {
  const std::string odd("q\"b\\c\n\0d", 8);
  const std::string long_string(130, 'x');  // a two-byte length
  expect_both_orders_hash_to({{"f", false}, {"n", nullptr}, {"s", odd}, {"t", true}, {"u", long_string}, {"v", ""}},
                             object_bytes({{"f", "f"},
                                           {"n", "n"},
                                           {"s", string_bytes(odd)},
                                           {"t", "t"},
                                           {"u", string_bytes(long_string)},
                                           {"v", string_bytes("")}}));
}

TEST(CanonicalBytes, NestedContainersInAnObjectInOrder) {
  // The outer object is in order; the inner one is not, and is sorted.
  const Value v = object_of({{"a", Value::object({{"c", 1}, {"b", 2}})}, {"d", Value::array({1, "x"})}});
  const std::string inner = object_bytes({{"b", int_bytes(2)}, {"c", int_bytes(1)}});
  const std::string array = "[" + int_bytes(1) + string_bytes("x") + "]";
  EXPECT_EQ(v.hash(), bytes_hash(object_bytes({{"a", inner}, {"d", array}})));
}

TEST(CanonicalBytes, QueryKeyHashIsItsBytes) {
  const Value key = Value::array({"user", Value::object({{"id", 42}})});
  const std::string bytes = "[" + string_bytes("user") + object_bytes({{"id", int_bytes(42)}}) + "]";
  EXPECT_EQ(hash_key(key), bytes_hash(bytes));
  EXPECT_EQ(key.hash(), bytes_hash(bytes));
}

// Value::hash writes into a 256-byte buffer; a value whose writing runs out of it is hashed from
// its parts instead. The in-order path checks its room more coarsely at times (it copies a name's
// whole 16-byte buffer), so near the edge it must fall back to the exact checks: every size there
// must give the same hash whichever order the members are listed in.
TEST(CanonicalBytes, AtTheEdgeOfTheHashBufferBothOrdersAgree) {
  for (std::size_t fill = 200; fill <= 300; ++fill) {
    // The last member's value is one byte (true): its name's room check is the step that
    // reserves the most beyond what is then written.
    for (const std::size_t name_length : {1u, 7u, 8u, 15u}) {
      const std::string name_a(name_length, 'a');
      const std::string name_b(name_length, 'b');
      std::vector<Member> in_order{{name_a, std::string(fill - 2 * name_length - 30, 'x')}, {name_b, true}};
      std::vector<Member> reversed(in_order.rbegin(), in_order.rend());
      for (const bool in_array : {false, true}) {
        const Value a = in_array ? Value::array({"k", object_of(in_order)}) : object_of(in_order);
        const Value b = in_array ? Value::array({"k", object_of(reversed)}) : object_of(reversed);
        EXPECT_EQ(a.hash(), b.hash()) << "fill " << fill << " name " << name_length << " in array " << in_array;
        EXPECT_EQ(hash_key(Value::array({a})), hash_key(Value::array({b}))) << "fill " << fill;
      }
    }
  }
}

// Strings of up to 8 bytes are held in the handle and written as one zero-padded word, the next
// value's bytes overwriting the padding; longer ones are copied from their node. Every length
// around the edge, a NUL inside, as an array's elements and as an object's members in both orders.
TEST(CanonicalBytes, StringsHeldInTheHandleAndInANodeWriteTheSameBytes) {
  for (std::size_t length = 0; length <= 10; ++length) {
    std::string s(length, static_cast<char>('a' + length));
    if (length >= 3) s[1] = '\0';
    const Value array = Value::array({s, 7, s, s});
    EXPECT_EQ(array.hash(), bytes_hash("[" + string_bytes(s) + int_bytes(7) + string_bytes(s) + string_bytes(s) + "]"))
        << "length " << length;
    expect_both_orders_hash_to({{"a", s}, {"b", 7}, {"c", s}},
                               object_bytes({{"a", string_bytes(s)}, {"b", int_bytes(7)}, {"c", string_bytes(s)}}));
  }
}

// Up to 16 members out of name order are sorted on the stack by position; 17 and more are sorted in
// a vector and hash from their parts. Both orders agree on each side of that line.
TEST(CanonicalBytes, UpToSixteenMembersOutOfOrderAreSortedAsWritten) {
  for (std::size_t n = 2; n <= 17; ++n) {
    std::vector<Member> in_order;
    std::vector<std::pair<std::string, std::string>> bytes;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string name = "m" + std::string(1, static_cast<char>('a' + i));
      in_order.push_back({name, static_cast<std::int64_t>(i)});
      bytes.emplace_back(name, int_bytes(static_cast<std::int64_t>(i)));
    }
    // Reversed, and the two halves swapped: a different insertion-sort path each.
    std::vector<Member> halves(in_order.begin() + static_cast<std::ptrdiff_t>(n / 2), in_order.end());
    halves.insert(halves.end(), in_order.begin(), in_order.begin() + static_cast<std::ptrdiff_t>(n / 2));
    const Value swapped = object_of(halves);
    if (n <= 16) {
      expect_both_orders_hash_to(in_order, object_bytes(bytes));
      EXPECT_EQ(swapped.hash(), bytes_hash(object_bytes(bytes))) << n << " members";
    } else {
      EXPECT_NE(object_of(in_order).hash(), bytes_hash(object_bytes(bytes)));
      EXPECT_EQ(swapped.hash(), object_of(in_order).hash());
    }
    EXPECT_EQ(key_string(Value::array({swapped})), key_string(Value::array({object_of(in_order)}))) << n;
  }
}

// FlatKey writes into its 96 inline bytes and moves to a heap string when they run out; the writer
// then goes on at the same place in the new buffer, in whatever container it was (an array, an
// object in order, one being sorted, two members written the second first, more than 16 members). A string before the object
// moves the point where the bytes outgrow the inline buffer across every step of the object.
TEST(CanonicalBytes, BytesThatOutgrowTheInlineBufferGoOnWhereTheyStopped) {
  std::vector<Member> wide;
  std::vector<std::pair<std::string, std::string>> wide_bytes;
  for (int i = 0; i < 17; ++i) {
    const std::string name = "w" + std::string(1, static_cast<char>('a' + i));
    wide.push_back({name, i});
    wide_bytes.emplace_back(name, int_bytes(i));
  }
  const Value wide_object = Value::object(std::vector<Member>(wide.rbegin(), wide.rend()));
  for (std::size_t fill = 0; fill <= 330; ++fill) {
    const std::string pad(fill, 'p');
    const Value key = Value::array(
        {pad, Value::object({{"a", 1},
                             {"b", Value::array({"xy", 2, nullptr})},
                             {"c", Value::object({{"size", 20}, {"n", std::string(12, 'n')}, {"m", true}})},
                             {"d", wide_object},
                             {"e", Value::object({{"z", 5}, {"y", "yy"}})}})});
    const std::string sorted = object_bytes({{"m", "t"}, {"n", string_bytes(std::string(12, 'n'))}, {"size", int_bytes(20)}});
    const std::string object = object_bytes({{"a", int_bytes(1)},
                                             {"b", "[" + string_bytes("xy") + int_bytes(2) + "n]"},
                                             {"c", sorted},
                                             {"d", object_bytes(wide_bytes)},
                                             {"e", object_bytes({{"y", string_bytes("yy")}, {"z", int_bytes(5)}})}});
    EXPECT_EQ(FlatKey(key).bytes(), "[" + string_bytes(pad) + object + "]") << "fill " << fill;
  }
}
