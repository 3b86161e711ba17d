// A sync_fetcher's fetch: the query calls its function directly (no completion, no abort signal),
// and what it returns, throws or does to the cache meanwhile has the effects it has through any
// fetcher answering at once — retries, cancellation from inside the call, pausing offline, a
// fetcher taken from the defaults.
#include <optional>
#include <stdexcept>

#include "query_sync_fetch.hpp"
#include "query_test_support.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QuerySyncFetchTest : public QueryTest {};

TEST_F(QuerySyncFetchTest, AFetchRecognisesItAndNoOtherFetcher) {
  // The tests below hold whichever way the fetch calls it; this one fails if the fetch's direct
  // call (FetcherAccess::sync_fetch) stops recognising what sync_fetcher makes.
  EXPECT_NE(detail::FetcherAccess::sync_fetch(sync_fetcher([](const Value&) { return Value(1); })), nullptr);
  const Fetcher other = [](const FetchContext&, Completion done) { done.resolve(Value(1)); };
  EXPECT_EQ(detail::FetcherAccess::sync_fetch(other), nullptr);
}

TEST_F(QuerySyncFetchTest, ItsFunctionGetsTheKeyAndItsAnswerIsTheData) {
  QueryClient qc(rt);
  std::vector<Value> keys;
  Future f = qc.fetch_query({.key = key({"user", 7}), .fetcher = sync_fetcher([&](const Value& k) {
                                                        keys.push_back(k);
                                                        return Value::object({{"id", 7}});
                                                      })});
  ASSERT_TRUE(f.ready());  // answered before fetch_query returned
  EXPECT_EQ(f.value().get("id").as_int(), 7);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0], key({"user", 7}));
  auto st = qc.get_query_state(key({"user", 7}));
  EXPECT_EQ(st->status, QueryStatus::success);
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
  EXPECT_EQ(st->data_update_count, 1u);
  EXPECT_EQ(qc.is_fetching(), 0u);
}

TEST_F(QuerySyncFetchTest, WhatItThrowsIsRetriedThenIsTheError) {
  QueryClient qc(rt);
  int calls = 0;
  Future f = qc.fetch_query({.key = key({"k"}),
                             .fetcher = sync_fetcher([&](const Value&) -> Value {
                               ++calls;
                               throw Error(ErrorCode::http_error, "HTTP 503");
                             }),
                             .retry = 2,
                             .retry_delay = Millis{10}});
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(f.ready());
  EXPECT_EQ(qc.get_query_state(key({"k"}))->failure_count, 1);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::fetching);
  advance(10);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->failure_count, 2);
  advance(10);
  EXPECT_EQ(calls, 3);
  ASSERT_TRUE(f.ready());
  ASSERT_NE(f.error(), nullptr);
  EXPECT_EQ(f.error()->code(), ErrorCode::http_error);
  EXPECT_STREQ(f.error()->what(), "HTTP 503");
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::error);
  EXPECT_EQ(st->failure_count, 3);
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
}

TEST_F(QuerySyncFetchTest, AnyOtherExceptionIsAQueryErrorWithItsMessage) {
  QueryClient qc(rt);
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = sync_fetcher([](const Value&) -> Value {
                                                  throw std::runtime_error("disk full");
                                                })});
  ASSERT_TRUE(f.ready());
  ASSERT_NE(f.error(), nullptr);
  EXPECT_EQ(f.error()->code(), ErrorCode::query_error);
  EXPECT_STREQ(f.error()->what(), "disk full");
}

TEST_F(QuerySyncFetchTest, ARetryThatAnswersGivesTheData) {
  QueryClient qc(rt);
  int calls = 0;
  Future f = qc.fetch_query({.key = key({"k"}),
                             .fetcher = sync_fetcher([&](const Value&) -> Value {
                               if (++calls == 1) throw Error(ErrorCode::http_error, "HTTP 503");
                               return Value("ok");
                             }),
                             .retry = 1,
                             .retry_delay = Millis{5}});
  EXPECT_FALSE(f.ready());
  advance(5);
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.value().as_string(), "ok");
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::success);
  EXPECT_EQ(st->failure_count, 0);
  EXPECT_EQ(calls, 2);
}

TEST_F(QuerySyncFetchTest, CancelledFromInsideTheCallItsAnswerIsDropped) {
  QueryClient qc(rt);
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = sync_fetcher([&](const Value&) {
                                                  qc.cancel_queries({.key = key({"k"})});
                                                  return Value("late");
                                                })});
  ASSERT_TRUE(f.ready());
  ASSERT_NE(f.error(), nullptr);
  EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
  auto st = qc.get_query_state(key({"k"}));
  EXPECT_FALSE(st->data.has_value());  // reverted to the state before the fetch
  EXPECT_EQ(st->status, QueryStatus::pending);
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
  EXPECT_EQ(qc.is_fetching(), 0u);
}

