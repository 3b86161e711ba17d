// The host's one shared query cache, reached through App handles: what one app writes, every
// app observing the key sees; unmounting an app ends its observations.
#include <gtest/gtest.h>

#include <vector>

#include "mfstate/host.hpp"
#include "mfstate/key.hpp"

namespace mfstate {
namespace {

Value user_key() { return key_from_url("GET", "/api/users/me"); }

TEST(HostQueries, AnAppsObserverSeesDataAnotherAppSets) {
  ManualClock clock;
  Host host(clock);
  App home = host.mount("home");
  App profile = host.mount("profile");

  std::vector<std::string> names;
  Subscription watch = home.observe({.key = user_key(),
                                     .fetcher = sync_fetcher([](const Value&) {
                                       return Value::object({{"name", "John Doe"}});
                                     }),
                                     .stale_time = Millis{60'000}},
                                    [&](const QueryResult& r) {
                                      if (r.data) names.emplace_back(r.data->get("name").as_string());
                                    });
  host.run_until_idle();
  ASSERT_EQ(names, std::vector<std::string>{"John Doe"});

  // Profile never heard of Home: it writes the shared cache, and Home's observer is told.
  host.queries().set_query_data(user_key(), Value::object({{"name", "Jane Doe"}}));
  host.run_until_idle();
  EXPECT_EQ(names, (std::vector<std::string>{"John Doe", "Jane Doe"}));
  (void)profile;
}

TEST(HostQueries, UnmountingAnAppEndsItsObservers) {
  ManualClock clock;
  Host host(clock);
  App home = host.mount("home");
  int calls = 0;
  Subscription watch =
      home.observe({.key = Value::array({"todos"}), .enabled = false}, [&](const QueryResult&) { ++calls; });
  host.run_until_idle();
  EXPECT_EQ(host.queries().stats().observers, 1u);
  const int calls_before_unmount = calls;
  home.unmount();
  EXPECT_EQ(host.queries().stats().observers, 0u);
  EXPECT_FALSE(watch.active());
  host.queries().set_query_data(Value::array({"todos"}), Value::array({1}));
  host.run_until_idle();
  EXPECT_EQ(calls, calls_before_unmount);
}

TEST(HostQueries, ObservingFromAnUnmountedAppThrowsAppUnmounted) {
  ManualClock clock;
  Host host(clock);
  App home = host.mount("home");
  home.unmount();
  try {
    Subscription s = home.observe({.key = Value::array({"todos"})}, [](const QueryResult&) {});
    FAIL() << "observe on an unmounted app must throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::app_unmounted);
  }
}

}  // namespace
}  // namespace mfstate
