// An app that ended (unmounted) runs no more code through the shared cache: the functions its
// calls gave (a query function, retry and retry_delay, structural sharing) are not called after
// its end, by its own fetch's retries or by another app's refetch of a query it fetched last.
// A fetch under way goes on with a remaining observer's query function, or is cancelled (its
// state reverted); a query's stored options become a remaining observer's, or the shell's
// defaults for its key (which may have a query function), or have no query function at all.
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

class QueryAppEndTest : public QueryTest {
 protected:
  QueryClient shell{rt};
  AppQueryClient home = shell.make_app_client();
  AppQueryClient profile = shell.make_app_client();
  ManualFetcher profiles;  // profile's query function
  ManualFetcher homes;     // home's
  int retry_calls = 0;

  /// profile's fetch of `k`: its own query function, retried for ever by its own function, 10 ms apart.
  Future profile_fetch(const Value& k) {
    return profile.fetch_query({.key = k,
                                .fetcher = profiles.fetcher(),
                                .retry = [this](int, const Error&) { return ++retry_calls > 0; },
                                .retry_delay = Millis{10}});
  }
};

TEST_F(QueryAppEndTest, AFetchUnderWayOfAnEndedAppIsNotRetriedButCancelledAndReverted) {
  Future f = profile_fetch(key({"p"}));
  rt.run_until_idle();
  profiles.reject();
  rt.run_until_idle();
  ASSERT_EQ(retry_calls, 1);
  profile.end();
  for (int i = 0; i < 3; ++i) advance(10);
  EXPECT_EQ(*profiles.count, 1) << "no attempt of profile's after its end";
  EXPECT_EQ(retry_calls, 1);
  ASSERT_TRUE(f.ready());
  ASSERT_NE(f.error(), nullptr);
  EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
  const auto st = shell.get_query_state(key({"p"}));
  EXPECT_EQ(st->status, QueryStatus::pending);
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
  EXPECT_EQ(shell.stats().fetching, 0u);
}

TEST_F(QueryAppEndTest, AFetchUnderWayGoesOnWithARemainingObserversQueryFunction) {
  Future f = profile_fetch(key({"s"}));
  // home observes the query without fetching by itself: its options have a query function.
  auto sub = home.observe({.key = key({"s"}), .fetcher = homes.fetcher(), .enabled = false}, [](const QueryResult&) {});
  rt.run_until_idle();
  profiles.reject();
  rt.run_until_idle();
  profile.end();
  advance(10);
  EXPECT_EQ(*profiles.count, 1);
  EXPECT_EQ(retry_calls, 1);
  ASSERT_EQ(homes.pending(), 1u) << "the next attempt is home's";
  homes.resolve(Value("home's"));
  rt.run_until_idle();
  ASSERT_TRUE(f.ready());
  ASSERT_EQ(f.error(), nullptr);
  EXPECT_EQ(f.value(), Value("home's"));
}

TEST_F(QueryAppEndTest, ARefetchOfASharedQueryAnEndedAppFetchedLastUsesTheRemainingObserversFunction) {
  std::vector<Value> seen;
  auto sub = home.observe({.key = key({"s"}), .fetcher = homes.fetcher()}, [&](const QueryResult& r) {
    if (r.data) seen.push_back(*r.data);
  });
  rt.run_until_idle();
  homes.resolve(Value(1));
  rt.run_until_idle();
  Future last = profile.fetch_query({.key = key({"s"}), .fetcher = profiles.fetcher()});
  rt.run_until_idle();
  profiles.resolve(Value(2));
  rt.run_until_idle();
  ASSERT_EQ(last.value(), Value(2));
  profile.end();
  Future refetched = shell.invalidate_queries({.key = key({"s"})});
  rt.run_until_idle();
  EXPECT_EQ(*profiles.count, 1) << "profile's function is not called after its end";
  ASSERT_EQ(homes.pending(), 1u);
  homes.resolve(Value(3));
  rt.run_until_idle();
  ASSERT_TRUE(refetched.ready());
  EXPECT_EQ(refetched.error(), nullptr);
  EXPECT_EQ(home.get_query_data(key({"s"})), Value(3));
  EXPECT_EQ(seen.back(), Value(3));
}

