#include <gtest/gtest.h>
#include "mfstate/value.hpp"
using namespace mfstate;
TEST(ValueSmoke, ParsesAndSerialises) {
  Value v = parse_json(R"({"b":1,"a":[1,2.5,"x",null,true]})");
  EXPECT_EQ(v.to_json(), R"({"b":1,"a":[1,2.5,"x",null,true]})");
  EXPECT_EQ(v.to_canonical_json(), R"({"a":[1,2.5,"x",null,true],"b":1})");
  Value w = v.set_in({"a", 1}, 3);
  EXPECT_EQ(w.get("a").at(1).as_int(), 3);
  EXPECT_EQ(v.get("a").at(1).as_double(), 2.5);
}
