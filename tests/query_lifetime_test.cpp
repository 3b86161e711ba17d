// Lifetimes that must never corrupt memory (issue 10), run under ASan+UBSan: a client destroyed
// inside its own fetcher, listeners and callbacks; Futures settled (cancelled) when their client
// goes; an observer destroyed inside its own notification; an app's handle ending its observers
// and mutations.
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

class QueryLifetimeTest : public QueryTest {};

TEST_F(QueryLifetimeTest, AClientDestroyedInsideItsFetcherFinishesTheOperationFirst) {
  auto qc = std::make_unique<QueryClient>(rt);
  Future f = qc->fetch_query({.key = key({"k"}), .fetcher = [&](const FetchContext&, Completion done) {
                                qc.reset();  // the shell tears the client down from inside a fetcher
                                done.resolve(1);
                              }});
  EXPECT_FALSE(qc);
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.value(), Value(1));
  rt.run_until_idle();
}

TEST_F(QueryLifetimeTest, AFetchWhoseClientIsDestroyedInsideItsFetcherSettlesCancelled) {
  auto qc = std::make_unique<QueryClient>(rt);
  Completion kept;
  Future f = qc->fetch_query({.key = key({"k"}), .fetcher = [&](const FetchContext&, Completion done) {
                                kept = done;
                                qc.reset();
                              }});
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
  EXPECT_TRUE(kept.resolve(1));  // too late: dropped, nothing is posted to anyone
  EXPECT_EQ(rt.run_until_idle(), 0u);
}

TEST_F(QueryLifetimeTest, TheFutureOfAFetchSettlesCancelledWhenTheClientIsDestroyed) {
  auto qc = std::make_unique<QueryClient>(rt);
  ManualFetcher mf;
  Future fetch = qc->fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  Future refetch = qc->invalidate_queries({});
  Future mutation = qc->mutate({.fn = [](const Value&, const AbortSignal&, Completion) {}}, Value());
  std::optional<ErrorCode> told;
  fetch.then({}, [&](const Error& e) { told = e.code(); });
  qc.reset();
  ASSERT_TRUE(fetch.ready());
  EXPECT_EQ(fetch.error()->code(), ErrorCode::cancelled);
  EXPECT_EQ(told, ErrorCode::cancelled);
  ASSERT_TRUE(mutation.ready());
  EXPECT_EQ(mutation.error()->code(), ErrorCode::cancelled);
  mf.resolve(1);  // the fetcher answers after all: nobody hears it
  rt.run_until_idle();
}

TEST_F(QueryLifetimeTest, AClientDestroyedInsideAListenerOrACallbackIsSafe) {
  {
    auto qc = std::make_unique<QueryClient>(rt);
    auto sub = qc->observe({.key = key({"a"}), .fetcher = sync_fetcher([](const Value&) { return Value(1); })},
                           [&](const QueryResult& r) {
                             if (r.data) qc.reset();
                           });
    EXPECT_FALSE(qc);
    sub.cancel();
  }
  {
    auto qc = std::make_unique<QueryClient>(rt);
    ManualFetcher mf;
    Future f = qc->fetch_query({.key = key({"b"}), .fetcher = mf.fetcher()});
    f.then([&](const Value&) { qc.reset(); });
    mf.resolve(1);
    rt.run_until_idle();
    EXPECT_FALSE(qc);
  }
  {
    auto qc = std::make_unique<QueryClient>(rt);
    auto events = qc->query_cache().subscribe([&](const QueryCacheEvent& e) {
      if (e.type == QueryCacheEvent::Type::updated && qc) qc.reset();
    });
    qc->set_query_data(key({"c"}), 1);
    EXPECT_FALSE(qc);
  }
  {
    auto qc = std::make_unique<QueryClient>(rt);
    Future m = qc->mutate({.fn = sync_mutation([](const Value& v) { return v; }),
                           .on_success = [&](const Value&, const Value&, const Value&) { qc.reset(); }},
                          1);
    EXPECT_FALSE(qc);
    EXPECT_TRUE(m.ready());
  }
  {
    auto qc = std::make_unique<QueryClient>(rt);
    (void)qc->prefetch_query({.key = key({"d"}), .fetcher = sync_fetcher([](const Value&) { return Value(1); }),
                              .gc_time = Millis{10}});
    QueryClient* raw = qc.get();
    auto events = raw->query_cache().subscribe([&](const QueryCacheEvent& e) {
      if (e.type == QueryCacheEvent::Type::removed) qc.reset();
    });
    advance(10);  // destroyed from inside its own gc timer
    EXPECT_FALSE(qc);
  }
}

TEST_F(QueryLifetimeTest, AnObserverDestroyedInsideItsOwnNotificationStopsThere) {
  QueryClient qc(rt);
  auto observer = std::make_unique<QueryObserver>(qc, QueryOptions{.key = key({"k"}), .enabled = false});
  int told = 0;
  auto sub = observer->subscribe([&](const QueryResult&) {
    ++told;
    observer.reset();
  });
  auto second = observer->subscribe([&](const QueryResult&) { ++told; });
  qc.set_query_data(key({"k"}), 1);
  EXPECT_EQ(told, 1);
  qc.set_query_data(key({"k"}), 2);
  EXPECT_EQ(told, 1);
  sub.cancel();
  second.cancel();
}

