// Lifetimes that could corrupt memory: an App or the Host destroyed from inside one of its own
// callbacks, handles and values outliving what they came from. Each of these was a
// heap-use-after-free or a leak under ASan before; they must pass under ASan+UBSan.
#include <gtest/gtest.h>

#include <memory>

#include "host_test_support.hpp"

using namespace mfstate;
using namespace host_test;

namespace {

Fetcher answer(Value v) {
  return sync_fetcher([v](const Value&) { return v; });
}

struct Producer {
  Host& host;
  App app;
  explicit Producer(Host& h) : host(h), app(h.mount("profile")) {
    app.create_store(user_state(), app_reducer);
    app.expose("user", [](const Value& s) { return s.get("user"); });
  }
};

}  // namespace

// ---- an App destroyed or unmounted inside the first delivery of its own watch / observe ----

TEST(HostLifetime, AppDestroyedInsideTheFirstDeliveryOfItsOwnWatch) {
  Host host;
  Producer p(host);
  auto home = std::make_unique<App>(host.mount("home"));
  int calls = 0;
  Subscription w = home->watch("profile", "user", [&](const ExportEvent&) {
    ++calls;
    home.reset();  // destroys the handle whose watch() is still on the stack
  });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(home);
  EXPECT_FALSE(w.active());  // the unmount ended it
  EXPECT_FALSE(host.is_mounted("home"));
  p.app.dispatch(act("RENAME", "Jane"));
  EXPECT_EQ(calls, 1);  // no later call
}

TEST(HostLifetime, AppUnmountedInsideTheFirstDeliveryOfItsOwnWatch) {
  Host host;
  Producer p(host);
  App home = host.mount("home");
  int calls = 0;
  Subscription w = home.watch("profile", "user", [&](const ExportEvent&) {
    ++calls;
    home.unmount();
  });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(w.active());
  p.app.dispatch(act("RENAME", "Jane"));
  EXPECT_EQ(calls, 1);
}

TEST(HostLifetime, AppDestroyedInsideTheFirstDeliveryOfItsOwnObserve) {
  Host host;
  auto home = std::make_unique<App>(host.mount("home"));
  host.queries().set_query_data(Value::array({"user"}), Value("John"));
  int calls = 0;
  Subscription o =
      home->observe({.key = Value::array({"user"}), .fetcher = answer("John"), .stale_time = never_expires},
                    [&](const QueryResult&) {
                      ++calls;
                      home.reset();
                    });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(o.active());
  host.queries().set_query_data(Value::array({"user"}), Value("Jane"));
  host.run_until_idle();
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(host.queries().stats().observers, 0u);
}

TEST(HostLifetime, AppUnmountedInsideTheFirstDeliveryOfItsOwnObserve) {
  Host host;
  App home = host.mount("home");
  int calls = 0;
  Subscription o =
      home.observe({.key = Value::array({"user"}), .fetcher = answer("John")}, [&](const QueryResult&) {
        ++calls;
        home.unmount();
      });
  EXPECT_GE(calls, 1);
  const int seen = calls;
  EXPECT_FALSE(o.active());
  host.queries().set_query_data(Value::array({"user"}), Value("Jane"));
  host.run_until_idle();
  EXPECT_EQ(calls, seen);
}

TEST(HostLifetime, AppDestroyedInsideTheFetcherItsOwnObserveRuns) {
  Host host;
  auto home = std::make_unique<App>(host.mount("home"));
  int listened = 0;
  Subscription o =
      home->observe({.key = Value::array({"user"}), .fetcher = sync_fetcher([&](const Value&) {
                                                      home.reset();  // the fetcher runs inside observe()
                                                      return Value("John");
                                                    })},
                    [&](const QueryResult&) { ++listened; });
  EXPECT_FALSE(home);
  EXPECT_FALSE(o.active());  // made for an app that is gone: ended at once
  EXPECT_EQ(listened, 0);
  host.run_until_idle();
  EXPECT_EQ(host.queries().stats().observers, 0u);
}