TEST_F(QuerySyncFetchTest, RemovedFromInsideTheCallItsCallerAloneGetsTheAnswer) {
  // The query's hold on the fetch goes inside the call (its removal cancels it): the fetch lives on
  // for the caller that started it (a retryer takes no reference of its own for an attempt
  // answered on the spot), which gets the cancellation; nothing of the answer reaches the cache.
  QueryClient qc(rt);
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = sync_fetcher([&](const Value&) {
                                                  qc.remove_queries({.key = key({"k"})});
                                                  return Value("late");
                                                })});
  ASSERT_TRUE(f.ready());
  ASSERT_NE(f.error(), nullptr);
  EXPECT_EQ(f.error()->code(), ErrorCode::cancelled);
  EXPECT_FALSE(qc.get_query_state(key({"k"})).has_value());
  EXPECT_EQ(qc.is_fetching(), 0u);
}

TEST_F(QuerySyncFetchTest, AFetchStartedWhileItsAnswerIsSharedIsANewFetch) {
  // The structural-sharing function runs once the settling fetch is no longer the query's: a fetch
  // of the query it starts is a new one, with its own call and its own waiter, and the settling
  // fetch's waiter gets the settling fetch's answer, once.
  QueryClient qc(rt);
  int calls = 0;
  bool fetched_inside = false;
  std::optional<Future> inner;
  QueryOptions o{.key = key({"k"}), .fetcher = sync_fetcher([&](const Value&) { return Value(++calls); })};
  o.structural_sharing = [&](const std::optional<Value>&, const Value& next) {
    if (!fetched_inside) {
      fetched_inside = true;  // the inner fetch shares its answer too: it starts no third
      inner = qc.fetch_query(o);
    }
    return next;
  };
  Future outer = qc.fetch_query(o);
  rt.run_until_idle();
  EXPECT_EQ(calls, 2);
  ASSERT_TRUE(outer.ready());
  EXPECT_EQ(outer.value().as_int(), 1);
  ASSERT_TRUE(inner.has_value() && inner->ready());
  EXPECT_EQ(inner->value().as_int(), 2);
  EXPECT_EQ(qc.get_query_data(key({"k"}))->as_int(), 1);  // the outer answer was stored last
  EXPECT_EQ(qc.is_fetching(), 0u);
}

TEST_F(QuerySyncFetchTest, ARefetchFromInsideTheCallReplacesIt) {
  QueryClient qc(rt);
  int calls = 0;
  QueryOptions o{.key = key({"k"}),
                 .fetcher = sync_fetcher([&](const Value&) {
                   ++calls;
                   // The second call starts while the first one runs, replacing it (it has data).
                   if (calls == 2) (void)qc.refetch_queries({.key = key({"k"})});
                   return Value(calls);
                 }),
                 .stale_time = never_expires};
  (void)qc.fetch_query(o);
  QueryObserver obs(qc, o);
  auto sub = obs.subscribe([](const QueryResult&) {});
  Future f = qc.refetch_queries({.key = key({"k"})});
  rt.run_until_idle();
  // Call 2's answer came after call 3 had replaced it: dropped. Its waiter has call 3's.
  EXPECT_TRUE(f.ready());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(qc.get_query_data(key({"k"}))->as_int(), 3);
  EXPECT_EQ(qc.is_fetching(), 0u);
}

TEST_F(QuerySyncFetchTest, OfflineItPausesAndRunsWhenOnlineAgain) {
  QueryClient qc(rt, {.online = false});
  int calls = 0;
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = sync_fetcher([&](const Value&) {
                                                  ++calls;
                                                  return Value("back");
                                                })});
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(qc.get_query_state(key({"k"}))->fetch_status, FetchStatus::paused);
  qc.set_online(true);
  rt.run_until_idle();
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.value().as_string(), "back");
}

TEST_F(QuerySyncFetchTest, TheDefaultsSyncFetcherServesAQueryWithoutOne) {
  QueryClient qc(rt);
  qc.set_query_defaults(key({"user"}), {.fetcher = sync_fetcher([](const Value& k) { return k.at(1); })});
  Future f = qc.fetch_query({.key = key({"user", 42})});
  ASSERT_TRUE(f.ready());
  EXPECT_EQ(f.value().as_int(), 42);
}

TEST_F(QuerySyncFetchTest, ObserversAreToldItsAnswerOnceWithStructuralSharing) {
  QueryClient qc(rt);
  int version = 0;
  std::vector<Value> seen;
  auto sub = qc.observe({.key = key({"user", Value::object({{"id", 1}})}),
                         .fetcher = sync_fetcher([&](const Value&) {
                           return Value::object({{"id", 1}, {"tags", Value::array({"a"})}, {"v", version}});
                         }),
                         .stale_time = never_expires},
                        [&](const QueryResult& r) {
                          if (r.data) seen.push_back(*r.data);
                        });
  rt.run_until_idle();
  ASSERT_EQ(seen.size(), 1u);
  version = 1;
  (void)qc.invalidate_queries({.key = key({"user"})});
  rt.run_until_idle();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].get("v").as_int(), 1);
  // The unchanged child is the old one (structural sharing), the object itself is new.
  EXPECT_TRUE(seen[1].get("tags").same_node(seen[0].get("tags")));
  EXPECT_FALSE(seen[1].same_node(seen[0]));
  // Equal data again: the old object is kept, and nobody is told.
  (void)qc.invalidate_queries({.key = key({"user"})});
  rt.run_until_idle();
  EXPECT_EQ(seen.size(), 2u);
  EXPECT_TRUE(qc.get_query_data(key({"user", Value::object({{"id", 1}})}))->same_node(seen[1]));
}

}  // namespace