TEST_F(QueryLifetimeTest, HandlesOutlivingTheirClientAreInert) {
  auto qc = std::make_unique<QueryClient>(rt);
  AppQueryClient app = qc->make_app_client();
  QueryObserver o(app, {.key = key({"k"}), .enabled = false});
  MutationObserver m(app, {.fn = sync_mutation([](const Value& v) { return v; })});
  QueryCache cache = qc->query_cache();
  auto s1 = o.subscribe(nullptr);
  auto s2 = m.subscribe(nullptr);
  auto s3 = cache.subscribe(nullptr);
  qc.reset();
  EXPECT_THROW((void)app.get_query_data(key({"k"})), Error);
  EXPECT_THROW((void)o.get_current_query(), Error);
  EXPECT_THROW((void)m.mutate(1), Error);
  EXPECT_THROW((void)cache.find_all(), Error);
  s1.cancel();
  s2.cancel();
  s3.cancel();
}

// ---- an app's handle ----

TEST_F(QueryLifetimeTest, AnAppsHandleEndsItsObserversAndCancelsItsPendingMutations) {
  QueryClient shell(rt);
  auto app = std::make_unique<AppQueryClient>(shell.make_app_client());
  int app_told = 0;
  int shell_told = 0;
  auto app_sub = app->observe({.key = key({"k"}), .enabled = false}, [&](const QueryResult&) { ++app_told; });
  QueryObserver app_observer(*app, {.key = key({"k"}), .enabled = false});
  auto app_observer_sub = app_observer.subscribe([&](const QueryResult&) { ++app_told; });
  auto shell_sub = shell.observe({.key = key({"k"}), .enabled = false}, [&](const QueryResult&) { ++shell_told; });
  EXPECT_EQ(app_told, 1);
  EXPECT_EQ(shell_told, 1);

  bool aborted = false;
  int app_callbacks = 0;
  Future pending = app->mutate({.fn = [&](const Value&, const AbortSignal& signal, Completion) {
                                  signal.on_abort([&] { aborted = true; });
                                },
                                .on_success = [&](const Value&, const Value&, const Value&) { ++app_callbacks; },
                                .on_error = [&](const Error&, const Value&, const Value&) { ++app_callbacks; },
                                .on_settled = [&](const Value&, const Error*, const Value&, const Value&) {
                                  ++app_callbacks;
                                }},
                               1);
  EXPECT_EQ(shell.is_mutating(), 1u);

  app.reset();  // the app unmounts
  EXPECT_TRUE(aborted);
  ASSERT_TRUE(pending.ready());
  EXPECT_EQ(pending.error()->code(), ErrorCode::cancelled);
  EXPECT_EQ(app_callbacks, 0);
  EXPECT_EQ(shell.is_mutating(), 0u);

  shell.set_query_data(key({"k"}), 1);
  EXPECT_EQ(app_told, 1);    // the app's observers ended
  EXPECT_EQ(shell_told, 2);  // the shell's did not
  EXPECT_THROW(app_observer.set_options({.key = key({"k"})}), Error);
  EXPECT_EQ(shell.stats().observers, 1u);
}

TEST_F(QueryLifetimeTest, AnAppsQueuedScopedMutationIsDroppedWithItsApp) {
  QueryClient shell(rt);
  auto app = std::make_unique<AppQueryClient>(shell.make_app_client());
  std::vector<std::string> order;
  Completion first_done;
  (void)app->mutate({.fn = [&](const Value&, const AbortSignal&, Completion done) {
                       order.push_back("app 1");
                       first_done = done;
                     },
                     .scope = "s"},
                    1);
  Future queued = app->mutate({.fn = [&](const Value&, const AbortSignal&, Completion done) {
                                 order.push_back("app 2");
                                 done.resolve(2);
                               },
                               .scope = "s"},
                              2);
  // The shell's scope "s" is its own, not the app's: it runs at once.
  Future shells = shell.mutate({.fn = [&](const Value&, const AbortSignal&, Completion done) {
                                  order.push_back("shell");
                                  done.resolve(3);
                                },
                                .scope = "s"},
                               3);
  app.reset();
  ASSERT_TRUE(queued.error());
  EXPECT_EQ(queued.error()->code(), ErrorCode::cancelled);
  first_done.resolve(1);  // answered after its app ended: nothing queued behind it runs
  rt.run_until_idle();
  EXPECT_EQ(order, (std::vector<std::string>{"app 1", "shell"}));
  EXPECT_EQ(shells.value(), Value(3));
}

TEST_F(QueryLifetimeTest, DestroyingTheClientWhileAnAppHandleLivesEndsTheHandle) {
  auto shell = std::make_unique<QueryClient>(rt);
  AppQueryClient app = shell->make_app_client();
  auto sub = app.observe({.key = key({"k"}), .enabled = false}, nullptr);
  shell.reset();
  EXPECT_THROW((void)app.is_online(), Error);
  sub.cancel();
}

}  // namespace
}  // namespace mfstate::testing
