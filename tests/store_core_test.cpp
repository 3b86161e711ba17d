#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "mfstate/runtime.hpp"
#include "mfstate/store.hpp"

using namespace mfstate;

namespace {

Value counter_state(int n = 0) {
  return Value::object({{"count", n}, {"user", Value::object({{"name", "John Doe"}})}});
}

// May throw (not noexcept): the store hands it a shared copy.
Value counter_reducer(Value state, const Action& a) {
  if (a.type == "INC") return state.set("count", state.get("count").as_int() + 1);
  if (a.type == "ADD") return state.set("count", state.get("count").as_int() + a.payload.as_int());
  if (a.type == "BOOM") throw std::runtime_error("boom");
  if (a.type == "RENAME") return state.set_in({"user", "name"}, a.payload);
  return state;
}

Action act(std::string type, Value payload = {}) { return Action{std::move(type), std::move(payload), {}}; }

}  // namespace

TEST(Store, DispatchRunsTheReducerAndNotifiesSubscribersWithTheNewState) {
  Store store(counter_state(), counter_reducer);
  std::vector<std::int64_t> seen;
  auto sub = store.subscribe([&](const Value& s) { seen.push_back(s.get("count").as_int()); });
  store.dispatch(act("INC"));
  store.dispatch(act("ADD", 5));
  EXPECT_EQ(store.state().get("count").as_int(), 6);
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 6}));
}

TEST(Store, AnIgnoredActionKeepsTheSameStateNodeAndNotifiesNobody) {
  Store store(counter_state(), counter_reducer);
  Value before = store.state();
  int calls = 0;
  auto sub = store.subscribe([&](const Value&) { ++calls; });
  store.dispatch(act("UNKNOWN"));
  EXPECT_TRUE(store.state().same_node(before));
  EXPECT_EQ(calls, 0);
}

TEST(Store, NoexceptReducerUpdatesAnUnsharedStateInPlace) {
  Store store(counter_state(), [](Value s, const Action&) noexcept {
    const std::int64_t n = s.find("count")->as_int();
    return std::move(s).set("count", n + 1);
  });
  const detail::Node* root = store.state().node();
  int calls = 0;
  auto sub = store.subscribe([&](const Value&) { ++calls; });
  store.dispatch(act("INC"));
  EXPECT_EQ(store.state().node(), root);  // no copy of the root
  EXPECT_EQ(store.state().get("count").as_int(), 1);
  EXPECT_EQ(calls, 1);
  // A holder of the old state keeps seeing it: the store must copy instead.
  Value held = store.state();
  store.dispatch(act("INC"));
  EXPECT_EQ(held.get("count").as_int(), 1);
  EXPECT_EQ(store.state().get("count").as_int(), 2);
  EXPECT_FALSE(store.state().same_node(held));
}

TEST(Store, ReducerThatThrowsLeavesStateUnchangedAndReachesTheCaller) {
  Store store(counter_state(3), counter_reducer);
  Value before = store.state();
  int calls = 0;
  auto sub = store.subscribe([&](const Value&) { ++calls; });
  try {
    store.dispatch(act("BOOM"));
    FAIL() << "dispatch should throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::reducer_error);
    EXPECT_NE(std::string(e.what()).find("boom"), std::string::npos);
    // The original exception is nested.
    EXPECT_THROW(std::rethrow_if_nested(e), std::runtime_error);
  }
  EXPECT_TRUE(store.state().same_node(before));
  EXPECT_EQ(calls, 0);
  // The store and its subscribers keep working.
  store.dispatch(act("INC"));
  EXPECT_EQ(store.state().get("count").as_int(), 4);
  EXPECT_EQ(calls, 1);
}

TEST(Store, ThrowingSubscriberDoesNotStopTheOthersAndGoesToTheErrorHandler) {
  std::vector<std::string> errors;
  Store store(counter_state(), counter_reducer,
              {.on_error = [&](const Error& e) { errors.push_back(e.what()); }, .name = "cart"});
  int a = 0;
  int c = 0;
  auto s1 = store.subscribe([&](const Value&) { ++a; });
  auto s2 = store.subscribe([&](const Value&) { throw std::runtime_error("listener broke"); });
  auto s3 = store.subscribe([&](const Value&) { ++c; });
  store.dispatch(act("INC"));
  EXPECT_EQ(a, 1);
  EXPECT_EQ(c, 1);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("listener broke"), std::string::npos);
  EXPECT_NE(errors[0].find("cart"), std::string::npos);
}

