// Reading canonical bytes back against Values (src/value_node.hpp): what the query cache's FlatKey
// lookup relies on. canonical_value_hash must give exactly Value::hash of the value the bytes
// encode (or refuse: then the cache uses the Value), and canonical_equals must be exactly Value's
// == — the confirmation of every hit, which the cache's tests cannot reach on their own (a
// probe compares hashes first, so a wrong comparison only shows on a 64-bit collision).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "mfstate/key.hpp"
#include "mfstate/value.hpp"
#include "value_node.hpp"
#include "value_respell.hpp"

using namespace mfstate;
using mfstate::testing::respell;

namespace {

Value nested(int depth, Value inner) {
  for (int i = 0; i < depth; ++i) inner = Value::array({std::move(inner)});
  return inner;
}

Value wide(int members) {
  std::vector<Member> m;
  for (int i = 0; i < members; ++i) m.push_back({"m" + std::to_string(i), i});
  return Value::object(std::move(m));
}

// Values alike in all but one detail, each kind of element a key may hold.
std::vector<Value> corpus() {
  return {
      Value(),
      Value(true),
      Value(false),
      Value(0),
      Value(1),
      Value(1.5),
      Value(-2.25),
      Value(std::numeric_limits<double>::quiet_NaN()),
      Value(std::int64_t{1} << 60),
      Value(""),
      Value("a"),
      Value("user"),
      Value("12345678"),   // the longest inline string
      Value("123456789"),  // the shortest with a node
      Value(std::string(200, 'x')),
      Value(std::string(200, 'x') + "y"),
      Value::array(),
      Value::array({1}),
      Value::array({1, 2}),
      Value::array({2, 1}),
      Value::array({Value::array({1})}),
      Value::object(),
      Value::object({{"id", 1}}),
      Value::object({{"id", 2}}),
      Value::object({{"id", "1"}}),
      Value::object({{"ie", 1}}),
      Value::object({{"id", 1}, {"page", 2}}),
      Value::object({{"id", 1}, {"x", Value()}}),
      Value::object({{"a", Value::array({1, Value::object({{"b", "c"}})})}}),
      Value::object({{"a", Value::array({1, Value::object({{"b", "d"}})})}}),
      nested(31, Value(1)),
      nested(32, Value(1)),
      nested(33, Value(1)),
      wide(16),
      wide(17),
      Value::object({{"s", std::string(300, 'b')}}),
  };
}

// The bytes of one value: its key's, without the brackets.
std::string bytes_of(const Value& v) {
  const FlatKey key(Value::array({v}));
  const std::string_view k = key.bytes();
  return std::string(k.substr(1, k.size() - 2));
}

}  // namespace

TEST(CanonicalRead, TheHashFromBytesIsTheValuesHashOrRefused) {
  for (const Value& v : corpus()) {
    std::uint64_t h = 0;
    const std::string b = bytes_of(v);
    if (detail::canonical_value_hash(b, h)) {
      EXPECT_EQ(h, v.hash()) << b.size() << " bytes";
      EXPECT_EQ(h, respell(v).hash());
    } else {
      // Refused only where the Value's hash is not XXH3 of these bytes, or nesting is deep.
      EXPECT_TRUE(b.size() > detail::canonical_hash_budget || v == wide(17) || v == nested(33, Value(1)))
          << b.size() << " bytes";
    }
  }
  std::uint64_t h;
  EXPECT_TRUE(detail::canonical_value_hash(bytes_of(nested(31, Value(1))), h));
  EXPECT_FALSE(detail::canonical_value_hash(bytes_of(nested(33, Value(1))), h));
  EXPECT_TRUE(detail::canonical_value_hash(bytes_of(wide(16)), h));
  EXPECT_FALSE(detail::canonical_value_hash(bytes_of(wide(17)), h));
}

TEST(CanonicalRead, EqualsIsKeyEqualityForEveryPair) {
  const std::vector<Value> values = corpus();
  for (const Value& a : values) {
    for (const Value& b : values) {
      std::uint64_t h;
      const std::string bytes = bytes_of(b);
      if (!detail::canonical_value_hash(bytes, h)) continue;  // not read as bytes
      EXPECT_EQ(detail::canonical_equals(a, bytes), detail::key_equal(a, b))
          << bytes_of(a).size() << " / " << bytes.size();
      EXPECT_EQ(detail::canonical_equals(respell(a), bytes), detail::key_equal(respell(a), b));
    }
  }
}