TEST_F(QueryAppEndTest, ARefetchAfterItsEndUsesTheShellsDefaultFunctionOrFailsForWantOfOne) {
  CountingFetcher served;
  shell.set_query_defaults(key({"GET"}), {.fetcher = served.fetcher()});
  Future a = profile.fetch_query({.key = key({"GET", "/me"}), .fetcher = profiles.fetcher()});
  Future b = profile.fetch_query({.key = key({"p"}), .fetcher = profiles.fetcher()});
  rt.run_until_idle();
  profiles.resolve(Value("mine"));
  profiles.resolve(Value("mine too"));
  rt.run_until_idle();
  profile.end();
  // home refetches both (every query, observed or not): the shell's default serves the first; the
  // second has no query function left, and fails as query-core's query without a queryFn (after
  // the defaults' 3 retries: the options profile's fetch_query gave, no retry, went with it).
  Future r = home.refetch_queries({});
  rt.run_until_idle();
  advance(1000 + 2000 + 4000);
  EXPECT_EQ(*profiles.count, 2);
  EXPECT_EQ(*served.count, 1);
  EXPECT_EQ(home.get_query_data(key({"GET", "/me"}))->get("n"), Value(1));
  const auto st = home.get_query_state(key({"p"}));
  EXPECT_TRUE(r.ready());
  EXPECT_EQ(st->status, QueryStatus::error);
  ASSERT_TRUE(st->error.has_value());
  EXPECT_NE(std::string(st->error->what()).find("Missing queryFn"), std::string::npos);
  EXPECT_EQ(home.get_query_data(key({"p"})), Value("mine too")) << "its data stays";
}

TEST_F(QueryAppEndTest, AFetchWithNoFunctionOfTheEndedAppsOwnGoesOn) {
  shell.set_query_defaults(key({"GET"}), {.fetcher = homes.fetcher()});
  Future f = profile.fetch_query({.key = key({"GET", "/me"}), .retry = 1});
  rt.run_until_idle();
  profile.end();
  ASSERT_EQ(homes.pending(), 1u) << "the shell's fetcher, not profile's: nothing to end";
  homes.resolve(Value("me"));
  rt.run_until_idle();
  EXPECT_EQ(f.value(), Value("me"));
  EXPECT_EQ(shell.get_query_data(key({"GET", "/me"})), Value("me"));
}

TEST_F(QueryAppEndTest, AFetchRunningTheShellsFunctionGoesOnThoughTheAppGaveOtherFunctions) {
  // profile's options are its own (a retry function) but its query function is the shell's
  // default: the fetch is not profile's to stop, and home, which joined it, gets its answer.
  shell.set_query_defaults(key({"GET"}), {.fetcher = homes.fetcher()});
  Future f = profile.fetch_query({.key = key({"GET", "/me"}), .retry = [&](int, const Error&) { return ++retry_calls > 0; }});
  Future joined = home.fetch_query({.key = key({"GET", "/me"})});
  rt.run_until_idle();
  ASSERT_EQ(homes.pending(), 1u);
  profile.end();
  EXPECT_EQ(shell.stats().fetching, 1u) << "not cancelled";
  homes.reject();
  rt.run_until_idle();
  EXPECT_EQ(retry_calls, 0) << "the decision to retry is the shell's defaults' (3 retries), not profile's";
  advance(1000);
  ASSERT_EQ(homes.pending(), 1u) << "retried with the shell's function";
  homes.resolve(Value("me"));
  rt.run_until_idle();
  ASSERT_TRUE(joined.ready());
  ASSERT_EQ(joined.error(), nullptr);
  EXPECT_EQ(joined.value(), Value("me"));
  EXPECT_EQ(shell.get_query_data(key({"GET", "/me"})), Value("me"));
}

