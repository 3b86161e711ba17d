// A dispatch a busy store queues inside a transaction (a reducer, middleware or subscriber
// dispatching to its own store while a nested transaction is open) is that transaction's: its
// rollback drops it unrun, and what the enclosing frame did before (queued dispatches included)
// stands. The store's queue outlives the frame here: the store is busy with the action that
// opened it, and drains the queue only after the frame has ended.
#include <gtest/gtest.h>

#include "host_test_support.hpp"

using namespace mfstate;
using namespace host_test;

namespace {

// An app whose reducer runs `on_open` when it reduces "OPEN" (the reducer is the store's, so
// its store is busy meanwhile: a dispatch to it from there is queued).
struct ReducerOpensATransaction {
  Errors errors;
  Host host{HostOptions{.on_error = errors.handler()}};
  App a = host.mount("a");
  std::function<void()> on_open;
  ReducerOpensATransaction() {
    a.create_store(user_state(), [this](Value s, const Action& act) {
      if (act.type == "OPEN") {
        s = std::move(s).set("opened", true);
        if (on_open) on_open();
        return s;
      }
      return app_reducer(std::move(s), act);
    });
  }
  std::int64_t count() const { return a.state().get("count").as_int(); }
};

// Two apps with plain counting reducers; b accepts "INC".
struct Fixture {
  Host host;
  App a = host.mount("a");
  App b = host.mount("b");
  Fixture() {
    a.create_store(user_state(), app_reducer);
    b.create_store(user_state(), app_reducer);
    b.accept("INC");
  }
};

void rolled_back(App& app, const std::function<void()>& body) {
  try {
    app.transaction([&] {
      body();
      throw std::runtime_error("undo");
    });
  } catch (const std::runtime_error&) {
  }
}

}  // namespace

TEST(HostTransactionQueuedDispatch, AReducersSelfDispatchInARolledBackTransactionIsDropped) {
  ReducerOpensATransaction f;
  f.on_open = [&] { rolled_back(f.a, [&] { f.a.dispatch(act("ADD", 5)); }); };
  f.host.transaction([&] { f.a.dispatch(act("OPEN")); });
  EXPECT_EQ(f.count(), 0);
  EXPECT_TRUE(f.a.state().get("opened").as_bool());  // the enclosing frame's own change stands
  EXPECT_TRUE(f.errors.list.empty());
}

TEST(HostTransactionQueuedDispatch, WithoutAnEnclosingTransactionToo) {
  ReducerOpensATransaction f;
  f.on_open = [&] { rolled_back(f.a, [&] { f.a.dispatch(act("ADD", 5)); }); };
  f.a.dispatch(act("OPEN"));
  EXPECT_EQ(f.count(), 0);
  EXPECT_TRUE(f.a.state().get("opened").as_bool());
}

TEST(HostTransactionQueuedDispatch, WhatTheEnclosingFrameQueuedBeforeStands) {
  ReducerOpensATransaction f;
  f.on_open = [&] {
    f.a.dispatch(act("ADD", 1));  // queued in the enclosing frame: kept
    rolled_back(f.a, [&] {
      f.a.dispatch(act("ADD", 10));
      f.a.transaction([&] { f.a.dispatch(act("ADD", 100)); });  // committed into the rolled-back one
    });
    f.a.dispatch(act("ADD", 1000));  // queued in the enclosing frame after the rollback: kept
  };
  std::vector<std::int64_t> seen;
  auto s = f.a.subscribe([&](const Value& st) { seen.push_back(st.get("count").as_int()); });
  f.host.transaction([&] { f.a.dispatch(act("OPEN")); });
  EXPECT_EQ(f.count(), 1001);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1001}));
}

TEST(HostTransactionQueuedDispatch, AnOuterRollbackDropsWhatACommittedInnerOneQueued) {
  ReducerOpensATransaction f;
  Value before = f.a.state();
  f.on_open = [&] {
    f.a.transaction([&] { f.a.dispatch(act("ADD", 5)); });
    throw std::runtime_error("outer");
  };
  EXPECT_THROW(f.host.transaction([&] { f.a.dispatch(act("OPEN")); }), Error);
  EXPECT_TRUE(f.a.state().same_node(before));
}

TEST(HostTransactionQueuedDispatch, ATransactionCommittedEarlierKeepsItsDispatchFromALaterRollback) {
  // The frames' serials start again once no transaction is open: a dispatch queued by a committed
  // outermost transaction must not pass for a later one's (same serial) and be dropped with it.
  ReducerOpensATransaction f;
  f.on_open = [&] {
    f.a.transaction([&] { f.a.dispatch(act("ADD", 5)); });
    rolled_back(f.a, [&] { f.a.dispatch(act("ADD", 10)); });
  };
  f.a.dispatch(act("OPEN"));
  EXPECT_EQ(f.count(), 5);
}

TEST(HostTransactionQueuedDispatch, ASubscribersSelfDispatchInARolledBackTransactionIsDropped) {
  Fixture f;
  bool once = true;
  std::vector<std::int64_t> seen;
  auto s = f.a.subscribe([&](const Value& st) {
    seen.push_back(st.get("count").as_int());
    if (!std::exchange(once, false)) return;
    f.a.dispatch(act("ADD", 1));  // queued (the store is delivering), outside any transaction: kept
    rolled_back(f.a, [&] { f.a.dispatch(act("ADD", 10)); });
  });
  f.a.dispatch(act("INC"));
  EXPECT_EQ(f.a.state().get("count").as_int(), 2);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2}));
}

TEST(HostTransactionQueuedDispatch, AMiddlewaresSelfDispatchInARolledBackTransactionIsDropped) {
  Host host;
  App a = host.mount("a");
  bool open = true;
  a.create_store(user_state(), app_reducer, {[&](const StoreRef&, Action action, const Next& next) {
                   next(std::move(action));
                   if (!std::exchange(open, false)) return;
                   rolled_back(a, [&] { a.dispatch(act("ADD", 10)); });
                 }});
  a.dispatch(act("INC"));
  EXPECT_EQ(a.state().get("count").as_int(), 1);
}

TEST(HostTransactionQueuedDispatch, TheDroppedDispatchGoesWithWhatElseTheFrameUndid) {
  // a's subscriber opens the transaction: a is busy (delivering), so its own dispatch waits in
  // a's queue while b, idle, is reduced in the frame; the rollback undoes both.
  Fixture f;
  bool once = true;
  auto s = f.a.subscribe([&](const Value&) {
    if (!std::exchange(once, false)) return;
    rolled_back(f.a, [&] {
      f.a.send("b", act("INC"));
      f.a.dispatch(act("ADD", 10));
    });
  });
  f.a.dispatch(act("INC"));
  EXPECT_EQ(f.a.state().get("count").as_int(), 1);
  EXPECT_EQ(f.b.state().get("count").as_int(), 0);
}
