// MemberName: an object member's name in 16 bytes — inline up to 15 bytes, a heap copy beyond —
// read, compared, ordered, copied and moved as the std::string it replaced was, on both sides of
// the 15-byte boundary.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "mfstate/value.hpp"

using namespace mfstate;

namespace {

// One name of each length around the inline limit.
std::vector<std::string> names_around_the_limit() {
  std::vector<std::string> out;
  for (std::size_t n : {0u, 1u, 7u, 8u, 14u, 15u, 16u, 17u, 64u}) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + i % 26));
    out.push_back(s);
  }
  return out;
}

}  // namespace

TEST(MemberName, IsSixteenBytesAndAMemberThirtyTwo) {
  EXPECT_EQ(sizeof(MemberName), 16u);
  EXPECT_EQ(sizeof(Member), 32u);
}

TEST(MemberName, ReadsBackItsBytesOnBothSidesOfTheInlineLimit) {
  for (const std::string& s : names_around_the_limit()) {
    const MemberName n(s);
    EXPECT_EQ(n.size(), s.size());
    EXPECT_EQ(n.empty(), s.empty());
    EXPECT_EQ(std::string_view(n), s);
    EXPECT_EQ(n.str(), s);
    EXPECT_EQ(std::string(n.c_str()), s) << "NUL-terminated";
    EXPECT_EQ(n.c_str()[s.size()], '\0');
    EXPECT_TRUE(n == s);
    EXPECT_TRUE(n == std::string_view(s));
    EXPECT_TRUE(n == s.c_str());
    EXPECT_TRUE(n.equals(s));
    EXPECT_FALSE(n.equals(s + "x"));
    if (!s.empty()) EXPECT_FALSE(n.equals(s.substr(0, s.size() - 1)));
  }
}

TEST(MemberName, NamesWithZeroBytesAreNotTheirPrefix) {
  const std::string with_nul("a\0b", 3);
  const MemberName n(with_nul);
  EXPECT_EQ(n.size(), 3u);
  EXPECT_TRUE(n == std::string_view(with_nul));
  EXPECT_FALSE(n == MemberName("a"));
  EXPECT_FALSE(MemberName(std::string_view("a\0", 2)) == MemberName("a"));
}

TEST(MemberName, CopiesAndMovesKeepTheNameAndLeaveTheSourceEmpty) {
  for (const std::string& s : names_around_the_limit()) {
    MemberName a(s);
    MemberName b(a);
    EXPECT_EQ(b, a);
    EXPECT_EQ(b.view(), s);
    MemberName c(std::move(a));
    EXPECT_EQ(c.view(), s);
    EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): a moved-from name is empty
    a = c;
    EXPECT_EQ(a.view(), s);
    MemberName d("x");
    d = std::move(c);
    EXPECT_EQ(d.view(), s);
    EXPECT_TRUE(c.empty());  // NOLINT(bugprone-use-after-move)
    MemberName& same = d;
    d = same;  // self-assignment keeps it
    EXPECT_EQ(d.view(), s);
  }
}

TEST(MemberName, OrdersAsStdStringDoes) {
  std::vector<std::string> strings = names_around_the_limit();
  strings.push_back("\xff");
  strings.push_back("b");
  strings.push_back("abcdefghijklmnoZ");
  std::vector<MemberName> names(strings.begin(), strings.end());
  std::sort(strings.begin(), strings.end());
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), strings.size());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(names[i].view(), strings[i]);
  EXPECT_LT(MemberName("a"), MemberName("\xff")) << "bytes compare as unsigned";
  EXPECT_LT(MemberName("ab"), std::string_view("abc"));
}

TEST(MemberName, EveryPairComparesAsItsBytes) {
  // Two inline names compare as two big-endian words (bytes 0-7; bytes 8-14 and the length):
  // names equal but for zero padding (a NUL byte), differing in byte 0, 7, 8 or 14, at every
  // length up to 15, high bytes, and heap names beside them.
  std::vector<std::string> strings = {"", std::string(1, '\0'), std::string(2, '\0'), "a", std::string("a\0", 2),
                                      "\xff", "\x80", "abcdefg", std::string("abcdefg\0", 8), "abcdefgh",
                                      "abcdefgi", "abcdefgh\x01", "abcdefghijklmn", "abcdefghijklmo",
                                      std::string("abcdefghijklmn\0", 15), "abcdefghijklmno", "abcdefghijklmnop",
                                      "abcdefghijklmno\0"};
  for (std::size_t n = 0; n <= 16; ++n) strings.push_back(std::string(n, 'z'));
  for (const std::string& a : strings) {
    for (const std::string& b : strings) {
      const int want = std::string_view(a).compare(b);
      const std::strong_ordering got = MemberName(a) <=> MemberName(b);
      EXPECT_EQ(got < 0, want < 0) << a.size() << " " << b.size();
      EXPECT_EQ(got == 0, want == 0) << a.size() << " " << b.size();
    }
  }
}

