// Inside a transaction, a store whose state is an object nobody else holds is still lent to its
// reducer (src/value_lend.hpp): the transaction's record of the store (src/transactions.hpp)
// holds the same node and keeps the first value of each member replaced in place, where it used
// to hold a second reference that made every reducer copy the root. These tests pin that the
// root is updated in place, and that every way of ending the transaction — commit, rollback,
// nested frames, a reducer's own throw, a reader holding the state meanwhile — leaves exactly the
// state the frame first saw, or the one it made, and never changes what a reader holds.
//
// They hold no copy of the store's state across a dispatch unless the test is about a reader (a
// copy makes the state shared and nothing is lent): they keep its node's address and JSON.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "host_test_support.hpp"
#include "mfstate/host.hpp"
#include "mfstate/store.hpp"
#include "transactions.hpp"
#include "lent_state_support.hpp"

using namespace mfstate;

namespace {

Value initial_state() { return mfstate::testing::lent_initial_state(); }

using host_test::act;

// What a test's dispatch should leave: the same node, the same members, the same hash.
struct Seen {
  const detail::Node* node;
  std::string json;
  std::uint64_t hash;
  explicit Seen(const Store& s) : node(s.state().node()), json(s.state().to_json()), hash(s.state().hash()) {}
};

void expect_as_seen(const Store& store, const Seen& seen) {
  ASSERT_NE(seen.node, nullptr);
  EXPECT_EQ(store.state().node(), seen.node);
  EXPECT_EQ(store.state().to_json(), seen.json);
  EXPECT_EQ(store.state().hash(), seen.hash);
}

std::int64_t count_of(const Store& s) { return s.state().get("count").as_int(); }

// A reducer that may throw. INC: count + 1. SET: sets each member of the payload object, in its
// order. SET_THEN_BOOM: the same, then throws. REPLACE: sets count to 100, then returns a new root.
Value test_reducer(Value s, const Action& a) {
  if (a.type == "INC") {
    const std::int64_t n = s.get("count").as_int();
    return std::move(s).set("count", n + 1);
  }
  if (a.type == "SET" || a.type == "SET_THEN_BOOM") {
    for (const Member& m : a.payload.as_object()) s = std::move(s).set(m.key, m.value);
    if (a.type == "SET_THEN_BOOM") throw std::runtime_error("boom");
    return s;
  }
  if (a.type == "REPLACE") {
    s = std::move(s).set("count", 100);
    return Value::object({{"count", -1}});
  }
  return s;
}

// A store on its own batcher, which the test opens transactions on.
struct Fixture {
  Batcher batcher;
  Store store{initial_state(), test_reducer, StoreOptions{.batcher = &batcher}};
  int notified = 0;
  Subscription sub = store.subscribe([this](const Value&) { ++notified; });

  void begin() { detail::tx_begin(batcher); }
  void commit() { detail::tx_commit(batcher); }
  void rollback() { detail::tx_rollback(batcher); }
  void expect_reducer_error(Action a) {
    try {
      store.dispatch(std::move(a));
      ADD_FAILURE() << "dispatch should throw";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::reducer_error);
    }
  }
};

}  // namespace

TEST(TransactionLentState, AReducerInsideATransactionUpdatesTheRootInPlaceAndCommitKeepsIt) {
  Fixture f;
  const detail::Node* root = f.store.state().node();
  f.begin();
  f.store.dispatch(act("INC"));
  EXPECT_EQ(f.store.state().node(), root);  // no copy of the root
  f.store.dispatch(act("INC"));
  EXPECT_EQ(f.store.state().node(), root);
  EXPECT_EQ(f.notified, 0);
  f.commit();
  EXPECT_EQ(f.store.state().node(), root);
  EXPECT_EQ(count_of(f.store), 2);
  EXPECT_EQ(f.notified, 1);
  EXPECT_EQ(f.store.state().use_count(), 1u);  // the record let go of it
}