TEST(Store, SubscriptionEndsWhenItsHandleIsDestroyedAndCancelTwiceIsHarmless) {
  Store store(counter_state(), counter_reducer);
  int calls = 0;
  {
    auto sub = store.subscribe([&](const Value&) { ++calls; });
    store.dispatch(act("INC"));
    sub.cancel();
    sub.cancel();
    store.dispatch(act("INC"));
  }
  store.dispatch(act("INC"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(store.subscriber_count(), 0u);
}

TEST(Store, UnsubscribingAnotherListenerDuringNotificationSkipsIt) {
  Store store(counter_state(), counter_reducer);
  Subscription second;
  int first_calls = 0;
  int second_calls = 0;
  auto first = store.subscribe([&](const Value&) {
    ++first_calls;
    second.cancel();
  });
  second = store.subscribe([&](const Value&) { ++second_calls; });
  store.dispatch(act("INC"));
  EXPECT_EQ(first_calls, 1);
  EXPECT_EQ(second_calls, 0);
}

TEST(Store, SubscribingDuringNotificationWaitsForTheNextChange) {
  Store store(counter_state(), counter_reducer);
  std::vector<Subscription> late;
  int late_calls = 0;
  auto first = store.subscribe([&](const Value&) {
    if (late.empty()) late.push_back(store.subscribe([&](const Value&) { ++late_calls; }));
  });
  store.dispatch(act("INC"));
  EXPECT_EQ(late_calls, 0);
  store.dispatch(act("INC"));
  EXPECT_EQ(late_calls, 1);
}

// A subscriber whose closure lives inside its std::function (one pointer captured) subscribes
// while the list is full: appended at once, the list grew and moved that std::function, and the
// closure read its capture from freed memory once subscribe returned (AddressSanitizer: a
// heap-use-after-free). Then the new subscriber hears the next change, not this one, and one
// unsubscribed before the round ended never hears anything.
TEST(Store, SubscribingDuringNotificationLeavesTheRunningSubscriberInPlace) {
  Store store(counter_state(), counter_reducer);
  struct Seen {
    int calls = 0;
    std::vector<Subscription> late;
    int late_calls = 0;
    int dropped_calls = 0;
    Store* store = nullptr;
  } seen;
  seen.store = &store;
  Seen* p = &seen;
  auto first = store.subscribe([p](const Value&) {
    if (p->late.empty()) {
      p->late.push_back(p->store->subscribe([p](const Value&) { ++p->late_calls; }));
      Subscription dropped = p->store->subscribe([p](const Value&) { ++p->dropped_calls; });
      dropped.cancel();
    }
    ++p->calls;  // the capture, read after subscribe returned
  });
  // Three more: four listeners fill a vector grown 1, 2, 4, so the next append must reallocate.
  std::vector<Subscription> others;
  for (int i = 0; i < 3; ++i) others.push_back(store.subscribe([](const Value&) {}));
  EXPECT_EQ(store.subscriber_count(), 4U);
  store.dispatch(act("INC"));
  EXPECT_EQ(seen.calls, 1);
  EXPECT_EQ(seen.late_calls, 0);
  EXPECT_EQ(store.subscriber_count(), 5U);
  store.dispatch(act("INC"));
  EXPECT_EQ(seen.calls, 2);
  EXPECT_EQ(seen.late_calls, 1);
  EXPECT_EQ(seen.dropped_calls, 0);
}

// The delivery walks its listeners through a pointer into the list: nothing a subscriber does
// may move that list. One subscriber cancels itself and a later one, subscribes eight more (the
// list would have to grow several times), cancels one of those, and dispatches (queued); the
// round goes on with the later subscribers in order, skips the cancelled one, and the next round
// reaches the added ones after the old ones.
TEST(Store, ASubscriberChangingTheListDuringItsRoundMovesNoneOfIt) {
  Store store(counter_state(), counter_reducer);
  std::vector<std::string> log;
  std::vector<Subscription> subs(4);
  std::vector<Subscription> added;
  bool done = false;
  subs[0] = store.subscribe([&](const Value& s) { log.push_back("a" + std::to_string(s.get("count").as_int())); });
  subs[1] = store.subscribe([&](const Value& s) {
    log.push_back("b" + std::to_string(s.get("count").as_int()));
    if (done) return;
    done = true;
    subs[1].cancel();
    subs[3].cancel();
    for (int i = 0; i < 8; ++i) {
      added.push_back(store.subscribe([&log, i](const Value& v) {
        log.push_back("n" + std::to_string(i) + "-" + std::to_string(v.get("count").as_int()));
      }));
    }
    added[5].cancel();
    store.dispatch(act("ADD", 10));
    log.push_back("b-end");  // this closure's captures, read after all of that
  });
  subs[2] = store.subscribe([&](const Value& s) { log.push_back("c" + std::to_string(s.get("count").as_int())); });
  subs[3] = store.subscribe([&](const Value&) { log.push_back("d"); });
  store.dispatch(act("INC"));
  const std::vector<std::string> expected = {"a1", "b1", "b-end", "c1",  // d cancelled during the round
                                             "a11", "c11", "n0-11", "n1-11", "n2-11", "n3-11", "n4-11",
                                             "n6-11", "n7-11"};
  EXPECT_EQ(log, expected);
  EXPECT_EQ(store.subscriber_count(), 9U);
}

TEST(Store, DispatchFromASubscriberIsQueuedUntilTheRoundEndsThenRunsInOrder) {
  Store store(counter_state(), counter_reducer);
  std::vector<std::string> log;
  auto s1 = store.subscribe([&](const Value& s) {
    const auto n = s.get("count").as_int();
    log.push_back("a" + std::to_string(n));
    if (n == 1) {
      store.dispatch(act("INC"));
      store.dispatch(act("ADD", 10));
      log.push_back("a-after-dispatch" + std::to_string(store.state().get("count").as_int()));
    }
  });
  auto s2 = store.subscribe([&](const Value& s) { log.push_back("b" + std::to_string(s.get("count").as_int())); });
  store.dispatch(act("INC"));
  // Both listeners saw 1 (the queued dispatches had not run); the two queued actions then ran in
  // order and were notified once, together.
  EXPECT_EQ(log, (std::vector<std::string>{"a1", "a-after-dispatch1", "b1", "a12", "b12"}));
}

TEST(Store, DispatchFromAReducerIsQueuedNotRecursive) {
  Store* self = nullptr;
  std::vector<std::string> order;
  Store store(Value::array(), [&](Value s, const Action& a) {
    order.push_back("reduce " + a.type);
    if (a.type == "first") self->dispatch(act("second"));
    order.push_back("end " + a.type);
    return s.push_back(Value(a.type));
  });
  self = &store;
  store.dispatch(act("first"));
  EXPECT_EQ(order, (std::vector<std::string>{"reduce first", "end first", "reduce second", "end second"}));
  EXPECT_EQ(store.state().to_json(), R"(["first","second"])");
}

TEST(Store, LoggerMiddlewareSeesEachActionWithStateBeforeAndAfter) {
  std::vector<std::string> log;
  Middleware logger = [&](const StoreRef& store, Action a, const Next& next) {
    log.push_back("before " + a.type + " " + std::to_string(store.state().get("count").as_int()));
    std::string type = a.type;
    next(std::move(a));
    log.push_back("after " + type + " " + std::to_string(store.state().get("count").as_int()));
  };
  Store store(counter_state(), counter_reducer, {.middleware = {logger}});
  store.dispatch(act("INC"));
  store.dispatch(act("ADD", 2));
  EXPECT_EQ(log, (std::vector<std::string>{"before INC 0", "after INC 1", "before ADD 1", "after ADD 3"}));
}

TEST(Store, DroppingMiddlewareKeepsActionsFromTheReducer) {
  Middleware drop_boom = [](const StoreRef&, Action a, const Next& next) {
    if (a.type == "ADD") return;  // dropped
    next(std::move(a));
  };
  Store store(counter_state(), counter_reducer, {.middleware = {drop_boom}});
  int calls = 0;
  auto sub = store.subscribe([&](const Value&) { ++calls; });
  store.dispatch(act("ADD", 100));
  store.dispatch(act("INC"));
  EXPECT_EQ(store.state().get("count").as_int(), 1);
  EXPECT_EQ(calls, 1);
}

TEST(Store, MiddlewareCanRewriteAnAction) {
  Middleware doubler = [](const StoreRef&, Action a, const Next& next) {
    if (a.type == "ADD") a.payload = a.payload.as_int() * 2;
    next(std::move(a));
  };
  Store store(counter_state(), counter_reducer, {.middleware = {doubler}});
  store.dispatch(act("ADD", 4));
  EXPECT_EQ(store.state().get("count").as_int(), 8);
}

TEST(Store, ThunkLikeMiddlewareCompletesLaterOnTheScheduler) {
  ManualClock clock;
  Runtime runtime(clock);
  // "fetch/count" starts async work; 100 ms later it dispatches "ADD" with the result, and the
  // original action is passed on when the work is done.
  Middleware async = [&](const StoreRef& store, Action a, const Next& next) {
    if (a.type != "fetch/count") {
      next(std::move(a));
      return;
    }
    runtime.scheduler().schedule_after(Millis{100}, [store, next, a]() mutable {
      store.dispatch(Action{"ADD", a.payload, {}});
      next(Action{"fetched", {}, {}});
    });
  };
  std::vector<std::string> seen;
  Middleware logger = [&](const StoreRef&, Action a, const Next& next) {
    seen.push_back(a.type);
    next(std::move(a));
  };
  Store store(counter_state(), counter_reducer,
              {.middleware = {async, logger}, .batcher = &runtime.batcher()});
  int notified = 0;
  auto sub = store.subscribe([&](const Value&) { ++notified; });
  store.dispatch(act("fetch/count", 7));
  EXPECT_EQ(store.state().get("count").as_int(), 0);
  runtime.advance(Millis{99});
  EXPECT_EQ(store.state().get("count").as_int(), 0);
  runtime.advance(Millis{1});
  EXPECT_EQ(store.state().get("count").as_int(), 7);
  EXPECT_EQ(seen, (std::vector<std::string>{"ADD", "fetched"}));
  EXPECT_EQ(notified, 1);
}

TEST(Store, HeldNextOutlivingTheStoreDoesNothing) {
  Next held;
  StoreRef ref;
  {
    Middleware hold = [&](const StoreRef& s, Action, const Next& next) {
      held = next;
      ref = s;
    };
    Store store(counter_state(), counter_reducer, {.middleware = {hold}});
    store.dispatch(act("INC"));
  }
  EXPECT_FALSE(ref.alive());
  EXPECT_TRUE(ref.state().is_null());
  held(act("INC"));  // must not crash
  EXPECT_FALSE(ref.dispatch(act("INC")));
}

TEST(Store, MiddlewareThatThrowsAfterTheReducerRestoresTheState) {
  Middleware late_throw = [](const StoreRef&, Action a, const Next& next) {
    next(std::move(a));
    throw std::runtime_error("after next");
  };
  Store store(counter_state(), counter_reducer, {.middleware = {late_throw}});
  Value before = store.state();
  EXPECT_THROW(store.dispatch(act("INC")), Error);
  EXPECT_TRUE(store.state().same_node(before));
}

TEST(Store, ActionsAMiddlewareDispatchesBeforeFailingAreDropped) {
  Middleware m = [](const StoreRef& store, Action a, const Next& next) {
    if (a.type == "BOOM") store.dispatch(act("INC"));
    next(std::move(a));
  };
  Store store(counter_state(), counter_reducer, {.middleware = {m}});
  EXPECT_THROW(store.dispatch(act("BOOM")), Error);
  EXPECT_EQ(store.state().get("count").as_int(), 0);
}

TEST(Store, ErrorOfAQueuedActionGoesToTheErrorHandler) {
  std::vector<ErrorCode> errors;
  Store* self = nullptr;
  Store store(counter_state(), [&](Value s, const Action& a) {
    if (a.type == "first") self->dispatch(act("BOOM"));
    return counter_reducer(std::move(s), a);
  }, {.on_error = [&](const Error& e) { errors.push_back(e.code()); }});
  self = &store;
  store.dispatch(act("first"));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], ErrorCode::reducer_error);
}

