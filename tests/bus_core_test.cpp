#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mfstate/bus.hpp"

using namespace mfstate;

namespace {
struct Log {
  std::vector<std::string> lines;
  BusListener listener(std::string who) {
    return [this, who](std::string_view topic, const Value& v) {
      lines.push_back(who + ":" + std::string(topic) + "=" + v.to_json());
    };
  }
};
}  // namespace

TEST(Bus, PublishReachesEverySubscriberOfTheTopicInSubscriptionOrder) {
  Bus bus;
  Log log;
  auto a = bus.subscribe("cart/item-added", log.listener("a"));
  auto b = bus.subscribe("cart/item-added", log.listener("b"));
  auto other = bus.subscribe("cart/cleared", log.listener("other"));
  bus.publish("cart/item-added", Value::object({{"id", 1}}));
  EXPECT_EQ(log.lines,
            (std::vector<std::string>{R"(a:cart/item-added={"id":1})", R"(b:cart/item-added={"id":1})"}));
}

TEST(Bus, WildcardMatchesOneSegmentAndDoubleStarTheRest) {
  EXPECT_TRUE(Bus::matches("cart/*", "cart/item-added"));
  EXPECT_FALSE(Bus::matches("cart/*", "cart/item/added"));
  EXPECT_FALSE(Bus::matches("cart/*", "cart"));
  EXPECT_FALSE(Bus::matches("cart/*", "carts/x"));
  EXPECT_TRUE(Bus::matches("*/added", "cart/added"));
  EXPECT_TRUE(Bus::matches("cart/**", "cart/item/added"));
  EXPECT_TRUE(Bus::matches("cart/**", "cart/x"));
  EXPECT_FALSE(Bus::matches("cart/**", "cart"));
  EXPECT_TRUE(Bus::matches("**", "anything/at/all"));
  EXPECT_TRUE(Bus::matches("cart/x", "cart/x"));
  EXPECT_FALSE(Bus::matches("cart/x", "cart/y"));
}

TEST(Bus, WildcardSubscriptionReceivesTopicsCreatedBeforeAndAfterIt) {
  Bus bus;
  Log log;
  bus.declare("cart/item-added");
  auto w = bus.subscribe("cart/*", log.listener("w"));
  bus.publish("cart/item-added", 1);
  bus.publish("cart/cleared", 2);  // a topic the bus had not seen yet
  bus.publish("user/renamed", 3);
  EXPECT_EQ(log.lines, (std::vector<std::string>{"w:cart/item-added=1", "w:cart/cleared=2"}));
  EXPECT_EQ(bus.subscriber_count("cart/anything"), 1u);
  w.cancel();
  EXPECT_EQ(bus.subscriber_count("cart/item-added"), 0u);
  bus.publish("cart/item-added", 4);
  EXPECT_EQ(log.lines.size(), 2u);
}

