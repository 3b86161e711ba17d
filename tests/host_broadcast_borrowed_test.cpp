// A broadcast hands every target the same action: a store without middleware that is not busy
// reduces it from the broadcast's own copy (no copy per target); one with middleware, or busy (it
// queues the action), gets a copy of its own. Either way each target sees the action as sent, and
// the broadcast stays all or nothing.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host_test_support.hpp"

using namespace mfstate;
using namespace host_test;

namespace {

struct Seen {
  std::string app;
  std::string type;
  Value payload;
  Value meta;
  const Action* at = nullptr;  // the action object the reducer was handed
};

// A reducer recording what it was given; declared noexcept or not (the broadcast runs in a plain
// batch or in a transaction).
template <bool Nothrow>
Reducer recording(std::vector<Seen>& seen, std::string app) {
  return [&seen, app](Value s, const Action& a) noexcept(Nothrow) {
    seen.push_back({app, a.type, a.payload, a.meta, &a});
    return a.type == "INC" ? s.set("count", s.get("count").as_int() + 1) : s;
  };
}

// Home, profile and cart, each a store with a recording reducer accepting INC.
template <bool Nothrow>
std::vector<App> three_recording_apps(Host& host, std::vector<Seen>& seen) {
  std::vector<App> apps;
  for (const char* name : {"home", "profile", "cart"}) {
    App a = host.mount(name);
    a.create_store(user_state(), recording<Nothrow>(seen, name));
    a.accept("INC");
    apps.push_back(std::move(a));
  }
  return apps;
}

// Home and profile, each a store recording what it reduces, both accepting PING; the one that
// accepted last is a broadcast's last target.
struct HomeAndProfile {
  App home;
  App profile;
};
HomeAndProfile home_and_profile(Host& host, std::vector<Seen>& seen, bool home_accepts_last) {
  HomeAndProfile apps{host.mount("home"), host.mount("profile")};
  apps.home.create_store(user_state(), recording<true>(seen, "home"));
  apps.profile.create_store(user_state(), recording<true>(seen, "profile"));
  (home_accepts_last ? apps.profile : apps.home).accept("PING");
  (home_accepts_last ? apps.home : apps.profile).accept("PING");
  return apps;
}

template <bool Nothrow>
void every_target_sees_the_action_as_sent() {
  Host host;
  std::vector<Seen> seen;
  std::vector<App> apps = three_recording_apps<Nothrow>(host, seen);
  const Value payload = Value::object({{"by", 1}});
  const Value meta = Value::object({{"trace", "t-1"}});
  EXPECT_EQ(apps[1].broadcast(Action{"INC", payload, meta}), 3U);
  ASSERT_EQ(seen.size(), 3U);
  const char* order[] = {"home", "profile", "cart"};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(seen[i].app, order[i]);
    EXPECT_EQ(seen[i].type, "INC");
    EXPECT_EQ(seen[i].payload, payload);
    EXPECT_EQ(seen[i].meta, meta);
  }
  // The point of borrowing: no target is handed a copy of its own (these stores have no
  // middleware and none is busy).
  EXPECT_EQ(seen[0].at, seen[1].at);
  EXPECT_EQ(seen[1].at, seen[2].at);
  for (const App& a : apps) EXPECT_EQ(a.state().get("count").as_int(), 1);
}

}  // namespace

TEST(HostBroadcastBorrowed, EveryTargetSeesTheActionAsSentInABatch) {
  every_target_sees_the_action_as_sent<true>();
}

TEST(HostBroadcastBorrowed, EveryTargetSeesTheActionAsSentInATransaction) {
  every_target_sees_the_action_as_sent<false>();
}

TEST(HostBroadcastBorrowed, MiddlewareGetsACopyOfItsOwn) {
  Host host;
  std::vector<Seen> seen;
  App home = host.mount("home");
  App profile = host.mount("profile");
  App cart = host.mount("cart");
  // Home's middleware rewrites the action it was given: the targets after it must not see that.
  home.create_store(user_state(), recording<false>(seen, "home"),
                    {[](const StoreRef&, Action a, const Next& next) {
                      a.type = "INC";
                      a.payload = Value(41);
                      next(std::move(a));
                    }});
  cart.create_store(user_state(), recording<true>(seen, "cart"));
  profile.create_store(user_state(), recording<false>(seen, "profile"));
  for (App* a : {&home, &cart, &profile}) a->accept("INC");
  EXPECT_EQ(profile.broadcast(act("INC", 7)), 3U);
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[0].app, "home");
  EXPECT_EQ(seen[0].payload, Value(41));
  EXPECT_EQ(seen[1].app, "cart");
  EXPECT_EQ(seen[1].payload, Value(7));
  EXPECT_EQ(seen[2].app, "profile");
  EXPECT_EQ(seen[2].payload, Value(7));
}