TEST(Store, NotifiesOnceForABatchOfDispatchesWithTheFinalState) {
  Runtime runtime;
  Store store(counter_state(), counter_reducer, {.batcher = &runtime.batcher()});
  std::vector<std::int64_t> seen;
  auto sub = store.subscribe([&](const Value& s) { seen.push_back(s.get("count").as_int()); });
  {
    Batcher::Scope batch(runtime.batcher());
    store.dispatch(act("INC"));
    store.dispatch(act("INC"));
    store.dispatch(act("ADD", 3));
    EXPECT_TRUE(seen.empty());
  }
  EXPECT_EQ(seen, (std::vector<std::int64_t>{5}));
}

TEST(Store, ManyStoresChangedInOneBatchAreNotifiedOnceEachInTheOrderTheyChanged) {
  // Each store's change is one job on the shared batcher's queue; forty of them grow the queue
  // several times inside the batch (a fresh batcher's queue is empty), and every job must survive
  // the growth and run once, in order, when the batch ends.
  Runtime runtime;
  std::vector<std::unique_ptr<Store>> stores;
  std::vector<int> order;
  std::vector<Subscription> subs;
  for (int i = 0; i < 40; ++i) {
    stores.push_back(std::make_unique<Store>(counter_state(i), counter_reducer,
                                             StoreOptions{.batcher = &runtime.batcher()}));
    subs.push_back(stores.back()->subscribe([&order, i](const Value& s) {
      EXPECT_EQ(s.get("count").as_int(), i + 2);  // both dispatches, delivered once
      order.push_back(i);
    }));
  }
  {
    Batcher::Scope batch(runtime.batcher());
    for (int i = 39; i >= 0; --i) stores[static_cast<std::size_t>(i)]->dispatch(act("INC"));
    for (auto& store : stores) store->dispatch(act("INC"));  // changed again: still one job each
    EXPECT_TRUE(order.empty());
  }
  std::vector<int> expected;
  for (int i = 39; i >= 0; --i) expected.push_back(i);
  ASSERT_EQ(order.size(), 40u);
  EXPECT_EQ(order, expected);
}