TEST(Bus, DeclaredSchemaRefusesBadPayloadsAndDeliversNothing) {
  Bus bus;
  Log log;
  bus.declare("cart/item-added",
              {.schema = Schema::parse_json(
                   R"({"type":"object","properties":{"id":{"type":"integer"}},"required":["id"]})")});
  auto s = bus.subscribe("cart/item-added", log.listener("s"));
  try {
    bus.publish("cart/item-added", Value::object({{"id", "x"}}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::schema_violation);
    EXPECT_NE(std::string(e.what()).find("cart/item-added"), std::string::npos);
  }
  EXPECT_TRUE(log.lines.empty());
  bus.publish("cart/item-added", Value::object({{"id", 2}}));
  EXPECT_EQ(log.lines.size(), 1u);
}

TEST(Bus, ValidationCanBeTurnedOff) {
  Bus bus({.validate = false});
  bus.declare("t", {.schema = Schema::parse_json(R"({"type":"integer"})")});
  EXPECT_NO_THROW(bus.publish("t", "not an integer"));
}

TEST(Bus, ReplayHandsTheLastPayloadToANewSubscriber) {
  Bus bus;
  Log log;
  bus.declare("theme", {.replay = true});
  bus.publish("theme", "light");
  bus.publish("theme", "dark");
  auto late = bus.subscribe("theme", log.listener("late"));
  EXPECT_EQ(log.lines, (std::vector<std::string>{R"(late:theme="dark")"}));
  auto pattern = bus.subscribe("*", log.listener("p"));
  EXPECT_EQ(log.lines.back(), R"(p:theme="dark")");
  EXPECT_EQ(bus.last("theme")->as_string(), "dark");
  // Topics without replay keep nothing.
  bus.publish("plain", 1);
  Log other;
  auto s = bus.subscribe("plain", other.listener("s"));
  EXPECT_TRUE(other.lines.empty());
  EXPECT_FALSE(bus.last("plain").has_value());
}

TEST(Bus, PublishDuringDeliveryIsQueuedBehindPerTopicFifo) {
  Bus bus;
  std::vector<std::string> order;
  Subscription s1 = bus.subscribe("t", [&](std::string_view, const Value& v) {
    order.push_back("1:" + v.to_json());
    if (v.as_int() == 1) {
      bus.publish("t", 2);
      bus.publish("t", 3);
      order.push_back("1:published");
    }
  });
  Subscription s2 =
      bus.subscribe("t", [&](std::string_view, const Value& v) { order.push_back("2:" + v.to_json()); });
  bus.publish("t", 1);
  EXPECT_EQ(order, (std::vector<std::string>{"1:1", "1:published", "2:1", "1:2", "2:2", "1:3", "2:3"}));
}

TEST(Bus, ThrowingSubscriberDoesNotStopTheOthersAndGoesToTheErrorHandler) {
  std::vector<Error> errors;
  Bus bus({.on_error = [&](const Error& e) { errors.push_back(e); }});
  int reached = 0;
  auto a =
      bus.subscribe("t", [&](std::string_view, const Value&) { throw std::runtime_error("bad subscriber"); });
  auto b = bus.subscribe("t", [&](std::string_view, const Value&) { ++reached; });
  bus.publish("t", 1);
  bus.publish("t", 2);
  EXPECT_EQ(reached, 2);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].code(), ErrorCode::listener_error);
  EXPECT_NE(std::string(errors[0].what()).find("bad subscriber"), std::string::npos);
}

TEST(Bus, UnsubscribingDuringDeliveryIsSafeForSelfAndOthers) {
  Bus bus;
  Subscription self;
  Subscription other;
  int self_calls = 0;
  int other_calls = 0;
  self = bus.subscribe("t", [&](std::string_view, const Value&) {
    ++self_calls;
    self.cancel();
    other.cancel();
  });
  other = bus.subscribe("t", [&](std::string_view, const Value&) { ++other_calls; });
  bus.publish("t", 1);
  bus.publish("t", 2);
  EXPECT_EQ(self_calls, 1);
  EXPECT_EQ(other_calls, 0);
  EXPECT_EQ(bus.subscriber_count("t"), 0u);
}

TEST(Bus, SubscribingDuringDeliveryReceivesTheNextMessage) {
  Bus bus;
  std::vector<Subscription> added;
  std::vector<std::int64_t> late;
  auto s = bus.subscribe("t", [&](std::string_view, const Value&) {
    if (added.empty()) {
      added.push_back(
          bus.subscribe("t", [&](std::string_view, const Value& v) { late.push_back(v.as_int()); }));
    }
  });
  bus.publish("t", 1);
  bus.publish("t", 2);
  EXPECT_EQ(late, (std::vector<std::int64_t>{2}));
}

TEST(Bus, StrictBusRefusesUndeclaredTopics) {
  Bus bus({.strict = true});
  try {
    bus.publish("nobody/declared", 1);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unknown_topic);
  }
  bus.declare("declared");
  EXPECT_NO_THROW(bus.publish("declared", 1));
}