TEST(TransactionLentState, RollbackAfterSeveralReducesPutsBackEachMembersFirstValueInPlace) {
  Fixture f;
  const Seen before(f.store);
  f.begin();
  f.store.dispatch(act("INC"));
  f.store.dispatch(act("SET", Value::object({{"a", 10}, {"count", 50}})));
  f.store.dispatch(act("INC"));
  EXPECT_EQ(f.store.state().node(), before.node);
  EXPECT_EQ(count_of(f.store), 51);
  f.rollback();
  expect_as_seen(f.store, before);
  EXPECT_EQ(f.notified, 0);
}

TEST(TransactionLentState, MoreMembersThanTheRecordHoldsCopyTheRootAndRollbackStillRestoresIt) {
  // The record holds four members' first values: the first reduce takes three, the second sets
  // one of them again and two new ones — the second new one goes to a copy of the root. The node
  // the frame first saw, changed in place, is then held by the record alone.
  Fixture f;
  const Seen before(f.store);
  f.begin();
  f.store.dispatch(act("SET", Value::object({{"a", 10}, {"b", 20}, {"c", 30}})));
  EXPECT_EQ(f.store.state().node(), before.node);
  f.store.dispatch(act("SET", Value::object({{"c", 31}, {"d", 40}, {"count", 7}})));
  EXPECT_NE(f.store.state().node(), before.node);
  EXPECT_EQ(f.store.state().to_json(),
            R"({"count":7,"user":{"name":"John Doe"},"a":10,"b":20,"c":31,"d":40})");
  f.store.dispatch(act("INC"));  // on the copy, which nobody else holds: lent, nothing recorded
  EXPECT_EQ(count_of(f.store), 8);
  f.rollback();
  expect_as_seen(f.store, before);
}

TEST(TransactionLentState, FiveMembersInOneReduceAreSetOnACopyAndRollbackRestoresTheFirstNode) {
  Fixture f;
  const Seen before(f.store);
  f.begin();
  f.store.dispatch(act("SET", Value::object({{"a", 10}, {"b", 20}, {"c", 30}, {"d", 40}, {"count", 5}})));
  EXPECT_EQ(f.store.state().to_json(),
            R"({"count":5,"user":{"name":"John Doe"},"a":10,"b":20,"c":30,"d":40})");
  f.rollback();
  expect_as_seen(f.store, before);
}

TEST(TransactionLentState, AReaderHoldingTheStateMidTransactionKeepsWhatItSawThroughReduceAndRollback) {
  Fixture f;
  const std::string initial = f.store.state().to_json();
  f.begin();
  f.store.dispatch(act("INC"));  // in place: count 1
  const Value held = f.store.state();
  const std::string held_json = held.to_json();
  f.store.dispatch(act("INC"));  // shared now: the reducer copies, `held` keeps count 1
  EXPECT_NE(f.store.state().node(), held.node());
  EXPECT_EQ(count_of(f.store), 2);
  f.rollback();
  // The recorded state is rebuilt on a copy: the node the reader holds is not undone under it.
  EXPECT_EQ(held.to_json(), held_json);
  EXPECT_EQ(held.get("count").as_int(), 1);
  EXPECT_EQ(f.store.state().to_json(), initial);
  EXPECT_NE(f.store.state().node(), held.node());
}

TEST(TransactionLentState, AReaderTakingTheStateJustBeforeRollbackKeepsItAndTheStoreGetsTheOldOne) {
  Fixture f;
  const std::string initial = f.store.state().to_json();
  f.begin();
  f.store.dispatch(act("SET", Value::object({{"a", 10}, {"user", "gone"}})));
  const Value held = f.store.state();
  f.rollback();
  EXPECT_EQ(held.to_json(), R"({"count":0,"user":"gone","a":10,"b":2,"c":3,"d":4})");
  EXPECT_EQ(f.store.state().to_json(), initial);
  EXPECT_EQ(f.store.state().get("user").get("name").as_string(), "John Doe");
}

