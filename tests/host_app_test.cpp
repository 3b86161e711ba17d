#include <gtest/gtest.h>

#include "host_test_support.hpp"

using namespace mfstate;
using namespace host_test;

TEST(HostMount, MountReturnsAHandleNamedAfterTheApp) {
  Host host;
  App home = host.mount("home", {.version = "1.2.0"});
  EXPECT_TRUE(home.mounted());
  EXPECT_EQ(home.name(), "home");
  EXPECT_EQ(home.version(), "1.2.0");
  EXPECT_TRUE(host.is_mounted("home"));
}

TEST(HostMount, MountingANameTwiceIsAnError) {
  Host host;
  App a = host.mount("home");
  EXPECT_EQ(code_of([&] { (void)host.mount("home"); }), ErrorCode::app_already_mounted);
  EXPECT_EQ(code_of([&] { (void)host.mount(""); }), ErrorCode::invalid_argument);
}

TEST(HostMount, UnmountThenMountAgainWorks) {
  Host host;
  App a = host.mount("home");
  a.create_store(user_state(), app_reducer);
  a.unmount();
  EXPECT_FALSE(a.mounted());
  EXPECT_FALSE(host.is_mounted("home"));
  App b = host.mount("home");
  EXPECT_TRUE(b.mounted());
  // The new mount starts fresh: no store until it creates one.
  EXPECT_EQ(code_of([&] { (void)b.state(); }), ErrorCode::no_store);
}

TEST(HostMount, DestroyingTheHandleUnmounts) {
  Host host;
  {
    App a = host.mount("home");
  }
  EXPECT_FALSE(host.is_mounted("home"));
  App again = host.mount("home");
  EXPECT_TRUE(again.mounted());
}

TEST(HostMount, MovingTheHandleMovesTheCapability) {
  Host host;
  App a = host.mount("home");
  App b = std::move(a);
  EXPECT_FALSE(a.mounted());  // NOLINT(bugprone-use-after-move): the moved-from handle is empty
  EXPECT_TRUE(b.mounted());
  EXPECT_TRUE(host.is_mounted("home"));
  EXPECT_EQ(code_of([&] { a.dispatch(act("INC")); }), ErrorCode::app_unmounted);
}

TEST(HostMount, UsingAnUnmountedHandleThrowsAppUnmounted) {
  Host host;
  App a = host.mount("home");
  a.unmount();
  a.unmount();  // harmless
  EXPECT_EQ(code_of([&] { a.create_store(Value(), app_reducer); }), ErrorCode::app_unmounted);
  EXPECT_EQ(code_of([&] { (void)a.read("x", "y"); }), ErrorCode::app_unmounted);
  EXPECT_EQ(code_of([&] { a.send("x", act("T")); }), ErrorCode::app_unmounted);
}

TEST(HostMount, AppsListsMountedAppsInMountOrderAndPlatformIsAnApp) {
  Host host;
  EXPECT_EQ(host.platform().name(), "platform");
  EXPECT_TRUE(host.platform().mounted());
  App home = host.mount("home");
  App profile = host.mount("profile");
  home.unmount();
  EXPECT_EQ(host.apps(), (std::vector<std::string>{"platform", "profile"}));
}

TEST(HostStore, AppOwnsItsStoreAndDispatchesToIt) {
  Host host;
  App home = host.mount("home");
  EXPECT_EQ(code_of([&] { home.dispatch(act("INC")); }), ErrorCode::no_store);
  home.create_store(user_state(), app_reducer);
  EXPECT_EQ(code_of([&] { home.create_store(Value(), app_reducer); }), ErrorCode::invalid_argument);
  int calls = 0;
  auto sub = home.subscribe([&](const Value&) { ++calls; });
  home.dispatch(act("INC"));
  EXPECT_EQ(home.state().get("count").as_int(), 1);
  EXPECT_EQ(calls, 1);
}

TEST(HostUnmount, ReleasesSubscriptionsWatchesBusSubscriptionsAndAdoptedOnes) {
  Host host;
  App profile = host.mount("profile");
  profile.create_store(user_state(), app_reducer);
  profile.expose("user", [](const Value& s) { return s.get("user"); });
  App home = host.mount("home");
  home.create_store(user_state(), app_reducer);

  auto store_sub = home.subscribe([](const Value&) {});
  auto watch = home.watch("profile", "user", [](const ExportEvent&) {});
  int heard = 0;
  auto bus_sub = home.on("cart/*", [&](std::string_view, const Value&) { ++heard; });
  bool adopted_cancelled = false;
  home.adopt(Subscription([&] { adopted_cancelled = true; }));
  home.accept("home/refresh");

  home.unmount();
  EXPECT_FALSE(store_sub.active());
  EXPECT_FALSE(watch.active());
  EXPECT_FALSE(bus_sub.active());
  EXPECT_TRUE(adopted_cancelled);
  profile.emit("cart/x", 1);
  EXPECT_EQ(heard, 0);
  EXPECT_EQ(code_of([&] { profile.send("home", act("home/refresh")); }), ErrorCode::unknown_app);
}

TEST(HostUnmount, AdoptOnAnUnmountedAppCancelsAndThrows) {
  Host host;
  App a = host.mount("a");
  a.unmount();
  bool cancelled = false;
  EXPECT_EQ(code_of([&] { a.adopt(Subscription([&] { cancelled = true; })); }), ErrorCode::app_unmounted);
  EXPECT_TRUE(cancelled);
}

TEST(HostUnmount, AnAppCanUnmountItselfFromItsOwnSubscriber) {
  Host host;
  App a = host.mount("a");
  a.create_store(user_state(), app_reducer);
  auto sub = a.subscribe([&](const Value&) { a.unmount(); });
  a.dispatch(act("INC"));
  EXPECT_FALSE(a.mounted());
  App again = host.mount("a");
  EXPECT_TRUE(again.mounted());
}

TEST(HostLifetime, HandlesOutlivingTheHostAreInert) {
  App a;
  Subscription s;
  {
    Host host;
    a = host.mount("a");
    a.create_store(user_state(), app_reducer);
    s = a.subscribe([](const Value&) {});
  }
  EXPECT_FALSE(a.mounted());
  EXPECT_EQ(code_of([&] { a.dispatch(act("INC")); }), ErrorCode::app_unmounted);
  s.cancel();
}

TEST(HostRuntime, HostOnAManualClockDrivesTimersThroughItsRuntime) {
  ManualClock clock;
  Host host(clock);
  App a = host.mount("a");
  a.create_store(user_state(), app_reducer);
  auto timer = a.schedule_after(Millis{50}, [&] { a.dispatch(act("INC")); });
  host.advance(Millis{49});
  EXPECT_EQ(a.state().get("count").as_int(), 0);
  host.advance(Millis{1});
  EXPECT_EQ(a.state().get("count").as_int(), 1);
}

TEST(HostValidation, ModeDecidesWhetherValuesAreValidated) {
  EXPECT_TRUE(Host({.validation = ValidationMode::always, .development = false}).validating());
  EXPECT_FALSE(Host({.validation = ValidationMode::off, .development = true}).validating());
  EXPECT_TRUE(Host({.validation = ValidationMode::development, .development = true}).validating());
  EXPECT_FALSE(Host({.validation = ValidationMode::development, .development = false}).validating());
}