TEST(Bus, BadNamesAndPatternsAreInvalidArguments) {
  Bus bus;
  auto code = [](auto fn) {
    try {
      fn();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::io_error;
  };
  EXPECT_EQ(code([&] { bus.publish("", 1); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code([&] { bus.publish("cart/*", 1); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code([&] { bus.declare("a/**"); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code([&] { (void)bus.subscribe("", [](std::string_view, const Value&) {}); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code([&] { (void)bus.subscribe("a/**/b", [](std::string_view, const Value&) {}); }),
            ErrorCode::invalid_argument);
}

TEST(Bus, DeliveriesWaitForTheEnclosingBatch) {
  Runtime runtime;
  Bus bus({.batcher = &runtime.batcher()});
  std::vector<std::int64_t> got;
  auto s = bus.subscribe("t", [&](std::string_view, const Value& v) { got.push_back(v.as_int()); });
  {
    Batcher::Scope batch(runtime.batcher());
    bus.publish("t", 1);
    bus.publish("t", 2);
    EXPECT_TRUE(got.empty());
  }
  EXPECT_EQ(got, (std::vector<std::int64_t>{1, 2}));
}

TEST(Bus, SubscriptionOutlivingTheBusCanBeCancelled) {
  Subscription s;
  {
    Bus bus;
    s = bus.subscribe("t", [](std::string_view, const Value&) {});
  }
  s.cancel();
  SUCCEED();
}

// ---- declarations belong to their declarer ----

TEST(BusDeclare, OnlyTheDeclarerChangesADeclarationOthersMayOnlyShareItUnchanged) {
  Bus bus;
  const Schema object = Schema::parse_json(R"({"type": "object"})");
  bus.declare("cart/item-added", {.schema = object}, "cart");
  EXPECT_THROW(bus.declare("cart/item-added", {}, "mallory"), Error);  // would drop the schema
  try {
    bus.declare("cart/item-added", {.replay = true}, "mallory");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::forbidden);
    EXPECT_NE(std::string(e.what()).find("\"cart\""), std::string::npos);
  }
  EXPECT_THROW(bus.publish("cart/item-added", 42), Error);         // the schema still holds
  bus.declare("cart/item-added", {.schema = object}, "checkout");  // equal: shared
  EXPECT_EQ(bus.declared_by("cart/item-added"), (std::vector<std::string>{"cart", "checkout"}));
  EXPECT_THROW(bus.declare("cart/item-added", {}, "cart"), Error);  // shared now: nobody changes it alone
  EXPECT_FALSE(bus.undeclare("cart/item-added", "mallory"));
  EXPECT_TRUE(bus.undeclare("cart/item-added", "checkout"));
  bus.declare("cart/item-added", {.schema = object, .replay = true}, "cart");  // sole owner again
}

TEST(BusDeclare, TheLastOwnerWithdrawingDropsSchemaAndReplayButKeepsSubscribers) {
  Bus bus;
  bus.declare("t", {.schema = Schema::parse_json(R"({"type": "integer"})"), .replay = true}, "a");
  std::vector<Value> got;
  auto s = bus.subscribe("t", [&](std::string_view, const Value& v) { got.push_back(v); });
  bus.publish("t", 1);
  ASSERT_TRUE(bus.last("t").has_value());
  EXPECT_TRUE(bus.undeclare("t", "a"));
  EXPECT_TRUE(bus.declared_by("t").empty());
  EXPECT_FALSE(bus.last("t").has_value());
  bus.publish("t", "now anything");
  EXPECT_EQ(got.size(), 2u);
}

TEST(Bus, ThePublishObserverIsToldTheOriginGivenToPublish) {
  std::vector<std::string> seen;
  Bus bus({.on_publish = [&](std::string_view origin, std::string_view topic, const Value&) {
    seen.push_back(std::string(origin) + ">" + std::string(topic));
  }});
  bus.publish("t", 1, "home");
  bus.publish("u", 2);
  EXPECT_EQ(seen, (std::vector<std::string>{"home>t", ">u"}));
}

TEST(Bus, TopicsAreFreedOnceNothingKeepsThem) {
  Bus bus;
  {
    auto s = bus.subscribe("a", [](std::string_view, const Value&) {});
    EXPECT_EQ(bus.topic_count(), 1u);
  }
  EXPECT_EQ(bus.topic_count(), 0u);
  bus.publish("nobody", 1);
  EXPECT_EQ(bus.topic_count(), 0u);
  {
    auto w = bus.subscribe("x/*", [](std::string_view, const Value&) {});
    bus.publish("x/1", 1);
    bus.publish("x/2", 2);
    EXPECT_EQ(bus.topic_count(), 0u);  // delivered, then forgotten: the pattern stays
  }
  bus.declare("kept", {}, "owner");
  EXPECT_EQ(bus.topic_count(), 1u);
  bus.undeclare("kept", "owner");
  EXPECT_EQ(bus.topic_count(), 0u);
}

TEST(Bus, AMessageWaitingForItsBatchKeepsItsTopicAlive) {
  Runtime runtime;
  Bus bus({.batcher = &runtime.batcher()});
  std::vector<std::int64_t> got;
  Subscription s = bus.subscribe("t", [&](std::string_view, const Value& v) { got.push_back(v.as_int()); });
  {
    Batcher::Scope batch(runtime.batcher());
    bus.publish("t", 1);
    s.cancel();  // the topic loses its last subscriber while a delivery waits
  }
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(bus.topic_count(), 0u);
}