TEST(TransactionLentState, AReaderOfACopyMadeMidTransactionIsNotTakenForTheRecord) {
  // The record holds the first node; the state is a copy a reader also holds (two owners, as a
  // node lent with its record has): the next reduce must copy again, not write into the reader's.
  Fixture f;
  const std::string initial = f.store.state().to_json();
  f.begin();
  f.store.dispatch(act("INC"));
  {
    const Value first = f.store.state();
    f.store.dispatch(act("INC"));  // copied: the record keeps the first node
  }
  const Value second = f.store.state();
  f.store.dispatch(act("INC"));
  EXPECT_EQ(second.get("count").as_int(), 2);
  EXPECT_EQ(count_of(f.store), 3);
  f.rollback();
  EXPECT_EQ(second.get("count").as_int(), 2);
  EXPECT_EQ(f.store.state().to_json(), initial);
}

TEST(TransactionLentState, AReaderThatLetGoBeforeRollbackLeavesTheNodeToBeRestoredInPlace) {
  Fixture f;
  const Seen before(f.store);
  f.begin();
  f.store.dispatch(act("INC"));
  { const Value held = f.store.state(); }
  f.store.dispatch(act("INC"));  // nobody else holds it again: still in place
  EXPECT_EQ(f.store.state().node(), before.node);
  f.rollback();
  expect_as_seen(f.store, before);
}

TEST(TransactionLentState, AReducerThrowingAfterInPlaceSetsUndoesItsOwnAndTheTransactionUndoesTheRest) {
  Fixture f;
  const Seen before(f.store);
  f.begin();
  f.store.dispatch(act("INC"));  // count 1, recorded by the transaction
  const Seen after_inc(f.store);
  f.expect_reducer_error(act("SET_THEN_BOOM", Value::object({{"count", 99}, {"a", 10}})));
  expect_as_seen(f.store, after_inc);  // the reducer's own undo: the state before it ran
  f.store.dispatch(act("SET", Value::object({{"b", 20}})));
  f.rollback();
  expect_as_seen(f.store, before);
}

TEST(TransactionLentState, AReducerThrowingAfterInPlaceSetsThenCommitKeepsTheStateBeforeIt) {
  Fixture f;
  const detail::Node* root = f.store.state().node();
  f.begin();
  f.store.dispatch(act("INC"));
  f.expect_reducer_error(act("SET_THEN_BOOM", Value::object({{"count", 99}, {"a", 10}})));
  f.commit();
  EXPECT_EQ(f.store.state().node(), root);
  EXPECT_EQ(f.store.state().to_json(), R"({"count":1,"user":{"name":"John Doe"},"a":1,"b":2,"c":3,"d":4})");
  EXPECT_EQ(f.notified, 1);
}

TEST(TransactionLentState, AHandleEscapingAThrowingReducerKeepsItsViewAndRollbackRestoresTheFirstState) {
  // The reducer keeps the changed root and throws: the store gets a copy of its state before the
  // reducer, the escaped node keeps the reducer's members — and the transaction's record, still
  // on that node, must learn what this reducer replaced as well as what the first one did.
  Batcher batcher;
  Value escaped;
  Store store(
      initial_state(),
      [&escaped](Value s, const Action& a) {
        if (a.type == "KEEP_THEN_BOOM") {
          s = std::move(s).set("count", 99).set("a", 10);
          escaped = s;
          throw std::runtime_error("boom");
        }
        return test_reducer(std::move(s), a);
      },
      StoreOptions{.batcher = &batcher});
  const std::string initial = store.state().to_json();
  detail::tx_begin(batcher);
  store.dispatch(act("INC"));
  EXPECT_THROW(store.dispatch(act("KEEP_THEN_BOOM")), Error);
  EXPECT_EQ(store.state().to_json(), R"({"count":1,"user":{"name":"John Doe"},"a":1,"b":2,"c":3,"d":4})");
  EXPECT_EQ(escaped.to_json(), R"({"count":99,"user":{"name":"John Doe"},"a":10,"b":2,"c":3,"d":4})");
  detail::tx_rollback(batcher);
  EXPECT_EQ(store.state().to_json(), initial);
  EXPECT_EQ(escaped.to_json(), R"({"count":99,"user":{"name":"John Doe"},"a":10,"b":2,"c":3,"d":4})");
  // The escaped node was not put back in place: the store holds another one.
  EXPECT_NE(store.state().node(), escaped.node());
}

