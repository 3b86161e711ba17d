// What the browser build needs to deliver a bus message without the payload crossing into the
// module: Bus::passes_through and App::emit_is_plain say when a publish would only reach its
// subscribers, and Host::hold_notifications holds what the subscribers cause until the delivery
// ends, as a delivery would.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host_test_support.hpp"
#include "mfstate/bus.hpp"
#include "mfstate/manifest.hpp"

using namespace mfstate;
using namespace host_test;

TEST(BusPassesThrough, AValidTopicWithNoSchemaOrReplay) {
  Bus bus;
  EXPECT_TRUE(bus.passes_through("cart/item-added"));
  EXPECT_FALSE(bus.passes_through(""));
  EXPECT_FALSE(bus.passes_through("cart/*"));
  bus.declare("cart/plain");
  EXPECT_TRUE(bus.passes_through("cart/plain"));
  bus.declare("cart/checked", {.schema = Schema::parse_json(R"({"type":"integer"})")});
  EXPECT_FALSE(bus.passes_through("cart/checked"));
  bus.declare("cart/replayed", {.replay = true});
  EXPECT_FALSE(bus.passes_through("cart/replayed"));
  EXPECT_TRUE(bus.undeclare("cart/checked", ""));
  EXPECT_TRUE(bus.passes_through("cart/checked"));
}

TEST(BusPassesThrough, ASchemaOnABusThatDoesNotValidateAndAStrictBus) {
  Bus lax(BusOptions{.validate = false});
  lax.declare("t", {.schema = Schema::parse_json(R"({"type":"integer"})")});
  EXPECT_TRUE(lax.passes_through("t"));
  Bus strict(BusOptions{.strict = true});
  EXPECT_FALSE(strict.passes_through("t"));
  auto sub = strict.subscribe("t", [](std::string_view, const Value&) {});
  EXPECT_FALSE(strict.passes_through("t")) << "subscribed to, still undeclared";
  strict.declare("t");
  EXPECT_TRUE(strict.passes_through("t"));
}

TEST(AppEmitIsPlain, FollowsNamespacesSharingAndInspectors) {
  Host host{HostOptions{.validation = ValidationMode::always}};
  App cart = host.mount("cart");
  EXPECT_TRUE(cart.emit_is_plain("cart/item-added"));
  EXPECT_TRUE(cart.emit_is_plain("nobody/holds-this"));
  EXPECT_FALSE(cart.emit_is_plain("platform/x"));
  App profile = host.mount("profile");
  EXPECT_FALSE(cart.emit_is_plain("profile/updated")) << "another app's namespace";
  host.platform().declare("profile/shared");
  EXPECT_TRUE(cart.emit_is_plain("profile/shared"));
  profile.declare("profile/checked", {.schema = Schema::parse_json(R"({"type":"object"})")});
  EXPECT_FALSE(profile.emit_is_plain("profile/checked"));
  {
    auto watching = host.inspect([](const InspectorEvent&) {});
    EXPECT_FALSE(cart.emit_is_plain("cart/item-added")) << "an inspector sees every message";
  }
  EXPECT_TRUE(cart.emit_is_plain("cart/item-added"));
  {
    // Another app's inspector hears none of cart's messages: before, it made every app's emit
    // leave the browser's plain path.
    auto others = profile.inspect([](const InspectorEvent&) {});
    EXPECT_TRUE(cart.emit_is_plain("cart/item-added")) << "profile's inspector hears no message of cart's";
    auto own = cart.inspect([](const InspectorEvent&) {});
    EXPECT_FALSE(cart.emit_is_plain("cart/item-added")) << "cart's own inspector hears its messages";
  }
  EXPECT_TRUE(cart.emit_is_plain("cart/item-added"));
  profile.unmount();
  EXPECT_TRUE(cart.emit_is_plain("profile/updated"));
  EXPECT_TRUE(cart.emit_is_plain("profile/checked")) << "withdrawn with its declarer";
}

TEST(AppEmitIsPlain, AManifestChecksWhatItPublishesWhenTheHostValidates) {
  const Manifest manifest = parse_manifest_json(R"({
    "name": "cart", "version": "1.0.0",
    "topics": {"publishes": {"shared/added": {"type": "object"}}}
  })");
  Host checking{HostOptions{.validation = ValidationMode::always}};
  App a = checking.mount(manifest);
  EXPECT_FALSE(a.emit_is_plain("shared/added"));
  EXPECT_FALSE(a.emit_is_plain("shared/unlisted"));
  Host lax{HostOptions{.validation = ValidationMode::off}};
  App b = lax.mount(manifest);
  EXPECT_TRUE(b.emit_is_plain("shared/added"));
  EXPECT_FALSE(b.emit_is_plain("shared/unlisted")) << "emit refuses a topic the manifest does not list";
}

