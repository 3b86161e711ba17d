// A store's change notification run ahead of the batcher's queue (store.cpp, mark_changed and
// end_batch): when the store's own dispatch holds the only batch and nothing else is queued, the
// notification is not queued but held, and runs first when that batch closes. Everything here is
// what the queue did before: the order against other jobs, the state delivered, re-entrancy, a
// batch left open by hand.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "mfstate/runtime.hpp"
#include "mfstate/store.hpp"
#include "transactions.hpp"

using namespace mfstate;

namespace {

Value counter_state(int n = 0) { return Value::object({{"count", n}}); }

Action act(std::string type, Value payload = {}) { return Action{std::move(type), std::move(payload), {}}; }

Value bump(Value state) { return std::move(state).set("count", state.get("count").as_int() + 1); }

std::int64_t count_of(const Value& state) { return state.get("count").as_int(); }

}  // namespace

TEST(StoreNotificationAhead, ItRunsBeforeWhatTheActionQueuedAfterTheChange) {
  // A's change comes first; then an action A queued to itself (run after its reducer, in the same
  // batch) changes B, whose notification is queued behind A's.
  Runtime runtime;
  Store* b_store = nullptr;
  Store* a_store = nullptr;
  Store b(counter_state(), [](Value s, const Action& a) { return a.type == "INC" ? bump(std::move(s)) : s; },
          {.batcher = &runtime.batcher()});
  Store a(counter_state(),
          [&](Value s, const Action& act_) {
            if (act_.type == "INC") {
              a_store->dispatch(act("POKE_B"));  // queued: A is busy
              return bump(std::move(s));
            }
            if (act_.type == "POKE_B") b_store->dispatch(act("INC"));
            return s;
          },
          {.batcher = &runtime.batcher()});
  a_store = &a;
  b_store = &b;
  std::vector<std::string> order;
  auto sa = a.subscribe([&](const Value& s) { order.push_back("A" + std::to_string(count_of(s))); });
  auto sb = b.subscribe([&](const Value& s) { order.push_back("B" + std::to_string(count_of(s))); });
  a.dispatch(act("INC"));
  EXPECT_EQ(order, (std::vector<std::string>{"A1", "B1"}));
  a.dispatch(act("INC"));
  EXPECT_EQ(order, (std::vector<std::string>{"A1", "B1", "A2", "B2"}));
}

TEST(StoreNotificationAhead, WhatTheReducerQueuedBeforeTheChangeRunsFirst) {
  // B changes inside A's reducer, before A's change: B's notification is already queued, so A's
  // is queued behind it, not run ahead of it.
  Runtime runtime;
  Store b(counter_state(), [](Value s, const Action& a) { return a.type == "INC" ? bump(std::move(s)) : s; },
          {.batcher = &runtime.batcher()});
  Store a(counter_state(),
          [&](Value s, const Action& a_) {
            if (a_.type != "INC") return s;
            b.dispatch(act("INC"));
            return bump(std::move(s));
          },
          {.batcher = &runtime.batcher()});
  std::vector<std::string> order;
  auto sa = a.subscribe([&](const Value&) { order.push_back("A"); });
  auto sb = b.subscribe([&](const Value&) { order.push_back("B"); });
  a.dispatch(act("INC"));
  EXPECT_EQ(order, (std::vector<std::string>{"B", "A"}));
  // And a job the batcher was handed by hand, before the change, likewise.
  Store c(counter_state(),
          [&](Value s, const Action& a_) {
            if (a_.type != "INC") return s;
            runtime.batcher().notify([&] { order.push_back("job"); });
            return bump(std::move(s));
          },
          {.batcher = &runtime.batcher()});
  auto sc = c.subscribe([&](const Value&) { order.push_back("C"); });
  c.dispatch(act("INC"));
  EXPECT_EQ(order, (std::vector<std::string>{"B", "A", "job", "C"}));
}

