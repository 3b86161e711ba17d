// A dispatch a busy store queued (from its reducer, a middleware or one of its subscribers) runs
// after the caller that made it has returned, so its failure cannot reach that caller. What the
// store guarantees then (store.hpp): the failed action changes nothing — neither the state nor the
// dispatches it made itself before it failed, which go with it, as they do for the outermost
// action and for a middleware's failure — and the actions queued after it still run (each queued
// dispatch is an action of its own, as each dispatch is in Redux, where a nested dispatch runs
// synchronously and one that throws undoes none of the others). The failure goes to on_error, or,
// without one, to the caller of the outermost dispatch once the queue has run.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "mfstate/store.hpp"

using namespace mfstate;

namespace {

Action act(std::string type, Value payload = {}) { return Action{std::move(type), std::move(payload), {}}; }

// A counting store whose reducer dispatches to its own store (queued: the store is busy):
// "QUEUE_FAILING" queues "DISPATCH_THEN_FAIL", which queues "INC" and then throws, and "QUEUE_TWO"
// queues "BOOM" (throws) and then "INC".
struct SelfDispatching {
  std::vector<Error> errors;
  int notified = 0;
  Store store;
  Subscription subscription;

  explicit SelfDispatching(bool with_error_handler = true)
      : store(
            Value::object({{"count", 0}}),
            [this](Value s, const Action& a) { return reduce(std::move(s), a); },
            with_error_handler ? StoreOptions{.on_error = [this](const Error& e) { errors.push_back(e); }}
                               : StoreOptions{}) {
    subscription = store.subscribe([this](const Value&) { ++notified; });
  }

  Value reduce(Value s, const Action& a) {
    if (a.type == "QUEUE_FAILING") {
      store.dispatch(act("DISPATCH_THEN_FAIL"));
      return s.set("queued", true);
    }
    if (a.type == "DISPATCH_THEN_FAIL") {
      store.dispatch(act("INC"));
      throw std::runtime_error("failed after dispatching");
    }
    if (a.type == "QUEUE_TWO") {
      store.dispatch(act("BOOM"));
      store.dispatch(act("INC"));
      return s.set("queued", true);
    }
    if (a.type == "BOOM") throw std::runtime_error("boom");
    if (a.type == "INC") return s.set("count", s.get("count").as_int() + 1);
    return s;
  }

  std::int64_t count() const { return store.state().get("count").as_int(); }
};

}  // namespace

TEST(StoreQueuedFailure, AQueuedActionThatFailsTakesTheDispatchesItMadeWithIt) {
  SelfDispatching f;
  f.store.dispatch(act("QUEUE_FAILING"));
  // "DISPATCH_THEN_FAIL" failed: its "INC" is dropped with it (it used to run: the failed action
  // was half applied).
  EXPECT_EQ(f.count(), 0);
  EXPECT_TRUE(f.store.state().get("queued").as_bool());
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].code(), ErrorCode::reducer_error);
  EXPECT_EQ(f.notified, 1);
}

TEST(StoreQueuedFailure, ASubscribersQueuedActionThatFailsTakesTheDispatchesItMadeWithIt) {
  SelfDispatching f;
  bool once = true;
  Subscription s = f.store.subscribe([&](const Value&) {
    if (std::exchange(once, false)) f.store.dispatch(act("DISPATCH_THEN_FAIL"));
  });
  f.store.dispatch(act("INC"));
  EXPECT_EQ(f.count(), 1);  // the "INC" of "DISPATCH_THEN_FAIL" went with it
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].code(), ErrorCode::reducer_error);
  // The store is idle again: a dispatch now runs at once.
  f.store.dispatch(act("INC"));
  EXPECT_EQ(f.count(), 2);
}

TEST(StoreQueuedFailure, TheActionsQueuedAfterAFailedOneStillRun) {
  SelfDispatching f;
  f.store.dispatch(act("QUEUE_TWO"));
  EXPECT_EQ(f.count(), 1);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].code(), ErrorCode::reducer_error);
  EXPECT_EQ(f.notified, 1);  // once, for all of it
}

TEST(StoreQueuedFailure, WithoutAnErrorHandlerTheOutermostCallerGetsItOnceTheQueueRan) {
  SelfDispatching f(/*with_error_handler=*/false);
  try {
    f.store.dispatch(act("QUEUE_TWO"));
    FAIL() << "the queued BOOM's error did not reach the outermost caller";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::reducer_error);
  }
  // The outermost action and the INC queued after BOOM stand: only BOOM failed.
  EXPECT_TRUE(f.store.state().get("queued").as_bool());
  EXPECT_EQ(f.count(), 1);
  EXPECT_EQ(f.notified, 1);
  f.store.dispatch(act("INC"));
  EXPECT_EQ(f.count(), 2);
}
