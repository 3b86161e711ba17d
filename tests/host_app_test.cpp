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
  { App a = host.mount("home"); }
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

// What the browser build runs after each call into the host: posted work only, so a timer fires
// from the page's event loop (the driver's setTimeout), never inside the page's call.
TEST(HostRuntime, RunPostedRunsPostedWorkButNoTimerEvenOneDue) {
  ManualClock clock(Millis{100});
  Host host(clock);
  App a = host.mount("a");
  host.run_until_idle();
  int fired = 0;
  int posted = 0;
  auto timer = a.schedule_after(Millis{0}, [&] { ++fired; });
  host.post([&] {
    ++posted;
    host.post([&] { ++posted; });  // work posted by posted work runs too
  });
  EXPECT_EQ(host.run_posted(), 2u);
  EXPECT_EQ(posted, 2);
  EXPECT_EQ(fired, 0);
  EXPECT_EQ(host.next_due(), Millis{100});  // due, left for the run_until_idle the timer wakes
  EXPECT_EQ(host.run_until_idle(), 1u);
  EXPECT_EQ(fired, 1);
}

TEST(HostValidation, ModeDecidesWhetherValuesAreValidated) {
  EXPECT_TRUE(Host({.validation = ValidationMode::always, .development = false}).validating());
  EXPECT_FALSE(Host({.validation = ValidationMode::off, .development = true}).validating());
  EXPECT_TRUE(Host({.validation = ValidationMode::development, .development = true}).validating());
  EXPECT_FALSE(Host({.validation = ValidationMode::development, .development = false}).validating());
}

// ---- the platform app and reserved names ----

TEST(HostPlatform, TheHostMountsPlatformItselfFirstAndKeepsTheNameForIt) {
  Host host;
  App home = host.mount("home");
  EXPECT_EQ(host.apps(), (std::vector<std::string>{"platform", "home"}));
  EXPECT_EQ(&host.platform(), &host.platform());
  EXPECT_EQ(code_of([&] { (void)host.mount(Host::platform_name); }), ErrorCode::name_reserved);
  EXPECT_EQ(code_of([&] { (void)host.reserve(Host::platform_name); }), ErrorCode::name_reserved);
}

TEST(HostReservation, ANameIsFreeAgainOnceItsReservationGoes) {
  Host host;
  {
    Reservation r = host.reserve("profile");
    EXPECT_EQ(r.name(), "profile");
    EXPECT_EQ(code_of([&] { (void)host.mount("profile"); }), ErrorCode::name_reserved);
    EXPECT_EQ(code_of([&] { (void)host.reserve("profile"); }), ErrorCode::name_reserved);
  }
  App p = host.mount("profile");
  EXPECT_TRUE(p.mounted());
}

TEST(HostReservation, TheReservationMountsTheNameAgainAfterAnUnmount) {
  Host host;
  Reservation r = host.reserve("profile");
  App first = host.mount("profile", {.version = "1.0.0", .reservation = &r});
  first.unmount();
  EXPECT_EQ(code_of([&] { (void)host.mount("profile"); }), ErrorCode::name_reserved);
  App second = host.mount("profile", {.version = "2.0.0", .reservation = &r});
  EXPECT_EQ(second.version(), "2.0.0");
  Reservation moved = std::move(r);
  EXPECT_EQ(moved.name(), "profile");
  EXPECT_EQ(code_of([&] { (void)host.reserve(""); }), ErrorCode::invalid_argument);
}

// ---- an app's own timers ----

TEST(HostTimers, AnAppsTimerFiresOnceAtItsTimeAndItsHandleCancelsIt) {
  ManualClock clock(Millis{100});
  Host host(clock);
  App a = host.mount("a");
  std::vector<std::int64_t> fired_at;
  auto t1 = a.schedule_after(Millis{10}, [&] { fired_at.push_back(a.now().count()); });
  auto t2 = a.schedule_after(Millis{20}, [&] { fired_at.push_back(a.now().count()); });
  EXPECT_TRUE(t1.active());
  host.advance(Millis{15});
  EXPECT_FALSE(t1.active());  // done: the app forgets it
  t2.cancel();
  host.advance(Millis{20});
  EXPECT_EQ(fired_at, (std::vector<std::int64_t>{110}));
  EXPECT_EQ(host.now(), Millis{135});
}

TEST(HostTimers, UnmountingCancelsTheAppsTimersEvenDetachedOnes) {
  ManualClock clock;
  Host host(clock);
  App a = host.mount("a");
  int fired = 0;
  a.schedule_after(Millis{5}, [&] { ++fired; }).detach();
  a.unmount();
  host.advance(Millis{10});
  EXPECT_EQ(fired, 0);
}

TEST(HostTimers, AThrowingTimerGoesToTheErrorHandlerNamingItsApp) {
  Errors errors;
  ManualClock clock;
  Host host(clock, {.on_error = errors.handler()});
  App a = host.mount("a");
  auto t = a.schedule_after(Millis{1}, [] { throw std::runtime_error("tick failed"); });
  EXPECT_NO_THROW(host.advance(Millis{1}));
  ASSERT_EQ(errors.list.size(), 1u);
  EXPECT_EQ(errors.list[0].code(), ErrorCode::listener_error);
  EXPECT_NE(std::string(errors.list[0].what()).find("app \"a\""), std::string::npos);
  EXPECT_EQ(code_of([&] { (void)a.schedule_after(Millis{1}, {}); }), ErrorCode::invalid_argument);
}

TEST(HostRuntime, PostedWorkRunsAtTheNextRunUntilIdle) {
  Host host;
  int ran = 0;
  host.post([&] { ++ran; });
  EXPECT_TRUE(host.wait_for_work(Millis{0}));
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(host.run_until_idle(), 1u);
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(code_of([&] { host.advance(Millis{1}); }), ErrorCode::invalid_argument);  // not a ManualClock
}