TEST_F(QueryAppEndTest, AFetchRunningTheClientWideDefaultFunctionGoesOn) {
  shell.set_default_query_options({.fetcher = homes.fetcher()});
  Future f = profile.fetch_query({.key = key({"any"}), .retry_delay = [](int, const Error&) { return Millis{1}; }});
  rt.run_until_idle();
  profile.end();
  ASSERT_EQ(homes.pending(), 1u);
  homes.resolve(Value("served"));
  rt.run_until_idle();
  ASSERT_TRUE(f.ready());
  ASSERT_EQ(f.error(), nullptr);
  EXPECT_EQ(f.value(), Value("served"));
}

TEST_F(QueryAppEndTest, AQueryRemovedWhileAnotherAppObservesItLetsGoOfTheEndedAppsFunctions) {
  // The query keeps the options of the fetch that set it last (profile's), then leaves the cache
  // (remove_queries) while home's observer still holds it: the app's end reaches it all the same.
  auto token = std::make_shared<int>(0);
  QueryObserver homes_observer(home, {.key = key({"r"}), .fetcher = homes.fetcher(), .enabled = false});
  Subscription sub = homes_observer.subscribe([](const QueryResult&) {});
  Future f = profile.fetch_query({.key = key({"r"}),
                                  .fetcher = profiles.fetcher(),
                                  .structural_sharing = [token](const std::optional<Value>&, const Value& v) { return v; }});
  rt.run_until_idle();
  profiles.resolve(Value(1));
  rt.run_until_idle();
  ASSERT_EQ(f.value(), Value(1));
  shell.remove_queries({.key = key({"r"})});
  ASSERT_EQ(token.use_count(), 2) << "profile's options sit in the removed query";
  profile.end();
  EXPECT_EQ(token.use_count(), 1) << "nothing keeps an ended app's functions";
  // home's refetch puts the query back with home's function.
  Future r = homes_observer.refetch();
  rt.run_until_idle();
  ASSERT_EQ(homes.pending(), 1u);
  homes.resolve(Value(2));
  rt.run_until_idle();
  EXPECT_EQ(*profiles.count, 1);
  EXPECT_EQ(shell.get_query_data(key({"r"})), Value(2));
}

TEST_F(QueryAppEndTest, AQueryAnEndedAppObservedIsNotRefetchedWithItsFunction) {
  {
    Subscription sub = profile.observe({.key = key({"o"}), .fetcher = profiles.fetcher()}, [](const QueryResult&) {});
    rt.run_until_idle();
    profiles.resolve(Value("profile's"));
    rt.run_until_idle();
  }  // unsubscribed first, as a component unmounting before its app
  profile.end();
  Future r = home.refetch_queries({});
  rt.run_until_idle();
  advance(1000 + 2000 + 4000);
  EXPECT_EQ(*profiles.count, 1) << "home cannot make profile's function run";
  EXPECT_EQ(home.get_query_data(key({"o"})), Value("profile's"));
}

TEST_F(QueryAppEndTest, TheAppsEndDoesNotChangeWhenItsQueryIsCollected) {
  // Its options give way to the shell's defaults (gc_time 5 minutes), but the query keeps the
  // gc_time it had: an app churning observers with gc_time 0 leaves nothing behind.
  {
    Subscription sub = profile.observe({.key = key({"g"}), .fetcher = profiles.fetcher(), .gc_time = Millis{0}}, [](const QueryResult&) {});
    rt.run_until_idle();
    profiles.resolve(Value(1));
    rt.run_until_idle();
  }
  profile.end();
  advance(1);
  EXPECT_FALSE(shell.get_query_state(key({"g"}))) << "collected after its gc_time, 0";
  EXPECT_EQ(shell.stats().entries, 0u);
}