TEST(StoreNotificationAhead, WhatTheSubscribersDoRunsInTheSameFlushAfterTheRound) {
  // A's subscribers dispatch to B (sharing A's batcher) and to A itself; one of them throws.
  // Everything they cause is notified before A's dispatch returns, after A's round, in order; a
  // throwing subscriber stops neither the round nor what follows; and every later dispatch
  // notifies again (the batcher is left idle).
  Runtime runtime;
  std::vector<ErrorCode> errors;
  Store b(counter_state(), [](Value s, const Action& a) { return a.type == "INC" ? bump(std::move(s)) : s; },
          {.batcher = &runtime.batcher()});
  Store a(counter_state(),
          [](Value s, const Action& a_) { return a_.type == "INC" ? bump(std::move(s)) : s; },
          {.batcher = &runtime.batcher(), .on_error = [&](const Error& e) { errors.push_back(e.code()); }});
  std::vector<std::string> order;
  auto s1 = a.subscribe([&](const Value& s) {
    order.push_back("A" + std::to_string(count_of(s)));
    if (count_of(s) == 1) {
      b.dispatch(act("INC"));
      a.dispatch(act("INC"));  // queued until the round ends, then notified in the same flush
    }
  });
  auto s2 = a.subscribe([&](const Value&) { throw std::runtime_error("subscriber"); });
  auto s3 = a.subscribe([&](const Value& s) { order.push_back("a" + std::to_string(count_of(s))); });
  auto sb = b.subscribe([&](const Value& s) { order.push_back("B" + std::to_string(count_of(s))); });
  a.dispatch(act("INC"));
  EXPECT_EQ(order, (std::vector<std::string>{"A1", "a1", "B1", "A2", "a2"}));
  EXPECT_EQ(errors.size(), 2u);
  EXPECT_FALSE(runtime.batcher().in_batch());
  order.clear();
  a.dispatch(act("INC"));
  b.dispatch(act("INC"));
  EXPECT_EQ(order, (std::vector<std::string>{"A3", "a3", "B2"}));
}

TEST(StoreNotificationAhead, ASubscriberCancellingAnotherAndItselfKeepsTheRoundInOrder) {
  Store store(counter_state(),
              [](Value s, const Action& a) { return a.type == "INC" ? bump(std::move(s)) : s; });
  std::vector<std::string> order;
  Subscription second;
  Subscription first = store.subscribe([&](const Value&) {
    order.push_back("first");
    second.cancel();
    first.cancel();
  });
  second = store.subscribe([&](const Value&) { order.push_back("second"); });
  auto third =
      store.subscribe([&](const Value& s) { order.push_back("third" + std::to_string(count_of(s))); });
  store.dispatch(act("INC"));
  store.dispatch(act("INC"));
  EXPECT_EQ(order, (std::vector<std::string>{"first", "third1", "third2"}));
  EXPECT_EQ(store.subscriber_count(), 1u);
}

TEST(StoreNotificationAhead, AReducerThatThrowsNotifiesNobodyAndTheNextChangeIsNotified) {
  Store store(counter_state(), [](Value s, const Action& a) {
    if (a.type == "BOOM") throw std::runtime_error("boom");
    return a.type == "INC" ? bump(std::move(s)) : s;
  });
  std::vector<std::int64_t> seen;
  auto sub = store.subscribe([&](const Value& s) { seen.push_back(count_of(s)); });
  const Value before = store.state();
  EXPECT_THROW(store.dispatch(act("BOOM")), Error);
  EXPECT_TRUE(store.state().same_node(before));
  EXPECT_TRUE(seen.empty());
  for (int i = 0; i < 3; ++i) {
    EXPECT_THROW(store.dispatch(act("BOOM")), Error);
    store.dispatch(act("INC"));
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2, 3}));
}

TEST(StoreNotificationAhead, AMiddlewareThatThrowsAfterTheChangeStillNotifiesTheRestoredState) {
  // As before the notification was run ahead: the change was made, then undone; its notification
  // stands and delivers the state as it is (the old one).
  bool fail = true;
  Middleware late_throw = [&](const StoreRef&, Action a, const Next& next) {
    next(std::move(a));
    if (fail) throw std::runtime_error("after next");
  };
  Store store(counter_state(),
              [](Value s, const Action& a) { return a.type == "INC" ? bump(std::move(s)) : s; },
              {.middleware = {late_throw}});
  std::vector<std::int64_t> seen;
  auto sub = store.subscribe([&](const Value& s) { seen.push_back(count_of(s)); });
  EXPECT_THROW(store.dispatch(act("INC")), Error);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{0}));
  fail = false;
  store.dispatch(act("INC"));
  EXPECT_EQ(seen, (std::vector<std::int64_t>{0, 1}));
}