TEST(HostBroadcastBorrowed, ABusyTargetQueuesACopyThatOutlivesTheBroadcast) {
  Host host;
  std::vector<Seen> seen;
  // References, not a structured binding: the subscriber below captures profile, and emscripten's
  // clang 14 cannot capture a structured binding in a lambda.
  HomeAndProfile apps = home_and_profile(host, seen, false);
  App& home = apps.home;
  App& profile = apps.profile;
  // While home delivers a change (busy), one of its subscribers broadcasts: home queues the
  // action and runs it after the delivery, once the broadcast and its action are gone.
  bool sent = false;
  auto sub = home.subscribe([&](const Value&) {
    if (sent) return;
    sent = true;
    EXPECT_EQ(profile.broadcast(Action{"PING", Value(std::string(64, 'p')), {}}), 2U);
  });
  home.dispatch(act("INC"));
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[0].app, "home");
  EXPECT_EQ(seen[0].type, "INC");
  EXPECT_EQ(seen[1].app, "profile");  // reduced at once
  EXPECT_EQ(seen[1].type, "PING");
  EXPECT_EQ(seen[2].app, "home");  // queued while busy, run after the broadcast returned
  EXPECT_EQ(seen[2].type, "PING");
  EXPECT_EQ(seen[2].payload, Value(std::string(64, 'p')));
}

TEST(HostBroadcastBorrowed, AThrowingLastTargetRollsBackTheOthers) {
  Host host;
  std::vector<Seen> seen;
  App home = host.mount("home");
  App profile = host.mount("profile");
  App cart = host.mount("cart");
  home.create_store(user_state(), recording<false>(seen, "home"));
  profile.create_store(user_state(), recording<false>(seen, "profile"));
  cart.create_store(user_state(), [](Value s, const Action& a) {
    if (a.type == "INC") throw std::runtime_error("cart refuses");
    return s;
  });
  for (App* a : {&home, &profile, &cart}) a->accept("INC");
  int notified = 0;
  auto sub = home.subscribe([&](const Value&) { ++notified; });
  EXPECT_EQ(code_of([&] { profile.broadcast(act("INC")); }), ErrorCode::reducer_error);
  EXPECT_EQ(seen.size(), 2U);  // home and profile reduced, then cart threw
  EXPECT_EQ(home.state().get("count").as_int(), 0);
  EXPECT_EQ(profile.state().get("count").as_int(), 0);
  EXPECT_EQ(notified, 0);
  // And the next broadcast reaches them all again from the same starting point.
  cart.unmount();
  EXPECT_EQ(profile.broadcast(act("INC")), 2U);
  EXPECT_EQ(home.state().get("count").as_int(), 1);
  EXPECT_EQ(notified, 1);
}

// broadcast(const Action&): an action the caller keeps is reduced from the caller's own object
// by every target that can, and is never moved from — not even by the last target, which may take
// an rvalue's — whatever the targets do with their copies (middleware, a busy store's queue).
TEST(HostBroadcastBorrowed, AKeptActionIsReducedFromTheCallersObjectAndLeftAsItWas) {
  Host host;
  std::vector<Seen> seen;
  std::vector<App> apps = three_recording_apps<false>(host, seen);
  const Action kept{"INC", Value(std::string(64, 'k')), Value::object({{"trace", "t-2"}})};
  EXPECT_EQ(apps[1].broadcast(kept), 3U);
  EXPECT_EQ(apps[1].broadcast(kept), 3U);
  ASSERT_EQ(seen.size(), 6U);
  for (const Seen& s : seen) EXPECT_EQ(s.at, &kept);
  EXPECT_EQ(kept.type, "INC");
  EXPECT_EQ(kept.payload, Value(std::string(64, 'k')));
  EXPECT_EQ(kept.meta, Value::object({{"trace", "t-2"}}));
  for (const App& a : apps) EXPECT_EQ(a.state().get("count").as_int(), 2);
}

TEST(HostBroadcastBorrowed, AKeptActionQueuedByTheLastTargetIsCopiedNotTaken) {
  Host host;
  std::vector<Seen> seen;
  HomeAndProfile apps = home_and_profile(host, seen, true);  // home: the last target, busy when the broadcast comes
  App& home = apps.home;  // references: the subscriber captures profile (see above)
  App& profile = apps.profile;
  const Action kept{"PING", Value(std::string(64, 'p')), {}};
  bool sent = false;
  auto sub = home.subscribe([&](const Value&) {
    if (sent) return;
    sent = true;
    EXPECT_EQ(profile.broadcast(kept), 2U);
    // home is delivering: it queued a copy, and the caller's action is intact.
    EXPECT_EQ(kept.type, "PING");
    EXPECT_EQ(kept.payload, Value(std::string(64, 'p')));
  });
  home.dispatch(act("INC"));
  ASSERT_EQ(seen.size(), 3U);
  EXPECT_EQ(seen[1].app, "profile");
  EXPECT_EQ(seen[1].at, &kept);
  EXPECT_EQ(seen[2].app, "home");  // the queued copy, run after the broadcast returned
  EXPECT_NE(seen[2].at, &kept);
  EXPECT_EQ(seen[2].payload, Value(std::string(64, 'p')));
  EXPECT_EQ(kept.payload, Value(std::string(64, 'p')));
}
