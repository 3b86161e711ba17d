#include <gtest/gtest.h>

#include "mfstate/store.hpp"

using namespace mfstate;

namespace {
Value reducer(Value s, const Action& a) {
  if (a.type == "INC") return s.set("count", s.get("count").as_int() + 1);
  if (a.type == "RENAME") return s.set_in({"user", "name"}, a.payload);
  return s;
}
Value initial() {
  return Value::object({{"count", 0}, {"user", Value::object({{"name", "John Doe"}, {"id", 1}})}});
}
}  // namespace

TEST(Selector, RecomputesOnlyWhenItsInputIsANewNode) {
  Store store(initial(), reducer);
  Selector upper_name([](const Value& s) {
    std::string n(s.get("user").get("name").as_string());
    for (auto& ch : n) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return Value(n);
  });
  EXPECT_EQ(upper_name(store.state()).as_string(), "JOHN DOE");
  EXPECT_EQ(upper_name(store.state()).as_string(), "JOHN DOE");
  EXPECT_EQ(upper_name.computations(), 1u);
  store.dispatch({"INC", {}, {}});
  upper_name(store.state());
  EXPECT_EQ(upper_name.computations(), 2u);  // the root changed
}

TEST(CombinedSelector, RunsTheCombinerOnlyWhenAnInputChanged) {
  Store store(initial(), reducer);
  CombinedSelector greeting({[](const Value& s) { return s.get("user"); }},
                            [](const std::vector<Value>& in) {
                              return Value("Hello, " + std::string(in[0].get("name").as_string()));
                            });
  EXPECT_EQ(greeting(store.state()).as_string(), "Hello, John Doe");
  store.dispatch({"INC", {}, {}});  // user untouched: same node
  EXPECT_EQ(greeting(store.state()).as_string(), "Hello, John Doe");
  EXPECT_EQ(greeting.computations(), 1u);
  store.dispatch({"RENAME", "Jane Roe", {}});
  EXPECT_EQ(greeting(store.state()).as_string(), "Hello, Jane Roe");
  EXPECT_EQ(greeting.computations(), 2u);
}

TEST(Selector, HoldingTheInputProtectsMemoisationFromInPlaceUpdates) {
  // A noexcept reducer updates in place only when nobody else holds the state; the selector's
  // cached input is such a holder, so the store copies and the selector sees a new node.
  Store store(initial(), [](Value s, const Action&) noexcept {
    const auto n = s.find("count")->as_int();
    return std::move(s).set("count", n + 1);
  });
  Selector count([](const Value& s) { return s.get("count"); });
  EXPECT_EQ(count(store.state()).as_int(), 0);
  store.dispatch({"INC", {}, {}});
  EXPECT_EQ(count(store.state()).as_int(), 1);
  EXPECT_EQ(count.computations(), 2u);
}