TEST(HostLifetime, AppDestroyedInsideTheReplayOfItsOwnBusSubscription) {
  Host host;
  host.platform().declare("ui/theme", {.replay = true});
  host.platform().emit("ui/theme", "dark");
  auto home = std::make_unique<App>(host.mount("home"));
  int calls = 0;
  Subscription s = home->on("ui/theme", [&](std::string_view, const Value&) {
    ++calls;
    home.reset();
  });
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(s.active());
  host.platform().emit("ui/theme", "light");
  EXPECT_EQ(calls, 1);
}

TEST(HostLifetime, AppDestroyedInsideItsOwnSubscriber) {
  Host host;
  auto a = std::make_unique<App>(host.mount("a"));
  a->create_store(user_state(), app_reducer);
  auto sub = a->subscribe([&](const Value&) { a.reset(); });
  a->dispatch(act("INC"));
  EXPECT_FALSE(a);
  EXPECT_FALSE(host.is_mounted("a"));
}

TEST(HostLifetime, ProducerUnmountedInsideItsOwnSelectorDuringAnotherAppsRead) {
  Host host;
  auto profile = std::make_unique<App>(host.mount("profile"));
  profile->create_store(user_state(), app_reducer);
  profile->expose("user", [&](const Value& s) {
    profile.reset();  // the selector's own capture goes with its app
    return s.get("user");
  });
  App home = host.mount("home");
  Value user = home.read("profile", "user");
  EXPECT_EQ(user.get("name").as_string(), "John Doe");
  EXPECT_EQ(code_of([&] { (void)home.read("profile", "user"); }), ErrorCode::unknown_app);
}

TEST(HostLifetime, HandlerReplacingItselfWhileItRunsIsSafe) {
  Host host;
  App home = host.mount("home");
  App profile = host.mount("profile");
  home.create_store(user_state(), app_reducer);
  int generation = 0;
  std::string big(200, 'x');  // a capture too large for std::function's small buffer
  home.accept("step", std::nullopt, [&, big](const Action&, std::string_view) {
    ++generation;
    home.accept("step", std::nullopt, [&](const Action&, std::string_view) { generation += 10; });
    EXPECT_EQ(big.size(), 200u);  // still readable: the running handler was not destroyed
  });
  profile.send("home", act("step"));
  profile.send("home", act("step"));
  EXPECT_EQ(generation, 11);
}

// ---- the Host destroyed inside one of its own callbacks: finishes the call, then frees ----

TEST(HostLifetime, HostDestroyedInsideAStoreSubscriber) {
  auto host = std::make_unique<Host>();
  App a = host->mount("a");
  a.create_store(user_state(), app_reducer);
  int later = 0;
  auto s1 = a.subscribe([&](const Value&) { host.reset(); });
  auto s2 = a.subscribe([&](const Value&) { ++later; });  // its app is gone by then
  a.dispatch(act("INC"));
  EXPECT_FALSE(host);
  EXPECT_FALSE(a.mounted());
  EXPECT_EQ(later, 0);
  EXPECT_EQ(code_of([&] { a.dispatch(act("INC")); }), ErrorCode::app_unmounted);
}

TEST(HostLifetime, HostDestroyedInsideAWatcher) {
  auto host = std::make_unique<Host>();
  App profile = host->mount("profile");
  profile.create_store(user_state(), app_reducer);
  profile.expose("user", [](const Value& s) { return s.get("user"); });
  App home = host->mount("home");
  int calls = 0;
  auto w = home.watch("profile", "user", [&](const ExportEvent&) {
    if (++calls == 2) host.reset();
  });
  profile.dispatch(act("RENAME", "Jane"));
  EXPECT_FALSE(host);
  EXPECT_FALSE(home.mounted());
  EXPECT_FALSE(w.active());
}

TEST(HostLifetime, HostDestroyedInsideABusListener) {
  auto host = std::make_unique<Host>();
  App a = host->mount("a");
  App b = host->mount("b");
  auto s = b.on("a/ping", [&](std::string_view, const Value&) { host.reset(); });
  a.emit("a/ping", 1);
  EXPECT_FALSE(host);
  EXPECT_EQ(code_of([&] { a.emit("a/ping", 2); }), ErrorCode::app_unmounted);
}