TEST(AppEmitIsPlain, AnUnmountedAppThrows) {
  Host host;
  App a = host.mount("a");
  a.unmount();
  EXPECT_EQ(code_of([&] { (void)a.emit_is_plain("a/x"); }), ErrorCode::app_unmounted);
}

// Whoever delivers a plain message reports a listener's throw as the host does when it delivers:
// the same error (nesting what was thrown) to the handler, the same event to the inspectors that
// hear the receiving app (its own and the shell's), none to another app's.
TEST(AppReportListenerError, TellsWhatTheHostsOwnDeliveryTells) {
  Errors errors;
  std::vector<std::exception_ptr> causes;  // Errors keeps copies, which drop the nested cause
  Host host({.on_error = [&](const Error& e) {
    errors.list.push_back(e);
    causes.push_back(e.cause());
  }});
  App sender = host.mount("sender");
  App receiver = host.mount("receiver");
  App other = host.mount("other");
  std::vector<InspectorEvent> own, shell, others;
  auto s1 = receiver.inspect([&](const InspectorEvent& e) { own.push_back(e); });
  auto s2 = host.inspect([&](const InspectorEvent& e) {
    if (e.kind == InspectorEventKind::error) shell.push_back(e);
  });
  auto s3 = other.inspect([&](const InspectorEvent& e) { others.push_back(e); });
  auto sub = receiver.on("sender/said", [](std::string_view, const Value&) { throw std::runtime_error("boom"); });
  sender.emit("sender/said", Value(1));  // the host delivers
  host.run_until_idle();
  try {
    throw std::runtime_error("boom");
  } catch (...) {
    receiver.report_listener_error("sender/said");  // as a plain delivery reports it
  }
  host.run_until_idle();
  ASSERT_EQ(own.size(), 2u);
  ASSERT_EQ(shell.size(), 2u);
  EXPECT_TRUE(others.empty());
  for (const auto* list : {&own, &shell}) {
    for (const InspectorEvent& e : *list) {
      EXPECT_EQ(e.kind, InspectorEventKind::error);
      EXPECT_EQ(e.app, "receiver");
      EXPECT_EQ(e.code, ErrorCode::listener_error);
    }
  }
  EXPECT_EQ(own[1].detail, own[0].detail);
  EXPECT_EQ(own[1].detail, R"(a subscriber of topic "sender/said" in app "receiver" threw: boom)");
  ASSERT_EQ(errors.list.size(), 2u);
  EXPECT_EQ(std::string(errors.list[1].what()), errors.list[0].what());
  for (const std::exception_ptr& cause : causes) {
    ASSERT_TRUE(cause);
    try {
      std::rethrow_exception(cause);
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "boom");
    }
  }
  receiver.unmount();
  try {
    throw std::runtime_error("late");
  } catch (...) {
    EXPECT_EQ(code_of([&] { receiver.report_listener_error("sender/said"); }), ErrorCode::app_unmounted);
  }
}

TEST(HostHold, NotificationsWaitUntilTheHoldEnds) {
  Host host;
  App a = host.mount("a");
  a.create_store(user_state(), app_reducer);
  std::vector<std::string> order;
  auto sub = a.subscribe([&](const Value& s) { order.push_back("store " + std::to_string(s.get("count").as_int())); });
  auto heard = a.on("a/x", [&](std::string_view, const Value& v) { order.push_back("message " + v.to_json()); });
  Subscription hold = host.hold_notifications();
  a.dispatch(act("INC"));
  a.emit("a/x", 1);
  a.dispatch(act("INC"));
  order.push_back("held");
  Subscription inner = host.hold_notifications();
  inner.cancel();
  order.push_back("an inner hold ended");
  hold.cancel();
  EXPECT_EQ(order, (std::vector<std::string>{"held", "an inner hold ended", "store 2", "message 1"}));
  hold.cancel();  // harmless twice
  a.dispatch(act("INC"));
  EXPECT_EQ(order.back(), "store 3");
}

TEST(HostHold, DroppingTheHandleEndsTheHold) {
  Host host;
  App a = host.mount("a");
  int heard = 0;
  auto sub = a.on("a/x", [&](std::string_view, const Value&) { ++heard; });
  {
    Subscription hold = host.hold_notifications();
    a.emit("a/x", 1);
    EXPECT_EQ(heard, 0);
  }
  EXPECT_EQ(heard, 1);
}

TEST(HostHold, DestroyingTheHostWhileHeldIsSafe) {
  auto host = std::make_unique<Host>();
  App a = host->mount("a");
  int told = 0;
  a.create_store(user_state(), app_reducer);
  auto sub = a.subscribe([&](const Value&) { ++told; });
  Subscription hold = host->hold_notifications();
  a.dispatch(act("INC"));
  host.reset();
  EXPECT_FALSE(a.mounted());
  hold.cancel();
  EXPECT_EQ(told, 0) << "unmounted with its host before the hold ended: its subscriber is not told";
}