TEST(StoreNotificationAhead, AMiddlewareCallingNextLaterIsNotifiedThen) {
  Runtime runtime;
  std::vector<Action> held;
  std::vector<Next> nexts;
  Middleware later = [&](const StoreRef&, Action a, const Next& next) {
    held.push_back(std::move(a));
    nexts.push_back(next);
  };
  Store store(counter_state(),
              [](Value s, const Action& a) { return a.type == "INC" ? bump(std::move(s)) : s; },
              {.middleware = {later}, .batcher = &runtime.batcher()});
  std::vector<std::int64_t> seen;
  auto sub = store.subscribe([&](const Value& s) { seen.push_back(count_of(s)); });
  store.dispatch(act("INC"));
  store.dispatch(act("INC"));
  EXPECT_TRUE(seen.empty());
  nexts[0](held[0]);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1}));
  {
    Batcher::Scope batch(runtime.batcher());
    nexts[1](held[1]);
    EXPECT_EQ(seen, (std::vector<std::int64_t>{1}));  // inside a batch: when it ends
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2}));
}

TEST(StoreNotificationAhead, ABatchLeftOpenInTheActionHoldsTheNotificationUntilItEnds) {
  // The change is made while the store's dispatch holds the only batch (so its notification is
  // held to run ahead), then an action it queued to itself opens a batch by hand and leaves it
  // open: the notification waits for that batch, as it did in the queue.
  Batcher batcher;
  Store* self = nullptr;
  Store store(counter_state(),
              [&](Value s, const Action& a) {
                if (a.type == "INC_THEN_OPEN") {
                  self->dispatch(act("OPEN"));  // queued: runs after this reducer, in the same batch
                  return bump(std::move(s));
                }
                if (a.type == "OPEN") batcher.begin_batch();  // left open: the caller ends it later
                return a.type == "INC" ? bump(std::move(s)) : s;
              },
              {.batcher = &batcher});
  self = &store;
  std::vector<std::int64_t> seen;
  auto sub = store.subscribe([&](const Value& s) { seen.push_back(count_of(s)); });
  store.dispatch(act("INC_THEN_OPEN"));
  EXPECT_TRUE(seen.empty());
  EXPECT_TRUE(batcher.in_batch());
  store.dispatch(act("INC"));  // inside that batch: notified once with the first change
  EXPECT_TRUE(seen.empty());
  batcher.end_batch();
  EXPECT_EQ(seen, (std::vector<std::int64_t>{2}));
  EXPECT_FALSE(batcher.in_batch());
  for (int i = 0; i < 20; ++i) store.dispatch(act("INC"));  // the room given back: no growth
  EXPECT_EQ(seen.size(), 21u);
  EXPECT_EQ(seen.back(), 22);
}

TEST(StoreNotificationAhead, ABatchEndedByHandInTheActionLetsTheNotificationRunAtOnce) {
  // The reducer ends the batch its dispatch opened: the change comes when no batch is open, so its
  // notification is not held and runs as soon as it is queued (into the room promised to it), as
  // Batcher::notify runs a job outside a batch, not left waiting in the queue for a flush that no
  // batch will start. (The dispatch's own end then finds no batch open: an error, not pinned here.)
  Batcher batcher;
  Store store(counter_state(),
              [&](Value s, const Action& a) {
                if (a.type == "END_THEN_INC") batcher.end_batch();
                return a.type == "INC" || a.type == "END_THEN_INC" ? bump(std::move(s)) : s;
              },
              {.batcher = &batcher});
  std::vector<std::int64_t> seen;
  auto sub = store.subscribe([&](const Value& s) { seen.push_back(count_of(s)); });
  try {
    store.dispatch(act("END_THEN_INC"));
  } catch (const Error&) {
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1}));
  EXPECT_FALSE(batcher.in_batch());
  EXPECT_EQ(detail::BatcherAccess::queued(batcher), 0u);
  store.dispatch(act("INC"));
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2}));
}

TEST(StoreNotificationAhead, AStoreDestroyedByItsReducerIsNotNotified) {
  Runtime runtime;
  std::vector<std::int64_t> seen;
  std::unique_ptr<Store> store;
  store = std::make_unique<Store>(
      counter_state(),
      [&](Value s, const Action&) {
        store.reset();  // an app unmounting itself from its own reducer
        return bump(std::move(s));
      },
      StoreOptions{.batcher = &runtime.batcher()});
  auto sub = store->subscribe([&](const Value& s) { seen.push_back(count_of(s)); });
  store->dispatch(act("INC"));
  EXPECT_EQ(store, nullptr);
  EXPECT_TRUE(seen.empty());
  EXPECT_FALSE(runtime.batcher().in_batch());
}
