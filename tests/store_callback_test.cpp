// Store subscribers kept as the callables they were given (Store::subscribe's template overload,
// detail::Callback): a lambda is called directly, lives through its own cancellation and is
// destroyed once; a std::function is still accepted, an empty one (or a null pointer) refused.
#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "mfstate/store.hpp"

using namespace mfstate;

namespace {

Value count_reducer(Value s, const Action& a) {
  if (a.type != "INC") return s;
  return std::move(s).set("count", s.get("count").as_int() + 1);
}

Action inc() { return Action{"INC", {}, {}}; }

// Counts its own destruction (a moved-from probe does not count).
struct Probe {
  int* destroyed;
  explicit Probe(int* d) : destroyed(d) {}
  Probe(Probe&& o) noexcept : destroyed(std::exchange(o.destroyed, nullptr)) {}
  Probe(const Probe&) = delete;
  ~Probe() {
    if (destroyed != nullptr) ++*destroyed;
  }
};

}  // namespace

TEST(StoreCallback, AMoveOnlyLambdaLivesThroughItsOwnCancelAndIsDestroyedOnce) {
  Store store(Value::object({{"count", 0}}), count_reducer);
  int destroyed = 0;
  std::vector<std::int64_t> seen;
  Subscription s;
  s = store.subscribe([probe = Probe(&destroyed), owned = std::make_unique<int>(7), &seen, &s,
                       &destroyed](const Value& state) {
    seen.push_back(state.get("count").as_int());
    if (seen.size() < 2) return;
    s.cancel();  // from inside its own call: it must live until it returns
    EXPECT_EQ(destroyed, 0);
    EXPECT_EQ(*owned, 7);
    EXPECT_NE(probe.destroyed, nullptr);
  });
  store.dispatch(inc());
  EXPECT_EQ(destroyed, 0);
  store.dispatch(inc());
  EXPECT_EQ(destroyed, 1);  // cancelled during the round: it went once the round was over
  store.dispatch(inc());
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(destroyed, 1);
  EXPECT_EQ(store.subscriber_count(), 0u);
}

TEST(StoreCallback, ALambdaIsDestroyedWithTheStoreAndAHandleOutlivingItCancelsNothing) {
  int destroyed = 0;
  Subscription s;
  {
    Store store(Value::object({{"count", 0}}), count_reducer);
    s = store.subscribe([probe = Probe(&destroyed)](const Value&) {});
    EXPECT_EQ(destroyed, 0);
  }
  EXPECT_EQ(destroyed, 1);
  s.cancel();
  EXPECT_EQ(destroyed, 1);
}

TEST(StoreCallback, ASubscriberSilencedByAnEarlierOneInTheRoundIsNotCalledThenGoes) {
  Store store(Value::object({{"count", 0}}), count_reducer);
  std::vector<std::string> calls;
  int destroyed = 0;
  Subscription later;
  auto first = store.subscribe([&](const Value&) {
    calls.emplace_back("first");
    later.cancel();
    EXPECT_EQ(destroyed, 0);  // silenced, not destroyed, while the round may still reach it
  });
  later = store.subscribe([&, probe = Probe(&destroyed)](const Value&) { calls.emplace_back("later"); });
  store.dispatch(inc());
  EXPECT_EQ(calls, (std::vector<std::string>{"first"}));
  EXPECT_EQ(destroyed, 1);
}

TEST(StoreCallback, AStdFunctionIsStillAcceptedAndAnEmptyOrNullListenerRefused) {
  Store store(Value::object({{"count", 0}}), count_reducer);
  std::vector<std::int64_t> seen;
  std::function<void(const Value&)> fn = [&](const Value& s) { seen.push_back(s.get("count").as_int()); };
  auto s = store.subscribe(fn);
  store.dispatch(inc());
  EXPECT_EQ(seen, (std::vector<std::int64_t>{1}));
  auto code = [](auto call) {
    try {
      call();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::io_error;
  };
  EXPECT_EQ(code([&] { (void)store.subscribe(std::function<void(const Value&)>{}); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code([&] { (void)store.subscribe(nullptr); }), ErrorCode::invalid_argument);
  void (*none)(const Value&) = nullptr;
  EXPECT_EQ(code([&] { (void)store.subscribe(none); }), ErrorCode::invalid_argument);
  EXPECT_EQ(store.subscriber_count(), 1u);
}