TEST(TransactionLentState, InnerRollbackRestoresTheInnerStartAndOuterRollbackTheOuterStart) {
  Fixture f;
  const Seen before(f.store);
  f.begin();
  f.store.dispatch(act("INC"));  // in place, recorded by the outer frame
  const std::string outer_json = f.store.state().to_json();
  f.begin();
  f.store.dispatch(act("INC"));  // the inner record holds the node too: copied
  f.store.dispatch(act("SET", Value::object({{"a", 10}})));
  EXPECT_EQ(count_of(f.store), 2);
  f.rollback();
  EXPECT_EQ(f.store.state().node(), before.node);
  EXPECT_EQ(f.store.state().to_json(), outer_json);
  f.store.dispatch(act("INC"));  // the outer record alone holds it again: in place
  EXPECT_EQ(f.store.state().node(), before.node);
  f.rollback();
  expect_as_seen(f.store, before);
}

TEST(TransactionLentState, AnInnerFrameCommittingPassesItsMemberUndoToTheOuterOneWhichRollsItBack) {
  Fixture f;
  const Seen before(f.store);
  f.begin();
  f.begin();
  f.store.dispatch(act("SET", Value::object({{"a", 10}, {"count", 3}})));  // in place, inner record
  EXPECT_EQ(f.store.state().node(), before.node);
  f.commit();  // the outer frame did not know the store: it takes the record
  f.store.dispatch(act("SET", Value::object({{"a", 11}, {"b", 20}})));  // in place, the same record
  EXPECT_EQ(f.store.state().node(), before.node);
  EXPECT_EQ(f.store.state().to_json(), R"({"count":3,"user":{"name":"John Doe"},"a":11,"b":20,"c":3,"d":4})");
  f.rollback();
  expect_as_seen(f.store, before);
}

TEST(TransactionLentState, AnInnerCommitOverAnOuterRecordOfAnotherNodeDropsTheInnerUndo) {
  // The outer frame's record is on the first node (changed in place, then copied because a
  // reader held it); the inner frame lends the copy and commits. The outer rollback must give
  // back the first node's state, whatever the inner frame did to the copy.
  Fixture f;
  const std::string initial = f.store.state().to_json();
  f.begin();
  f.store.dispatch(act("INC"));
  {
    const Value held = f.store.state();
    f.store.dispatch(act("INC"));  // copied: the outer record keeps the first node
  }
  f.begin();
  f.store.dispatch(act("SET", Value::object({{"a", 10}})));
  f.commit();
  EXPECT_EQ(f.store.state().to_json(), R"({"count":2,"user":{"name":"John Doe"},"a":10,"b":2,"c":3,"d":4})");
  f.rollback();
  EXPECT_EQ(f.store.state().to_json(), initial);
}

TEST(TransactionLentState, AReducerDispatchingToManyStoresFindsItsRecordAgainAfterTheFrameGrew) {
  // While the lent reducer runs, it dispatches to twenty other stores: the frame records each,
  // its records move to a bigger block, and the reducer's record must be found again (a stale
  // one is a use after free under ASan, and a lost undo here). Each of those stores' reducer
  // also keeps a copy of the first store's state, as another app's reducer reading it would.
  Batcher batcher;
  std::vector<Value> seen;
  std::vector<std::unique_ptr<Store>> others;
  Store* first = nullptr;
  for (int i = 0; i < 20; ++i) {
    others.push_back(std::make_unique<Store>(
        Value(0),
        [&seen, &first](Value s, const Action&) {
          seen.push_back(first->state());
          return Value(s.as_int() + 1);
        },
        StoreOptions{.batcher = &batcher}));
  }
  Store store(
      initial_state(),
      [&others](Value s, const Action& a) {
        s = std::move(s).set("count", 7);
        for (auto& o : others) o->dispatch(act("X"));
        s = std::move(s).set("a", 10);
        if (a.type == "BOOM") throw std::runtime_error("boom");
        return s;
      },
      StoreOptions{.batcher = &batcher});
  first = &store;
  const Seen before(store);
  for (const bool boom : {false, true}) {
    seen.clear();
    detail::tx_begin(batcher);
    if (boom) {
      EXPECT_THROW(store.dispatch(act("BOOM")), Error);
      EXPECT_EQ(store.state().to_json(), before.json);  // the reducer's own undo (on a copy:
                                                        // the readers hold the node)
    } else {
      store.dispatch(act("SET"));
      EXPECT_EQ(store.state().get("a").as_int(), 10);
    }
    // What the other reducers saw mid-reducer: the count set in place, not yet `a`.
    ASSERT_EQ(seen.size(), 20u);
    EXPECT_EQ(seen.back().get("count").as_int(), 7);
    EXPECT_EQ(seen.back().get("a").as_int(), 1);
    detail::tx_rollback(batcher);
    EXPECT_EQ(store.state().to_json(), before.json);
    EXPECT_EQ(store.state().hash(), before.hash);
    for (auto& o : others) EXPECT_EQ(o->state().as_int(), 0);
    EXPECT_EQ(seen.back().get("count").as_int(), 7);  // a reader keeps what it saw
  }
}

