// A store that runs out of memory while it runs what it queued (a reducer dispatching to its own
// store): the store is never left busy (every later dispatch queued and never run), the failed
// action changes nothing, and a dispatch whose own action failed leaves the state as it was.
// Every allocation of the scenario is failed in turn (this binary's operator new), on a fresh store
// each time, whose batcher's queue has no capacity yet.
#include <gtest/gtest.h>

#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

#include "failing_allocation.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/store.hpp"

using namespace mfstate;

namespace {

// "QUEUE" sets a marker and queues "BOOM" (its reducer throws: wrapping that in an Error
// allocates) and "INC". The error handler and the subscriber only count: they run while
// allocations are being failed.
struct World {
  int reported = 0;
  int notified = 0;
  Store store;
  Subscription subscription;

  World()
      : store(
            Value::object({{"count", 0}}),
            [this](Value s, const Action& a) { return reduce(std::move(s), a); },
            StoreOptions{.on_error = [this](const Error&) { ++reported; }}) {
    subscription = store.subscribe([this](const Value&) { ++notified; });
  }

  Value reduce(Value s, const Action& a) {
    if (a.type == "QUEUE") {
      store.dispatch(Action{"BOOM", {}, {}});
      store.dispatch(Action{"INC", {}, {}});
      return s.set("queued", true);
    }
    if (a.type == "BOOM") throw std::runtime_error("boom");
    if (a.type == "INC") return s.set("count", s.get("count").as_int() + 1);
    return s;
  }

  std::int64_t count() const { return store.state().get("count").as_int(); }
  bool queued() const { return store.state().contains("queued"); }
};

}  // namespace

TEST(StoreQueuedOutOfMemory, EveryFailedAllocationLeavesTheStoreConsistentAndIdle) {
  int failures = 0;
  for (long k = 1;; ++k) {
    World w;
    const Action queue{"QUEUE", {}, {}};
    const Action inc{"INC", {}, {}};
    bool threw = false;
    allocations_to_failure = k;
    try {
      w.store.dispatch(queue);
    } catch (...) {
      threw = true;
    }
    const bool failed = allocations_to_failure == 0;
    allocations_to_failure = 0;
    if (!failed) {
      EXPECT_FALSE(threw);
      EXPECT_EQ(w.count(), 1);
      break;
    }
    ++failures;
    if (threw) {
      // The outermost action failed: nothing happened, nobody was told.
      EXPECT_FALSE(w.queued()) << "allocation " << k;
      EXPECT_EQ(w.count(), 0) << "allocation " << k;
      EXPECT_EQ(w.notified, 0) << "allocation " << k;
    } else {
      // It stands; BOOM failed (reported), and INC ran unless it was the one out of memory
      // (reported too).
      EXPECT_TRUE(w.queued()) << "allocation " << k;
      EXPECT_EQ(w.reported, w.count() == 1 ? 1 : 2) << "allocation " << k;
      EXPECT_EQ(w.notified, 1) << "allocation " << k;
    }
    // Idle and telling its subscribers again: a dispatch runs at once, and is notified.
    const std::int64_t before = w.count();
    const int notified = w.notified;
    w.store.dispatch(inc);
    EXPECT_EQ(w.count(), before + 1) << "allocation " << k;
    EXPECT_EQ(w.notified, notified + 1) << "allocation " << k;
  }
  EXPECT_GT(failures, 3);
}

// The room a store keeps for its change's notification (taken before its reducer runs) is its
// own: a reducer that queues notifications of its own first (here eight, the queue's first
// capacity, on the batcher the store shares) must not use it up, or the store's notification,
// queued after the change, needs memory there: out of it, the dispatch threw with the change made
// and nobody told of it. Every allocation of the scenario is failed in turn.
TEST(StoreQueuedOutOfMemory, ANotificationTheReducerQueuesLeavesTheStoresOwnRoom) {
  int failures = 0;
  for (long k = 1;; ++k) {
    Batcher batcher;
    int told_by_reducer = 0;
    int notified = 0;
    Store store(
        Value::object({{"count", 0}}),
        [&](Value s, const Action&) {
          for (int i = 0; i < 8; ++i) batcher.notify([&] { ++told_by_reducer; });
          return std::move(s).set("count", s.get("count").as_int() + 1);
        },
        StoreOptions{.batcher = &batcher});
    Subscription subscription = store.subscribe([&](const Value&) { ++notified; });
    bool threw = false;
    allocations_to_failure = k;
    try {
      store.dispatch(Action{"INC", {}, {}});
    } catch (...) {
      threw = true;
    }
    const bool failed = allocations_to_failure == 0;
    allocations_to_failure = 0;
    const std::int64_t count = store.state().get("count").as_int();
    if (!failed) {
      EXPECT_FALSE(threw);
      EXPECT_EQ(count, 1);
      EXPECT_EQ(notified, 1);
      break;
    }
    ++failures;
    if (threw) {
      EXPECT_EQ(count, 0) << "allocation " << k << ": the dispatch failed, yet its change was made";
      EXPECT_EQ(notified, 0) << "allocation " << k;
    } else {
      EXPECT_EQ(count, 1) << "allocation " << k;
      EXPECT_EQ(notified, 1) << "allocation " << k << ": the change was made and not told";
    }
  }
  EXPECT_GT(failures, 0);
}
