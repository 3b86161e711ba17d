// The bus's delivery path: the listener vector a delivery walks (subscriptions made meanwhile wait
// for the next message, in order), listeners kept as the callables they were given (no
// std::function around a lambda) and never destroyed while they run, and a queued message given
// back when a rollback or the batcher's end drops it unrun.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "mfstate/bus.hpp"
#include "transactions.hpp"

using namespace mfstate;

namespace {

// Counts its own destruction (a moved-from probe does not count).
struct Probe {
  int* destroyed;
  explicit Probe(int* d) : destroyed(d) {}
  Probe(Probe&& o) noexcept : destroyed(std::exchange(o.destroyed, nullptr)) {}
  Probe(const Probe& o) = delete;
  ~Probe() {
    if (destroyed != nullptr) ++*destroyed;
  }
};

}  // namespace

TEST(BusDelivery, SubscriptionsMadeDuringADeliveryWaitForTheNextMessageInSubscriptionOrder) {
  Bus bus;
  std::vector<std::string> heard;
  std::vector<Subscription> added;
  auto first = bus.subscribe("t", [&](std::string_view, const Value& v) {
    heard.push_back("first=" + v.to_json());
    if (!added.empty()) return;
    // Enough subscriptions to move any vector they were appended to while this delivery walks it;
    // exact and wildcard ones alternating, one of them cancelled before the delivery ends.
    for (int i = 0; i < 40; ++i) {
      const std::string who = std::to_string(i);
      added.push_back(bus.subscribe(i % 2 == 0 ? "t" : "*", [&heard, who](std::string_view, const Value& m) {
        heard.push_back(who + "=" + m.to_json());
      }));
    }
    added[3].cancel();
    EXPECT_EQ(bus.subscriber_count("t"), 41u);  // first, last and the 39 left of the 40
  });
  auto last =
      bus.subscribe("t", [&](std::string_view, const Value& v) { heard.push_back("last=" + v.to_json()); });

  bus.publish("t", 1);
  EXPECT_EQ(heard, (std::vector<std::string>{"first=1", "last=1"}));
  EXPECT_EQ(bus.subscriber_count("t"), 41u);

  heard.clear();
  bus.publish("t", 2);
  std::vector<std::string> expected{"first=2", "last=2"};
  for (int i = 0; i < 40; ++i) {
    if (i != 3) expected.push_back(std::to_string(i) + "=2");
  }
  EXPECT_EQ(heard, expected);
}

TEST(BusDelivery, AListenerCancelledByAnEarlierOneInTheSameDeliveryIsNotCalled) {
  Bus bus;
  std::vector<std::string> heard;
  Subscription exact;
  Subscription pattern;
  auto canceller = bus.subscribe("a/b", [&](std::string_view, const Value&) {
    heard.emplace_back("canceller");
    exact.cancel();
    pattern.cancel();  // a wildcard subscription: shared by every topic it matches
  });
  exact = bus.subscribe("a/b", [&](std::string_view, const Value&) { heard.emplace_back("exact"); });
  pattern = bus.subscribe("a/*", [&](std::string_view, const Value&) { heard.emplace_back("pattern"); });
  auto kept = bus.subscribe("a/b", [&](std::string_view, const Value&) { heard.emplace_back("kept"); });
  bus.publish("a/b", 1);
  EXPECT_EQ(heard, (std::vector<std::string>{"canceller", "kept"}));
  EXPECT_EQ(bus.subscriber_count("a/b"), 2u);
  EXPECT_EQ(bus.subscriber_count("a/c"), 0u);
}