TEST(MemberName, ANameGivenTwiceToAnObjectKeepsTheLastValueAtTheFirstPlace) {
  // Objects of up to 16 members compare names without the index; above, through it.
  const Value small = Value::object({{"b", 1}, {"a", 2}, {"b", 3}, {"exactly15bytes!", 4}, {"exactly15bytes!", 5}});
  ASSERT_EQ(small.size(), 3u);
  EXPECT_EQ(small.as_object()[0].key, "b");
  EXPECT_EQ(small.get("b").as_int(), 3);
  EXPECT_EQ(small.get("exactly15bytes!").as_int(), 5);
  EXPECT_EQ(small.to_json(), R"({"b":3,"a":2,"exactly15bytes!":5})");
  const std::string long_name(20, 'q');
  const Value heap = Value::object({{long_name, 1}, {"x", 2}, {long_name, 3}});
  ASSERT_EQ(heap.size(), 2u);
  EXPECT_EQ(heap.get(long_name).as_int(), 3);
}

TEST(MemberName, HashesAsItsBytes) {
  std::unordered_set<MemberName> set;
  for (const std::string& s : names_around_the_limit()) set.insert(MemberName(s));
  for (const std::string& s : names_around_the_limit()) EXPECT_EQ(set.count(MemberName(s)), 1u);
  EXPECT_EQ(std::hash<MemberName>{}(MemberName("userId")), std::hash<std::string_view>{}("userId"));
}

TEST(MemberName, ObjectsFindMembersWithLongAndShortNames) {
  const std::string long_name(40, 'k');
  Value v = Value::object({{"id", 1}, {"exactly15bytes!", 2}, {"sixteen_bytes_xx", 3}, {long_name, 4}});
  EXPECT_EQ(v.get("id").as_int(), 1);
  EXPECT_EQ(v.get("exactly15bytes!").as_int(), 2);
  EXPECT_EQ(v.get("sixteen_bytes_xx").as_int(), 3);
  EXPECT_EQ(v.get(long_name).as_int(), 4);
  EXPECT_EQ(v.find("sixteen_bytes_x"), nullptr);
  EXPECT_EQ(v.find(long_name + "k"), nullptr);
  // A copy made by an update keeps every name (the heap one copied, not shared).
  Value w = v.set("more", 5);
  EXPECT_EQ(w.get(long_name).as_int(), 4);
  EXPECT_EQ(w.as_object()[3].key, long_name);
  EXPECT_NE(w.as_object()[3].key.data(), v.as_object()[3].key.data());
  EXPECT_EQ(v, w.erase("more"));
  EXPECT_EQ(parse_json(w.to_json()), w);
  EXPECT_EQ(parse_json(R"({"sixteen_bytes_xx":1})").as_object()[0].key, "sixteen_bytes_xx");
}

TEST(MemberName, ANameOfUpToEightBytesEqualsOnlyItsOwnBytes) {
  // equals compares a name of up to 8 bytes as one zero-padded word, built from the first and
  // last four bytes (4 to 8) or the first, middle and last byte (1 to 3): at every length, a
  // name differing from `s` in any one byte, or only by a trailing NUL, is not `s`.
  for (std::size_t n = 0; n <= 9; ++n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + i));
    const MemberName name(s);
    EXPECT_TRUE(name.equals(s)) << n;
    EXPECT_FALSE(name.equals(s + '\0')) << n;
    EXPECT_FALSE(MemberName(s + '\0').equals(s)) << n;
    for (std::size_t i = 0; i < n; ++i) {
      for (char c : {'\0', 'Z', '\xff'}) {
        std::string other = s;
        other[i] = c;
        EXPECT_FALSE(name.equals(other)) << n << " byte " << i;
        EXPECT_FALSE(MemberName(other).equals(s)) << n << " byte " << i;
        EXPECT_TRUE(MemberName(other).equals(other)) << n << " byte " << i;
      }
    }
  }
}

TEST(MemberName, ALiteralFindsItsMemberAndNoOther) {
  // A literal's padded word is folded at compile time: the same answers as a run-time string.
  const Value v =
      Value::object({{"coun", 1}, {"count", 2}, {"counts", 3}, {"n", 4}, {"m", 5}, {"countXYZ", 6}});
  EXPECT_EQ(v.get("count").as_int(), 2);
  EXPECT_EQ(v.get("coun").as_int(), 1);
  EXPECT_EQ(v.get("counts").as_int(), 3);
  EXPECT_EQ(v.get("n").as_int(), 4);
  EXPECT_EQ(v.get("m").as_int(), 5);
  EXPECT_EQ(v.get("countXYZ").as_int(), 6);
  EXPECT_EQ(v.find("counT"), nullptr);
  EXPECT_EQ(v.find("cou"), nullptr);
  EXPECT_EQ(v.find("countXYz"), nullptr);
  EXPECT_EQ(v.find(""), nullptr);
  EXPECT_EQ(Value::object({{"", 7}}).get("").as_int(), 7);
}
