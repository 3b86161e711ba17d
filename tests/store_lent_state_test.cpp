// A reducer that may throw, on a state nobody else holds, borrows the store's state: its
// `std::move(state).set(key, v)` of an existing member updates the root in place, and a throw
// puts every replaced member back (src/value_lend.hpp). These tests hold no copy of the store's
// state before a dispatch (a copy would make the state shared and nothing would be lent): they
// keep its node's address and its JSON instead.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <utility>

#include "mfstate/host.hpp"
#include "mfstate/store.hpp"
#include "lent_state_support.hpp"

using namespace mfstate;

namespace {

Value initial_state() { return mfstate::testing::lent_initial_state(); }

Action act(std::string type, Value payload = {}) { return Action{std::move(type), std::move(payload), {}}; }

// What a throwing dispatch must leave: the same node, the same members, the same hash.
struct Snapshot {
  const detail::Node* node;
  std::string json;
  std::uint64_t hash;
  explicit Snapshot(const Store& s)
      : node(s.state().node()), json(s.state().to_json()), hash(s.state().hash()) {}
};

void expect_unchanged(const Store& store, const Snapshot& before) {
  ASSERT_NE(before.node, nullptr);
  EXPECT_EQ(store.state().node(), before.node);
  EXPECT_EQ(store.state().to_json(), before.json);
  EXPECT_EQ(store.state().hash(), before.hash);
}

// The updates a test's reducer makes before it throws, as a function of the state.
template <typename Updates>
Store throwing_store(Updates updates) {
  return Store(initial_state(), [updates](Value state, const Action& a) {
    Value next = updates(std::move(state));
    if (a.type == "BOOM") throw std::runtime_error("boom");
    return next;
  });
}

void expect_reducer_error(Store& store) {
  try {
    store.dispatch(act("BOOM"));
    FAIL() << "dispatch should throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::reducer_error);
  }
}

}  // namespace

TEST(StoreLentState, AMayThrowReducerSettingAMemberUpdatesAnUnsharedRootInPlace) {
  Store store = throwing_store([](Value s) {
    const std::int64_t n = s.get("count").as_int();
    return std::move(s).set("count", n + 1);
  });
  int calls = 0;
  auto sub = store.subscribe([&](const Value&) { ++calls; });
  const detail::Node* root = store.state().node();
  store.dispatch(act("INC"));
  EXPECT_EQ(store.state().node(), root);  // no copy of the root
  EXPECT_EQ(calls, 1);                    // the same node, changed: a change
  // Held outside the store, the state is not lent: the root is copied, the holder keeps its count.
  const Value held = store.state();
  store.dispatch(act("INC"));
  EXPECT_NE(store.state().node(), held.node());
  EXPECT_EQ(held.get("count").as_int() + 1, store.state().get("count").as_int());
  EXPECT_EQ(calls, 2);
}

TEST(StoreLentState, AThrowAfterASetLeavesTheSameNodeWithTheSameContentAndNotifiesNobody) {
  Store store = throwing_store([](Value s) { return std::move(s).set("count", 7); });
  const Snapshot before(store);
  int calls = 0;
  auto sub = store.subscribe([&](const Value&) { ++calls; });
  expect_reducer_error(store);
  expect_unchanged(store, before);
  EXPECT_EQ(calls, 0);
  // The store goes on: the next dispatch sets the member for good.
  store.dispatch(act("INC"));
  EXPECT_EQ(store.state().get("count").as_int(), 7);
  EXPECT_EQ(calls, 1);
}

TEST(StoreLentState, AThrowAfterSeveralSetsPutsBackEveryMembersFirstValue) {
  // The same member twice, a member holding a node, and more members than the record holds
  // (the fifth distinct member is set on a copy).
  Store store = throwing_store([](Value s) {
    s = std::move(s).set("count", 1).set("count", 2).set("user", Value::object({{"name", "Ada"}}));
    return std::move(s).set("a", 10).set("b", 20).set("c", 30).set("d", 40);
  });
  const Value user = store.state().get("user");  // a reference on the member, not on the root
  const Snapshot before(store);
  expect_reducer_error(store);
  expect_unchanged(store, before);
  EXPECT_TRUE(store.state().get("user").same_node(user));
}