TEST(TransactionLentState, ARootReplacedAfterAnInPlaceSetIsUndoneToTheFirstNode) {
  Fixture f;
  const Seen before(f.store);
  f.begin();
  f.store.dispatch(act("REPLACE"));  // count set in place on the first node, then a new root
  EXPECT_EQ(f.store.state().to_json(), R"({"count":-1})");
  f.store.dispatch(act("INC"));
  f.rollback();
  expect_as_seen(f.store, before);
}

TEST(TransactionLentState, ANoexceptReducerIsLentToo) {
  Batcher batcher;
  Store store(
      initial_state(),
      [](Value s, const Action&) noexcept {
        const std::int64_t n = s.get("count").as_int();
        return std::move(s).set("count", n + 1);
      },
      StoreOptions{.batcher = &batcher});
  const Seen before(store);
  detail::tx_begin(batcher);
  store.dispatch(act("INC"));
  store.dispatch(act("INC"));
  EXPECT_EQ(store.state().node(), before.node);
  EXPECT_EQ(count_of(store), 2);
  detail::tx_rollback(batcher);
  expect_as_seen(store, before);
}

TEST(TransactionLentState, ANonObjectStateIsRecordedAndRestoredAsBefore) {
  Batcher batcher;
  Store counter(
      Value(5), [](Value s, const Action&) { return Value(s.as_int() + 1); },
      StoreOptions{.batcher = &batcher});
  Store list(
      Value::array({1, 2}), [](Value s, const Action&) { return std::move(s).set(std::size_t{0}, 9); },
      StoreOptions{.batcher = &batcher});
  const Value list_before = list.state();
  detail::tx_begin(batcher);
  counter.dispatch(act("X"));
  list.dispatch(act("X"));
  EXPECT_EQ(counter.state().as_int(), 6);
  EXPECT_EQ(list.state().to_json(), "[9,2]");
  detail::tx_rollback(batcher);
  EXPECT_EQ(counter.state().as_int(), 5);
  EXPECT_TRUE(list.state().same_node(list_before));
  EXPECT_EQ(list.state().to_json(), "[1,2]");
}

TEST(TransactionLentState, AStoreDestroyedInsideTheTransactionIsRolledBackOrCommittedSafely) {
  for (const bool roll_back : {true, false}) {
    Batcher batcher;
    auto store = std::make_unique<Store>(initial_state(), test_reducer, StoreOptions{.batcher = &batcher});
    const StoreRef ref = store->ref();
    detail::tx_begin(batcher);
    store->dispatch(act("SET", Value::object({{"a", 10}, {"user", "x"}})));
    store.reset();  // the record keeps the core (and its node) until the frame ends
    if (roll_back) {
      detail::tx_rollback(batcher);
    } else {
      detail::tx_commit(batcher);
    }
    EXPECT_FALSE(ref.alive());
  }
}