TEST(Store, ReplaceReducerSwapsBehaviourAndDispatchesReplace) {
  Store store(counter_state(), counter_reducer);
  std::vector<std::string> types;
  store.replace_reducer([&](Value s, const Action& a) {
    types.push_back(a.type);
    if (a.type == "INC") return s.set("count", s.get("count").as_int() + 100);
    return s;
  });
  store.dispatch(act("INC"));
  EXPECT_EQ(store.state().get("count").as_int(), 100);
  EXPECT_EQ(types, (std::vector<std::string>{"mfstate/replace", "INC"}));
}

TEST(Store, EmptyReducerIsRejected) {
  try {
    Store store(Value(), Reducer{});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
  }
  Store store(Value(), counter_reducer);
  EXPECT_THROW(store.replace_reducer(Reducer{}), Error);
}

TEST(Store, MovedStoreKeepsItsSubscriptions) {
  Store a(counter_state(), counter_reducer);
  int calls = 0;
  auto sub = a.subscribe([&](const Value&) { ++calls; });
  Store b = std::move(a);
  b.dispatch(act("INC"));
  EXPECT_EQ(calls, 1);
  sub.cancel();
  b.dispatch(act("INC"));
  EXPECT_EQ(calls, 1);
}

TEST(Store, SubscriptionOutlivingTheStoreCanStillBeCancelled) {
  Subscription sub;
  {
    Store store(counter_state(), counter_reducer);
    sub = store.subscribe([](const Value&) {});
  }
  sub.cancel();
  SUCCEED();
}

