// What an app may do on the shared cache, and what stays the shell's (issue 10, item 8): an app's
// AppQueryClient has no way to switch connectivity or focus, clear the cache, set defaults,
// dehydrate or hydrate — those do not compile — and its destructive filters need a key prefix.
// It sees only its own mutations, and its mutation scopes are its own.
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

// The shell's switches cannot be written against an app's handle.
template <typename T>
concept CanSwitchOnline = requires(T& c) { c.set_online(false); };
template <typename T>
concept CanSwitchFocus = requires(T& c) { c.set_focused(false); };
template <typename T>
concept CanClear = requires(T& c) { c.clear(); };
template <typename T>
concept CanSetDefaults = requires(T& c, QueryOptions o) { c.set_query_defaults(Value::array(), o); };
template <typename T>
concept CanSetMutationDefaults = requires(T& c, MutationOptions o) { c.set_mutation_defaults(Value::array(), o); };
template <typename T>
concept CanDehydrate = requires(T& c) { c.dehydrate(); };
template <typename T>
concept CanHydrate = requires(T& c) { c.hydrate(Value()); };
template <typename T>
concept CanResumeMutations = requires(T& c) { c.resume_paused_mutations(); };
template <typename T>
concept CanReachTheRuntime = requires(T& c) { c.runtime(); };
template <typename T>
concept CanMakeAppClients = requires(T& c) { c.make_app_client(); };

static_assert(!CanSwitchOnline<AppQueryClient> && CanSwitchOnline<QueryClient>);
static_assert(!CanSwitchFocus<AppQueryClient> && CanSwitchFocus<QueryClient>);
static_assert(!CanClear<AppQueryClient> && CanClear<QueryClient>);
static_assert(!CanSetDefaults<AppQueryClient> && CanSetDefaults<QueryClient>);
static_assert(!CanSetMutationDefaults<AppQueryClient> && CanSetMutationDefaults<QueryClient>);
static_assert(!CanDehydrate<AppQueryClient> && CanDehydrate<QueryClient>);
static_assert(!CanHydrate<AppQueryClient> && CanHydrate<QueryClient>);
static_assert(!CanResumeMutations<AppQueryClient> && CanResumeMutations<QueryClient>);
static_assert(!CanReachTheRuntime<AppQueryClient> && CanReachTheRuntime<QueryClient>);
static_assert(!CanMakeAppClients<AppQueryClient> && CanMakeAppClients<QueryClient>);
// An app's handle is not copyable: it cannot be duplicated to outlive its app.
static_assert(!std::is_copy_constructible_v<AppQueryClient> && !std::is_copy_assignable_v<AppQueryClient>);
static_assert(!std::is_default_constructible_v<AppQueryClient>);

class QueryAppTest : public QueryTest {
 protected:
  QueryClient shell{rt};
  AppQueryClient home = shell.make_app_client();
  AppQueryClient profile = shell.make_app_client();
};

TEST_F(QueryAppTest, AppsShareTheCacheReadWriteFetchInvalidateAndObserve) {
  CountingFetcher cf;
  std::vector<Value> seen;
  auto sub = home.observe({.key = key({"user", 1}), .fetcher = cf.fetcher()}, [&](const QueryResult& r) {
    if (r.data) seen.push_back(*r.data);
  });
  EXPECT_EQ(*cf.count, 1);
  profile.set_query_data(key({"user", 1}), Value::object({{"name", "John"}}));
  EXPECT_EQ(seen.back(), Value::object({{"name", "John"}}));
  (void)profile.invalidate_queries({.key = key({"user"})});
  EXPECT_EQ(*cf.count, 2);
  EXPECT_EQ(home.get_query_data(key({"user", 1}))->get("n"), Value(2));
  EXPECT_EQ(profile.fetch_query({.key = key({"user", 1}), .fetcher = cf.fetcher(), .stale_time = never_expires})
                .value()
                .get("n"),
            Value(2));
  EXPECT_EQ(profile.get_queries_data({.key = key({"user"})}).size(), 1u);
  EXPECT_EQ(home.query_cache().find_all({.key = key({"user"})}).size(), 1u);
}

TEST_F(QueryAppTest, AnAppCannotWipeOrStopEveryAppsQueriesAtOnce) {
  ManualFetcher mf;
  auto sub = home.observe({.key = key({"user", 1}), .fetcher = mf.fetcher()}, nullptr);
  for (const QueryFilters& everything : {QueryFilters{}, QueryFilters{.key = Value::array()},
                                         QueryFilters{.predicate = [](const QueryInfo&) { return true; }}}) {
    EXPECT_THROW(profile.remove_queries(everything), Error);
    EXPECT_THROW(profile.cancel_queries(everything), Error);
    EXPECT_THROW((void)profile.reset_queries(everything), Error);
  }
  EXPECT_EQ(home.get_query_state(key({"user", 1}))->fetch_status, FetchStatus::fetching);
  EXPECT_TRUE(shell.query_cache().find({.key = key({"user", 1})}));
  // Under a key prefix an app may (the optimistic-update pattern cancels before writing).
  profile.cancel_queries({.key = key({"user"})});
  EXPECT_EQ(home.get_query_state(key({"user", 1}))->fetch_status, FetchStatus::idle);
  profile.remove_queries({.key = key({"user", 1}), .exact = true});
  EXPECT_FALSE(shell.query_cache().find({.key = key({"user", 1})}));
  // The shell may act on everything.
  shell.set_query_data(key({"a"}), 1);
  shell.remove_queries({});
  EXPECT_TRUE(shell.query_cache().find_all().empty());
}