TEST_F(QueryAppEndTest, AnEndedAppsStructuralSharingIsNotRunByAnotherAppsWrite) {
  int shared = 0;
  profile.set_query_data(key({"d"}), Value(1));
  Future f = profile.fetch_query(
      {.key = key({"d"}), .fetcher = profiles.fetcher(), .structural_sharing = [&](const std::optional<Value>&, const Value& v) {
         ++shared;
         return v;
       }});
  rt.run_until_idle();
  profiles.resolve(Value(2));
  rt.run_until_idle();
  ASSERT_EQ(shared, 1);
  profile.end();
  home.set_query_data(key({"d"}), Value(3));
  EXPECT_EQ(shared, 1);
  EXPECT_EQ(home.get_query_data(key({"d"})), Value(3));
}

TEST_F(QueryAppEndTest, ARetryFunctionThatEndsItsOwnAppRunsNothingMoreOfIt) {
  int delays = 0;
  Future f = profile.fetch_query({.key = key({"r"}),
                                  .fetcher = profiles.fetcher(),
                                  .retry = [&](int, const Error&) {
                                    profile.end();
                                    return true;
                                  },
                                  .retry_delay = [&](int, const Error&) { return Millis{++delays}; }});
  rt.run_until_idle();
  profiles.reject();
  rt.run_until_idle();
  advance(10);
  EXPECT_EQ(delays, 0) << "its retry_delay is not asked once it ended";
  EXPECT_EQ(*profiles.count, 1);
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
}

TEST_F(QueryAppEndTest, ARetryFunctionThatEndsItsOwnAppWhileAnotherObservesHandsTheFetchOver) {
  // The retry function runs while its options are replaced (and, but for the retryer's copy of it,
  // freed): ASan's build checks that nothing of them is read after.
  Future f = profile.fetch_query({.key = key({"h"}), .fetcher = profiles.fetcher(), .retry = [&](int, const Error&) {
                                    profile.end();
                                    return ++retry_calls > 0;  // reads its capture after its app ended
                                  }});
  auto sub = home.observe({.key = key({"h"}), .fetcher = homes.fetcher(), .retry_delay = Millis{5}, .enabled = false},
                          [](const QueryResult&) {});
  rt.run_until_idle();
  profiles.reject();
  rt.run_until_idle();
  advance(5);
  ASSERT_EQ(homes.pending(), 1u) << "home's delay, home's function";
  homes.resolve(Value("home's"));
  rt.run_until_idle();
  EXPECT_EQ(f.value(), Value("home's"));
  EXPECT_EQ(*profiles.count, 1);
  EXPECT_EQ(retry_calls, 1);
}

TEST_F(QueryAppEndTest, TheNextPagesOfAnInfiniteAttemptUnderWayAreTheRemainingObserversFunctions) {
  const PageParamFunction next = [](const Value&, const Value&, const Value& param, const Value&) {
    return std::optional<Value>(Value(param.as_int() + 1));
  };
  Future f = profile.fetch_infinite_query({.key = key({"i"}),
                                           .fetcher = profiles.fetcher(),
                                           .initial_page_param = Value(0),
                                           .get_next_page_param = next,
                                           .pages = 2});
  auto sub = home.observe({.key = key({"i"}), .fetcher = homes.fetcher(), .enabled = false, .get_next_page_param = next},
                          [](const QueryResult&) {});
  rt.run_until_idle();
  ASSERT_EQ(profiles.pending(), 1u);
  profile.end();
  profiles.resolve(Value("page 0"));
  rt.run_until_idle();
  EXPECT_EQ(*profiles.count, 1);
  ASSERT_EQ(homes.pending(), 1u) << "the second page is home's";
  homes.resolve(Value("page 1"));
  rt.run_until_idle();
  ASSERT_TRUE(f.ready());
  ASSERT_EQ(f.error(), nullptr);
  EXPECT_EQ(f.value().get("pages"), Value::array({Value("page 0"), Value("page 1")}));
}

}  // namespace
}  // namespace mfstate::testing