TEST(TransactionLentState, WhatTheRecordKeptIsReleasedAtTheEndWhateverTheEnd) {
  // The member a reduce replaced in place is kept by the record (for a rollback) and by nobody
  // once the transaction is over.
  for (const bool roll_back : {true, false}) {
    Fixture f;
    const Value user = f.store.state().get("user");
    EXPECT_EQ(user.use_count(), 2u);  // the state's member and this handle
    f.begin();
    for (int i = 0; i < 100; ++i) {
      f.store.dispatch(act("SET", Value::object({{"user", Value::object({{"name", std::to_string(i)}})}})));
    }
    EXPECT_EQ(user.use_count(), 2u);  // the record's first value and this handle, once
    if (roll_back) {
      f.rollback();
      EXPECT_TRUE(f.store.state().get("user").same_node(user));
      EXPECT_EQ(user.use_count(), 2u);
    } else {
      f.commit();
      EXPECT_EQ(f.store.state().get("user").get("name").as_string(), "99");
      EXPECT_EQ(user.use_count(), 1u);
    }
    EXPECT_EQ(f.store.state().use_count(), 1u);
  }
}

// ---- through the Host: a broadcast's transaction, a reader of another app ----

TEST(TransactionLentState, ABroadcastTransactionUpdatesEveryTargetsRootInPlace) {
  using host_test::user_state;
  Host host;
  auto reducer = [](Value s, const Action& a) {
    if (a.type != "INC") return s;
    const std::int64_t n = s.get("count").as_int();
    return std::move(s).set("count", n + 1);
  };
  App a = host.mount("a");
  App b = host.mount("b");
  a.create_store(user_state(), reducer);
  b.create_store(user_state(), reducer);
  a.accept("INC");
  b.accept("INC");
  const detail::Node* root_a = a.state().node();
  const detail::Node* root_b = b.state().node();
  EXPECT_EQ(a.broadcast(act("INC")), 2u);
  EXPECT_EQ(a.state().node(), root_a);
  EXPECT_EQ(b.state().node(), root_b);
  EXPECT_EQ(b.state().get("count").as_int(), 1);
}

TEST(TransactionLentState, AHostTransactionRolledBackAfterAnotherAppReadAnExportKeepsTheReadValue) {
  using host_test::user_state;
  Host host;
  App a = host.mount("a");
  App b = host.mount("b");
  a.create_store(user_state(), [](Value s, const Action& act_) {
    if (act_.type != "INC") return s;
    const std::int64_t n = s.get("count").as_int();
    return std::move(s).set("count", n + 1);
  });
  a.expose("all", [](const Value& s) { return s; });  // the export is the state itself
  const std::string initial = a.state().to_json();
  Value read_inside;
  EXPECT_THROW(host.transaction([&] {
    a.dispatch(act("INC"));
    read_inside = b.read("a", "all");  // the export's memo and this handle hold the node
    a.dispatch(act("INC"));
    throw std::runtime_error("abort");
  }),
               std::runtime_error);
  EXPECT_EQ(read_inside.get("count").as_int(), 1);
  EXPECT_EQ(a.state().to_json(), initial);
  EXPECT_EQ(b.read("a", "all").get("count").as_int(), 0);
}

TEST(TransactionLentState, AnAppUnmountedInsideAHostTransactionEndsItSafelyEitherWay) {
  // The record keeps the unmounted app's store (and the node it changed in place) until the
  // transaction ends: a rollback writes into a store nobody can reach any more, a commit lets go.
  for (const bool roll_back : {true, false}) {
    Host host;
    App a = host.mount("a");
    App b = host.mount("b");
    auto reducer = [](Value s, const Action& act_) {
      if (act_.type != "INC") return s;
      const std::int64_t n = s.get("count").as_int();
      return std::move(s).set("count", n + 1);
    };
    a.create_store(host_test::user_state(), reducer);
    b.create_store(host_test::user_state(), reducer);
    b.accept("INC");
    auto body = [&] {
      a.dispatch(act("INC"));
      a.send("b", act("INC"));
      a.unmount();
      if (roll_back) throw std::runtime_error("abort");
    };
    if (roll_back) {
      EXPECT_THROW(host.transaction(body), std::runtime_error);
      EXPECT_EQ(b.state().get("count").as_int(), 0);
    } else {
      host.transaction(body);
      EXPECT_EQ(b.state().get("count").as_int(), 1);
    }
    EXPECT_FALSE(a.mounted());
  }
}