TEST(Store, DestroyedByItsOwnSubscriberCallsNoLaterSubscriber) {
  auto store = std::make_unique<Store>(counter_state(), counter_reducer);
  std::vector<std::string> calls;
  auto first = store->subscribe([&](const Value&) { calls.push_back("first"); });
  auto destroyer = store->subscribe([&](const Value&) {
    calls.push_back("destroyer");
    store.reset();
  });
  auto later = store->subscribe([&](const Value&) { calls.push_back("later"); });
  store->dispatch(act("INC"));
  EXPECT_EQ(store, nullptr);
  EXPECT_EQ(calls, (std::vector<std::string>{"first", "destroyer"}));
}

TEST(Store, AKeptActionIsReducedAsItWasWhenDispatched) {
  // dispatch of an lvalue reduces from the caller's reference when the store is idle; one
  // dispatched while the store is busy waits in the queue, so it must be a copy: the caller may
  // change or drop its action before the queue runs.
  Store store(counter_state(), counter_reducer);
  Action add = act("ADD", 5);
  store.dispatch(add);
  EXPECT_EQ(store.state().get("count").as_int(), 5);
  EXPECT_EQ(add.type, "ADD");  // the caller's action is untouched
  EXPECT_EQ(add.payload.as_int(), 5);
  bool queued = false;
  auto sub = store.subscribe([&](const Value&) {
    if (queued) return;
    queued = true;
    store.dispatch(add);  // busy delivering: queued, as a copy
    EXPECT_EQ(add.type, "ADD");  // not moved from
    EXPECT_EQ(add.payload.as_int(), 5);
    add.payload = Value(1000);
    add.type = "BOOM";
  });
  store.dispatch(act("INC"));  // 6, then the queued ADD 5
  EXPECT_EQ(store.state().get("count").as_int(), 11);
}
