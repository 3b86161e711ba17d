// A Bus destroyed by one of its own listeners, while its own batcher (a bus made without one)
// runs the delivery: the batcher lives until its flush returns, the deliveries queued behind
// are skipped (the bus is gone) and what they hold is given back. Run under ASan, a batcher
// freed in the middle of its flush is a use after free.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "mfstate/bus.hpp"

using namespace mfstate;

TEST(BusLifetime, DestroyedByItsOwnListenerMidDelivery) {
  auto bus = std::make_unique<Bus>();
  std::vector<std::string> calls;
  Subscription first = bus->subscribe("t", [&](std::string_view, const Value& v) {
    calls.push_back("first " + std::to_string(v.as_int()));
    bus->publish("t", 2);  // queued behind this delivery: skipped once the bus is gone
    bus->publish("u", 3);
  });
  Subscription destroyer = bus->subscribe("t", [&](std::string_view, const Value&) {
    calls.emplace_back("destroyer");
    bus.reset();
  });
  Subscription after =
      bus->subscribe("t", [&](std::string_view, const Value&) { calls.emplace_back("after"); });
  Subscription other = bus->subscribe("u", [&](std::string_view, const Value&) { calls.emplace_back("u"); });
  bus->publish("t", 1);
  EXPECT_EQ(bus, nullptr);
  EXPECT_EQ(calls, (std::vector<std::string>{"first 1", "destroyer"}));
  // Handles outliving the bus cancel nothing, harmlessly.
  first.cancel();
  after.cancel();
  other.cancel();
}

TEST(BusLifetime, DestroyedByItsOwnListenerDuringAReplay) {
  auto bus = std::make_unique<Bus>();
  bus->declare("t", {.replay = true});
  bus->publish("t", 1);  // nobody listens yet: kept for replay
  Subscription keep = bus->subscribe("t", [](std::string_view, const Value&) {});
  bus->publish("t", 7);
  int heard = 0;
  Subscription s = bus->subscribe("t", [&](std::string_view, const Value& v) {
    heard = static_cast<int>(v.as_int());
    bus.reset();
  });
  EXPECT_EQ(heard, 7);
  EXPECT_EQ(bus, nullptr);
}

TEST(BusLifetime, DestroyedByItsOwnWildcardListenerDuringTheFirstOfSeveralReplays) {
  auto bus = std::make_unique<Bus>();
  Subscription keep = bus->subscribe("t/**", [](std::string_view, const Value&) {});
  for (const char* topic : {"t/a", "t/b", "t/c"}) {
    bus->declare(topic, {.replay = true});
    bus->publish(topic, 1);
  }
  int heard = 0;
  Subscription s = bus->subscribe("t/*", [&](std::string_view, const Value&) {
    ++heard;
    bus.reset();
  });
  EXPECT_EQ(heard, 1);  // the bus gone, the other replays are not delivered
  EXPECT_EQ(bus, nullptr);
}

TEST(BusLifetime, ABusOnAnotherBatcherDestroyedByItsListenerLeavesThatBatcherWorking) {
  Batcher batcher;
  auto bus = std::make_unique<Bus>(BusOptions{.batcher = &batcher});
  int later = 0;
  Subscription s = bus->subscribe("t", [&](std::string_view, const Value&) {
    bus->publish("t", 2);
    bus.reset();
    batcher.notify([&] { ++later; });  // the batcher goes on: this runs in the same flush
  });
  bus->publish("t", 1);
  EXPECT_EQ(bus, nullptr);
  EXPECT_EQ(later, 1);
}