TEST(BusDelivery, ALambdaIsKeptAsGivenAndDestroyedOnceWhenNothingCanCallItAnyMore) {
  Bus bus;
  int destroyed = 0;
  int calls = 0;
  Subscription s;
  // Move-only: a std::function could not hold it.
  s = bus.subscribe("t", [probe = Probe(&destroyed), owned = std::make_unique<int>(7), &calls, &s,
                          &destroyed](std::string_view, const Value&) {
    ++calls;
    s.cancel();  // from inside its own call: it must live until it returns
    EXPECT_EQ(destroyed, 0);
    EXPECT_EQ(*owned, 7);
    EXPECT_NE(probe.destroyed, nullptr);
  });
  EXPECT_EQ(destroyed, 0);
  bus.publish("t", 1);
  bus.publish("t", 2);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(destroyed, 1);
  EXPECT_EQ(bus.topic_count(), 0u);
}

TEST(BusDelivery, AListenerGivenAsStdFunctionAndOneThatIsEmptyOrNull) {
  Bus bus;
  std::vector<std::int64_t> got;
  BusListener fn = [&](std::string_view, const Value& v) { got.push_back(v.as_int()); };
  auto s = bus.subscribe("t", fn);
  bus.publish("t", 5);
  EXPECT_EQ(got, (std::vector<std::int64_t>{5}));
  auto code = [](auto call) {
    try {
      call();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::io_error;
  };
  EXPECT_EQ(code([&] { (void)bus.subscribe("t", BusListener{}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code([&] { (void)bus.subscribe("t", nullptr); }), ErrorCode::invalid_argument);
  void (*none)(std::string_view, const Value&) = nullptr;
  EXPECT_EQ(code([&] { (void)bus.subscribe("t", none); }), ErrorCode::invalid_argument);
  EXPECT_EQ(bus.subscriber_count("t"), 1u);
}

TEST(BusDelivery, ALambdaRefusedForABadPatternIsDestroyedAndNothingIsSubscribed) {
  Bus bus;
  int destroyed = 0;
  EXPECT_THROW((void)bus.subscribe("a/**/b", [probe = Probe(&destroyed)](std::string_view, const Value&) {}),
               Error);
  EXPECT_EQ(destroyed, 1);
  EXPECT_EQ(bus.topic_count(), 0u);
  EXPECT_EQ(bus.subscriber_count("a/x/b"), 0u);
}

TEST(BusDelivery, AMessageARollbackDropsIsGivenBackUnrun) {
  Runtime runtime;
  Batcher& b = runtime.batcher();
  Bus bus({.batcher = &b});
  std::vector<std::int64_t> got;
  Subscription s =
      bus.subscribe("t", [&](std::string_view, const Value& v) { got.push_back(v.get("n").as_int()); });
  const Value payload = Value::object({{"n", 1}});
  detail::tx_begin(b);
  bus.publish("t", payload);
  EXPECT_EQ(payload.use_count(), 2u);  // the queued message holds it
  s.cancel();
  EXPECT_EQ(bus.topic_count(), 1u);  // kept for the message in flight
  detail::tx_rollback(b);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(payload.use_count(), 1u);
  EXPECT_EQ(bus.topic_count(), 0u);

  // A message queued before the transaction stays, and runs.
  s = bus.subscribe("t", [&](std::string_view, const Value& v) { got.push_back(v.get("n").as_int()); });
  {
    Batcher::Scope batch(b);
    bus.publish("t", Value::object({{"n", 2}}));
    detail::tx_begin(b);
    bus.publish("t", Value::object({{"n", 3}}));
    detail::tx_rollback(b);
  }
  EXPECT_EQ(got, (std::vector<std::int64_t>{2}));
}

TEST(BusDelivery, AMessageQueuedOnABatcherDestroyedBeforeItRanIsGivenBack) {
  auto b = std::make_unique<Batcher>();
  Bus bus({.batcher = b.get()});
  int calls = 0;
  Subscription s = bus.subscribe("t", [&](std::string_view, const Value&) { ++calls; });
  const Value payload = Value::object({{"n", 1}});
  b->begin_batch();
  bus.publish("t", payload);
  s.cancel();
  EXPECT_EQ(bus.topic_count(), 1u);
  EXPECT_EQ(payload.use_count(), 2u);
  b.reset();
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(payload.use_count(), 1u);
  EXPECT_EQ(bus.topic_count(), 0u);
}