TEST_F(QueryAppTest, AnAppSeesOnlyItsOwnMutationsButCountsEveryPendingOne) {
  auto slow = delayed_mutation(rt, 10ms, [](const Value& v) { return v; });
  (void)home.mutate({.fn = slow, .mutation_key = key({"password"})}, Value::object({{"secret", "hunter2"}}));
  (void)profile.mutate({.fn = slow, .mutation_key = key({"rename"})}, "Jane");
  std::vector<MutationCacheEvent> profile_heard;
  auto sub = profile.mutation_cache().subscribe([&](const MutationCacheEvent& e) { profile_heard.push_back(e); });
  EXPECT_EQ(profile.mutation_cache().find_all().size(), 1u);
  EXPECT_FALSE(profile.mutation_cache().find({.mutation_key = key({"password"})}));
  EXPECT_TRUE(profile.mutation_cache().find({.mutation_key = key({"rename"})}));
  EXPECT_EQ(profile.is_mutating(), 2u);
  EXPECT_EQ(shell.mutation_cache().find_all().size(), 2u);
  advance(10);
  for (const auto& e : profile_heard) EXPECT_EQ(e.mutation_key, key({"rename"}));
  EXPECT_FALSE(profile_heard.empty());
}

TEST_F(QueryAppTest, AnAppReadsButCannotChangeTheShellsDefaults) {
  shell.set_query_defaults(key({"GET"}), {.stale_time = 30'000ms});
  EXPECT_EQ(*home.get_query_defaults(key({"GET", "/api/me"})).stale_time.value_if(), 30'000ms);
}

TEST_F(QueryAppTest, AnAppsMutationScopesAreItsOwnAnotherAppCannotHoldThemBack) {
  // A hostile app starts a mutation that never answers, in the scope another app uses: its own
  // mutations of that scope wait for it, the other apps' and the shell's do not (query-core's
  // scope, within each app).
  std::vector<Completion> held;
  auto never = [&](const Value&, const AbortSignal&, Completion done) { held.push_back(std::move(done)); };
  int calls = 0;
  auto counted = [&](const Value& v, const AbortSignal&, Completion done) {
    ++calls;
    done.resolve(v);
  };
  (void)home.mutate({.fn = never, .scope = std::string("save")}, 1);
  (void)home.mutate({.fn = counted, .scope = std::string("save")}, 2);
  EXPECT_EQ(calls, 0);  // home's second waits for home's first
  (void)profile.mutate({.fn = counted, .scope = std::string("save")}, 3);
  EXPECT_EQ(calls, 1);
  (void)shell.mutate({.fn = counted, .scope = std::string("save")}, 4);
  EXPECT_EQ(calls, 2);
  ASSERT_EQ(profile.mutation_cache().find_all().size(), 1u);
  EXPECT_EQ(profile.mutation_cache().find_all()[0].scope, std::optional<std::string>("save"));
  ASSERT_EQ(held.size(), 1u);
  held[0].resolve(0);
  rt.run_until_idle();
  EXPECT_EQ(calls, 3);  // home's second ran once its first settled
}

TEST_F(QueryAppTest, AnEndedAppsScopedMutationsLeaveTheirScope) {
  std::vector<Completion> held;
  auto never = [&](const Value&, const AbortSignal&, Completion done) { held.push_back(std::move(done)); };
  {
    AppQueryClient gone = shell.make_app_client();
    (void)gone.mutate({.fn = never, .scope = std::string("save")}, 1);
    (void)gone.mutate({.fn = never, .scope = std::string("save")}, 2);
    EXPECT_EQ(shell.stats().mutation_scopes, 1u);
  }
  // Gone with the app, not at the mutations' garbage collection minutes later: until then the
  // lines of every ended app would pile up, keyed by an address a later app may be built at.
  EXPECT_EQ(shell.stats().mutation_scopes, 0u);
  int calls = 0;
  AppQueryClient next = shell.make_app_client();  // may take the ended app's place in memory
  (void)next.mutate({.fn = [&](const Value& v, const AbortSignal&, Completion done) {
                       ++calls;
                       done.resolve(v);
                     },
                     .scope = std::string("save")},
                    3);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(shell.mutation_cache().find_all({.status = MutationStatus::pending}).size(), 0u);
}

}  // namespace
}  // namespace mfstate::testing
