// An app's handle on the host's shared query cache (App::queries, issue 10): it reads, writes,
// fetches, invalidates, observes and mutates on the one cache every app shares, with the shell's
// per-key defaults; it has no shell-wide switch (clear, set_online, set_focused, defaults,
// dehydrate/hydrate — they do not compile, see also tests/compile_fail/isolation_attacks.cpp);
// its destructive filters need a key prefix; unmounting ends it.
#include <gtest/gtest.h>

#include <type_traits>
#include <utility>

#include "host_test_support.hpp"
#include "query_test_support.hpp"

using namespace mfstate;
using namespace host_test;
using mfstate::testing::key;
using mfstate::testing::ManualFetcher;

namespace {

using AppQueries = decltype(std::declval<App&>().queries());

template <typename T>
concept CanClear = requires(T c) {
  c.clear();
};
template <typename T>
concept CanSwitchOnline = requires(T c) {
  c.set_online(false);
};
template <typename T>
concept CanSwitchFocus = requires(T c) {
  c.set_focused(false);
};
template <typename T>
concept CanSetDefaults = requires(T c, QueryOptions o) {
  c.set_query_defaults(Value::array(), o);
};
template <typename T>
concept CanHydrate = requires(T c) {
  c.hydrate(Value());
};
template <typename T>
concept CanDehydrate = requires(T c) {
  c.dehydrate();
};

static_assert(std::is_same_v<AppQueries, AppQueryClient&>);
static_assert(!std::is_convertible_v<AppQueries, QueryClient&>, "an app's handle is not the shell's client");
static_assert(!CanClear<AppQueries> && CanClear<QueryClient&>);
static_assert(!CanSwitchOnline<AppQueries> && CanSwitchOnline<QueryClient&>);
static_assert(!CanSwitchFocus<AppQueries> && CanSwitchFocus<QueryClient&>);
static_assert(!CanSetDefaults<AppQueries> && CanSetDefaults<QueryClient&>);
static_assert(!CanHydrate<AppQueries> && CanHydrate<QueryClient&>);
static_assert(!CanDehydrate<AppQueries> && CanDehydrate<QueryClient&>);

class HostAppQueries : public ::testing::Test {
 protected:
  ManualClock clock;
  Host host{clock};
  ManualFetcher api;  // the shell's transport
  void SetUp() override { host.queries().set_query_defaults(key({"GET"}), {.fetcher = api.fetcher()}); }
};

// The browser build runs the host only when Host::activity moved since its last run: a timer
// scheduled (the first unobserved entry's gcTime) and a fetch's answer must move it; a read, and
// a write whose garbage collection an earlier timer already covers, need not.
TEST_F(HostAppQueries, ActivityMovesWhenTimersAreScheduledOrAnswersArrive) {
  App home = host.mount("home");
  auto idle = host.activity();
  home.queries().set_query_data(key({"GET", "/other"}), Value(1));
  EXPECT_NE(host.activity(), idle) << "the first unobserved entry's garbage collection is a timer";
  idle = host.activity();
  home.queries().set_query_data(key({"GET", "/third"}), Value(2));
  EXPECT_EQ(host.activity(), idle) << "one timer, due first, collects both";
  auto sub = home.queries().observe({.key = key({"GET", "/user"})}, [](const QueryResult&) {});
  host.run_until_idle();
  idle = host.activity();
  api.resolve(Value::object({{"name", "John"}}));
  EXPECT_NE(host.activity(), idle) << "the answer's continuation waits in the host's queue";
  EXPECT_GT(host.run_until_idle(), 0u);
  idle = host.activity();
  EXPECT_EQ(home.queries().get_query_data(key({"GET", "/user"})), Value::object({{"name", "John"}}));
  EXPECT_EQ(host.activity(), idle);
}

TEST_F(HostAppQueries, AnAppUsesTheSharedCacheWithTheShellsDefaults) {
  App home = host.mount("home");
  App profile = host.mount("profile");
  EXPECT_EQ(&home.queries(), &home.queries());  // one handle per app
  std::vector<Value> seen;
  auto sub = home.queries().observe({.key = key({"GET", "/user"})}, [&](const QueryResult& r) {
    if (r.data) seen.push_back(*r.data);
  });
  // The shell's per-key fetcher serves the app's query (the app names no fetcher).
  ASSERT_EQ(api.pending(), 1u);
  api.resolve(Value::object({{"name", "John"}}));
  host.run_until_idle();
  ASSERT_EQ(seen.size(), 1u);
  // The other app reads what the first fetched: server data lives once.
  EXPECT_EQ(profile.queries().get_query_data(key({"GET", "/user"})), Value::object({{"name", "John"}}));
  profile.queries().set_query_data(key({"GET", "/user"}), Value::object({{"name", "Jane"}}));
  host.run_until_idle();
  EXPECT_EQ(seen.back(), Value::object({{"name", "Jane"}}));
  (void)profile.queries().invalidate_queries({.key = key({"GET"})});
  EXPECT_EQ(api.pending(), 1u);  // the observed query refetches
  api.resolve(Value::object({{"name", "J."}}));
  host.run_until_idle();
  EXPECT_EQ(seen.back(), Value::object({{"name", "J."}}));
  // Mutations run through the app's handle.
  Future done = profile.queries().mutate(
      {.fn = [](const Value& v, const AbortSignal&, Completion c) { c.resolve(v); }}, Value(7));
  host.run_until_idle();
  ASSERT_TRUE(done.ready());
  EXPECT_EQ(done.value(), Value(7));
}

TEST_F(HostAppQueries, AnAppCannotStopOrWipeEveryAppsQueries) {
  App home = host.mount("home");
  App profile = host.mount("profile");
  auto sub = home.queries().observe({.key = key({"GET", "/user"})}, nullptr);
  EXPECT_EQ(code_of([&] { profile.queries().cancel_queries({}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { profile.queries().remove_queries({}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { (void)profile.queries().reset_queries({}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(host.queries().query_cache().find_all({}).size(), 1u);
  EXPECT_EQ(api.pending(), 1u);
  // Under its own prefix it may.
  profile.queries().cancel_queries({.key = key({"GET", "/user"})});
  EXPECT_EQ(host.queries().is_fetching(), 0u);
}

TEST_F(HostAppQueries, UnmountingEndsTheAppsQueryHandle) {
  App home = host.mount("home");
  AppQueryClient& q = home.queries();
  int calls = 0;
  auto sub = q.observe({.key = key({"GET", "/user"})}, [&](const QueryResult&) { ++calls; });
  host.run_until_idle();
  const int before = calls;
  Future pending = q.mutate({.fn = [](const Value&, const AbortSignal&, Completion) {}}, Value(1));
  home.unmount();
  host.run_until_idle();
  // Its observer heard nothing more, its pending mutation was cancelled, the handle refuses calls.
  api.resolve(Value::object({{"name", "John"}}));
  host.run_until_idle();
  EXPECT_EQ(calls, before);
  EXPECT_TRUE(pending.ready());
  EXPECT_FALSE(pending.ok());
  EXPECT_EQ(code_of([&] { (void)q.get_query_data(key({"GET", "/user"})); }), ErrorCode::app_unmounted);
  EXPECT_EQ(code_of([&] { (void)home.queries(); }), ErrorCode::app_unmounted);
  // The cache itself (the shell's) keeps the data.
  EXPECT_EQ(host.queries().get_query_data(key({"GET", "/user"})), Value::object({{"name", "John"}}));
}

TEST_F(HostAppQueries, AnUnmountedAppsObserverLeavesNoFunctionOfItsOwnForAnotherAppToRun) {
  // App::observe observed through the shell's client: the query kept the app's fetcher after its
  // unmount, and any other app's refetch ran it.
  App profile = host.mount("profile");
  App mallory = host.mount("mallory");
  ManualFetcher profiles;
  auto sub = profile.observe({.key = key({"p"}), .fetcher = profiles.fetcher(), .retry = 0}, [](const QueryResult&) {});
  host.run_until_idle();
  ASSERT_EQ(profiles.pending(), 1u);
  profiles.resolve(Value("profile's"));
  host.run_until_idle();
  profile.unmount();
  Future r = mallory.queries().refetch_queries({.key = key({"p"})});
  host.run_until_idle();
  EXPECT_EQ(*profiles.count, 1) << "mallory cannot make profile's function run";
  EXPECT_EQ(mallory.queries().get_query_data(key({"p"})), Value("profile's"));
}

TEST(HostAppQueriesLifetime, AnAppHandleMayOutliveItsHost) {
  App home;
  {
    Host host;
    home = host.mount("home");
    (void)home.queries().set_query_data(key({"a"}), Value(1));
  }
  EXPECT_FALSE(home.mounted());
  EXPECT_EQ(code_of([&] { (void)home.queries(); }), ErrorCode::app_unmounted);
}

}  // namespace