TEST(StoreLentState, AThrowAfterASetThenAGrowthOrAnEraseLeavesTheStateAsItWas) {
  Store grows = throwing_store([](Value s) {
    s = std::move(s).set("count", 5);
    for (int i = 0; i < 20; ++i) s = std::move(s).set("new" + std::to_string(i), i);  // bigger blocks
    return s;
  });
  const Snapshot grows_before(grows);
  expect_reducer_error(grows);
  expect_unchanged(grows, grows_before);

  Store erases =
      throwing_store([](Value s) { return std::move(s).set("count", 5).erase("user").set("a", 9); });
  const Snapshot erases_before(erases);
  expect_reducer_error(erases);
  expect_unchanged(erases, erases_before);

  Store deep = throwing_store([](Value s) {
    return std::move(s).set("count", 5).set_in({"user", "name"}, "Ada");
  });
  const Snapshot deep_before(deep);
  expect_reducer_error(deep);
  expect_unchanged(deep, deep_before);
}

TEST(StoreLentState, AHandleOnTheChangedStateThatOutlivesTheThrowKeepsWhatItSaw) {
  Value leaked;
  Store store(initial_state(), [&leaked](Value state, const Action&) -> Value {
    leaked = std::move(state).set("count", 99);
    throw std::runtime_error("after leaking");
  });
  const std::string json = store.state().to_json();
  expect_reducer_error(store);
  // The store has its old content back; the leaked handle still reads what the reducer made.
  EXPECT_EQ(store.state().to_json(), json);
  EXPECT_EQ(store.state().get("count").as_int(), 0);
  EXPECT_EQ(leaked.get("count").as_int(), 99);
  EXPECT_FALSE(leaked.same_node(store.state()));
}

TEST(StoreLentState, AStateCarriedByTheExceptionKeepsWhatItSaw) {
  struct Carrier : std::runtime_error {
    Value state;
    explicit Carrier(Value s) : std::runtime_error("carrier"), state(std::move(s)) {}
  };
  Value carried;
  Store store(initial_state(),
              [](Value state, const Action&) -> Value { throw Carrier(std::move(state).set("count", 5)); });
  const std::string json = store.state().to_json();
  try {
    store.dispatch(act("BOOM"));
    FAIL() << "dispatch should throw";
  } catch (const Error& e) {
    try {
      std::rethrow_if_nested(e);
    } catch (const Carrier& c) {
      carried = c.state;
    }
  }
  EXPECT_EQ(store.state().to_json(), json);
  EXPECT_EQ(carried.get("count").as_int(), 5);
}

TEST(StoreLentState, AReducerDispatchingToAnotherStoreThenThrowingRestoresOnlyItsOwnState) {
  Store inner(initial_state(), [](Value state, const Action&) {
    const std::int64_t n = state.get("count").as_int();
    return std::move(state).set("count", n + 1);
  });
  Store outer(initial_state(), [&inner](Value state, const Action&) -> Value {
    state = std::move(state).set("count", 3);
    inner.dispatch(act("INC"));  // lends inner's state inside outer's lending
    state = std::move(state).set("a", 4);
    throw std::runtime_error("after the inner dispatch");
  });
  const Snapshot before(outer);
  expect_reducer_error(outer);
  expect_unchanged(outer, before);
  EXPECT_EQ(inner.state().get("count").as_int(), 1);
}

TEST(StoreLentState, ATransactionRollsBackAStoreLentOnItsSecondDispatch) {
  Host host;
  App app = host.mount("a");
  app.create_store(initial_state(), [](Value state, const Action& a) {
    const std::int64_t n = state.get("count").as_int();
    state = std::move(state).set("count", n + 1);
    if (a.type == "BOOM") throw std::runtime_error("boom");
    return state;
  });
  EXPECT_THROW(host.transaction([&] {
    app.dispatch(act("INC"));   // the transaction's snapshot shares the first state: a copy
    app.dispatch(act("INC"));   // the new state is unshared: lent
    app.dispatch(act("BOOM"));  // lent, set, thrown: put back
  }),
               Error);
  EXPECT_EQ(app.state().get("count").as_int(), 0);
}

TEST(StoreLentState, ACopyTheReducerTakesOfItsStateKeepsWhatItSaw) {
  Value kept;
  Store store(initial_state(), [&kept](Value state, const Action&) {
    kept = state;  // a fourth owner: the set below must copy
    return std::move(state).set("count", 8);
  });
  store.dispatch(act("INC"));
  EXPECT_EQ(kept.get("count").as_int(), 0);
  EXPECT_EQ(store.state().get("count").as_int(), 8);
  EXPECT_FALSE(kept.same_node(store.state()));
}

TEST(StoreLentState, ALentStateCountsItsOwnersOnly) {
  std::size_t owners = 0;
  Store store(initial_state(), [&owners](Value state, const Action&) {
    owners = state.use_count();  // the store's and this argument
    return state;
  });
  store.dispatch(act("INC"));
  EXPECT_EQ(owners, 2u);
  EXPECT_EQ(store.state().use_count(), 1u);
}
