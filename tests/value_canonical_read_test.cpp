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