TEST(CanonicalRead, APrefixOrALongerValueIsNotEqual) {
  // The bytes end where the value does: an array that is a prefix of the other, or an object
  // with a member fewer or more, is not equal though every member read so far matched.
  EXPECT_FALSE(detail::canonical_equals(Value::array({1}), bytes_of(Value::array({1, 2}))));
  EXPECT_FALSE(detail::canonical_equals(Value::array({1, 2}), bytes_of(Value::array({1}))));
  EXPECT_FALSE(
      detail::canonical_equals(Value::object({{"id", 1}}), bytes_of(Value::object({{"id", 1}, {"p", 2}}))));
  EXPECT_FALSE(
      detail::canonical_equals(Value::object({{"id", 1}, {"p", 2}}), bytes_of(Value::object({{"id", 1}}))));
  EXPECT_TRUE(detail::canonical_equals(Value::object({{"p", 2}, {"id", 1.0}}),
                                       bytes_of(Value::object({{"id", 1}, {"p", 2}}))));
  // A NaN is a NaN as a key element (detail::key_equal), whatever its bits: its bytes hold one NaN.
  const Value nan(std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(detail::canonical_equals(nan, bytes_of(nan)));
  EXPECT_TRUE(detail::canonical_equals(Value(-nan.as_double()), bytes_of(nan)));
  EXPECT_TRUE(detail::canonical_equals(Value::object({{"x", -nan.as_double()}}),
                                       bytes_of(Value::object({{"x", nan}}))));
  EXPECT_FALSE(detail::canonical_equals(nan, bytes_of(Value(1.5))));
  EXPECT_FALSE(detail::canonical_equals(Value(1.5), bytes_of(nan)));
}

TEST(CanonicalRead, DecodeGivesAnEqualValue) {
  for (const Value& v : corpus()) {
    if (v.is_double() && std::isnan(v.as_double())) continue;
    const std::string b = bytes_of(v);
    const char* p = b.data();
    EXPECT_EQ(detail::decode_canonical(p), v);
    EXPECT_EQ(p, b.data() + b.size());
  }
}

// Value::hash writes a flat object (up to 8 members, names held inline, scalar values held in the
// handle, names in a noted order) without the canonical writer (detail::write_flat_object): its
// hash must be XXH3 of the writer's bytes all the same, for every kind of scalar, name length and
// order, and for the shapes just past what it takes (which the writer then writes).
TEST(CanonicalRead, AFlatObjectHashesAsItsCanonicalBytes) {
  const std::vector<Value> scalars = {
      Value(),     Value(true), Value(false), Value(0), Value(-1), Value(std::int64_t{1} << 60), Value(1.0),
      Value(2.5),  Value(-0.0), Value(std::numeric_limits<double>::quiet_NaN()), Value(""), Value("a"),
      Value("12345678"),   // the longest inline string
      Value("123456789"),  // a string with a node: not flat
      Value::array({1}),   // a container: not flat
  };
  const std::vector<std::string> names = {"", "a", "id", "b", "zz", std::string(15, 'n'), std::string(16, 'm')};
  std::size_t checked = 0;
  const auto check = [&](const auto& build) {
    const Value v = build();
    std::uint64_t from_bytes = 0;
    const std::string b = bytes_of(v);
    ASSERT_TRUE(detail::canonical_value_hash(b, from_bytes)) << b.size() << " bytes";
    EXPECT_EQ(build().hash(), from_bytes) << v.to_canonical_json();
    EXPECT_EQ(respell(v).hash(), from_bytes) << v.to_canonical_json();
    ++checked;
  };
  // One member: every name with every value.
  for (const std::string& name : names) {
    for (const Value& s : scalars) check([&] { return Value::object({{name, s}}); });
  }
  // 2 to 9 members in ascending and in descending name order (both noted by the builder), and in
  // neither: each value in each position.
  const char* const letters[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
  for (std::size_t n = 2; n <= 9; ++n) {
    for (const Value& s : scalars) {
      for (std::size_t at = 0; at < n; ++at) {
        std::vector<std::pair<std::string, Value>> up;
        for (std::size_t k = 0; k < n; ++k) up.emplace_back(letters[k], k == at ? s : Value(std::int64_t(k)));
        std::vector<std::pair<std::string, Value>> down(up.rbegin(), up.rend());
        std::vector<std::pair<std::string, Value>> mixed = up;
        std::swap(mixed[0], mixed[1]);
        for (const auto* members : {&up, &down, &mixed}) {
          check([&] {
            // Built from a list, as a key's parameters are: Value::object notes the order.
            const auto m = [&](std::size_t k) {
              return std::pair<std::string_view, Value>((*members)[k].first, (*members)[k].second);
            };
            switch (members->size()) {
              case 2: return Value::object({m(0), m(1)});
              case 3: return Value::object({m(0), m(1), m(2)});
              case 4: return Value::object({m(0), m(1), m(2), m(3)});
              case 5: return Value::object({m(0), m(1), m(2), m(3), m(4)});
              case 6: return Value::object({m(0), m(1), m(2), m(3), m(4), m(5)});
              case 7: return Value::object({m(0), m(1), m(2), m(3), m(4), m(5), m(6)});
              case 8: return Value::object({m(0), m(1), m(2), m(3), m(4), m(5), m(6), m(7)});
              case 9: return Value::object({m(0), m(1), m(2), m(3), m(4), m(5), m(6), m(7), m(8)});
              default: return Value();
            }
          });
        }
      }
    }
  }
  EXPECT_GT(checked, 1000u);
  // The integer hash the query cache computes in place is Value::hash's, for an integral double too.
  for (std::int64_t i : {std::int64_t{0}, std::int64_t{-1}, std::int64_t{42}, std::int64_t{1} << 53}) {
    EXPECT_EQ(detail::integer_hash(i), Value(i).hash());
    EXPECT_EQ(detail::integer_hash(i), Value(static_cast<double>(i)).hash());
  }
}