TEST(HostLifetime, HostDestroyedInsideACommandHandler) {
  auto host = std::make_unique<Host>();
  App a = host->mount("a");
  App b = host->mount("b");
  b.create_store(user_state(), app_reducer);
  b.accept("quit", std::nullopt, [&](const Action&, std::string_view) {
    b.dispatch(act("INC"));
    host.reset();
  });
  a.send("b", act("quit"));
  EXPECT_FALSE(host);
  EXPECT_FALSE(b.mounted());
}

TEST(HostLifetime, HostDestroyedInsideAnAppTimerDuringAdvance) {
  ManualClock clock;
  auto host = std::make_unique<Host>(clock);
  App a = host->mount("a");
  int second = 0;
  auto t1 = a.schedule_after(Millis{10}, [&] { host.reset(); });
  auto t2 = a.schedule_after(Millis{10}, [&] { ++second; });
  host->advance(Millis{20});
  EXPECT_FALSE(host);
  EXPECT_EQ(second, 0);  // cancelled by the unmount
  t1.cancel();
  t2.cancel();
}

TEST(HostLifetime, HostDestroyedInsideAQueryObserverOfAnApp) {
  auto host = std::make_unique<Host>();
  App a = host->mount("a");
  auto o = a.observe({.key = Value::array({"k"}), .fetcher = answer(1)}, [&](const QueryResult& r) {
    if (r.is_success()) host.reset();
  });
  EXPECT_FALSE(host);
  EXPECT_FALSE(o.active());
}

TEST(HostLifetime, HostDestroyedInsideAShellInspectListener) {
  auto host = std::make_unique<Host>();
  auto s = host->inspect([&](const InspectorEvent& e) {
    if (e.kind == InspectorEventKind::mount && e.app == "a") host.reset();
  });
  App a = host->mount("a");  // the mount event destroys the host before mount returns
  EXPECT_FALSE(host);
  EXPECT_FALSE(a.mounted());
}

TEST(HostLifetime, HostDestroyedInsideAnAppInspectListener) {
  auto host = std::make_unique<Host>();
  App a = host->mount("a");
  a.create_store(user_state(), app_reducer);
  auto s = a.inspect([&](const InspectorEvent& e) {
    if (e.kind == InspectorEventKind::action) host.reset();
  });
  a.dispatch(act("INC"));
  EXPECT_FALSE(host);
}

TEST(HostLifetime, HostDestroyedInsideATransaction) {
  auto host = std::make_unique<Host>();
  App a = host->mount("a");
  a.create_store(user_state(), app_reducer);
  a.transaction([&] {
    a.dispatch(act("INC"));
    host.reset();
  });
  EXPECT_FALSE(host);
}

// ---- what outlives what ----

TEST(HostLifetime, StateTakenFromAnAppStaysValidAfterItIsUnmountedAndDestroyed) {
  Host host;
  Value state;
  Value user;
  {
    App a = host.mount("a");
    a.create_store(user_state(), app_reducer);
    state = a.state();
    a.expose("user", [](const Value& s) { return s.get("user"); });
    App b = host.mount("b");
    user = b.read("a", "user");
  }
  EXPECT_EQ(state.get("user").get("name").as_string(), "John Doe");
  EXPECT_EQ(user.get("name").as_string(), "John Doe");
}

TEST(HostLifetime, HandlesTimersAndReservationsOutlivingTheHostAreInert) {
  App a;
  Subscription timer;
  Subscription watch;
  Reservation r;
  {
    ManualClock clock;
    Host host(clock);
    a = host.mount("a");
    timer = a.schedule_after(Millis{5}, [] {});
    watch = a.watch("nobody", "x", [](const ExportEvent&) {});
    r = host.reserve("later");
  }
  EXPECT_FALSE(a.mounted());
  EXPECT_EQ(code_of([&] { a.dispatch(act("INC")); }), ErrorCode::app_unmounted);
  timer.cancel();
  watch.cancel();
  r = Reservation();
  SUCCEED();
}
