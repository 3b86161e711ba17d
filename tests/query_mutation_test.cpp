// Mutations (callbacks, retries, scopes, the optimistic-update pattern) and dehydrate / hydrate.
#include "query_test_support.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryMutationTest : public QueryTest {};

/// A mutation function whose calls wait for the test.
struct ManualMutation {
  struct Call {
    Value variables;
    Completion done;
  };
  std::shared_ptr<std::deque<Call>> calls = std::make_shared<std::deque<Call>>();
  MutationFn fn() const {
    auto c = calls;
    return [c](const Value& v, const AbortSignal&, Completion done) { c->push_back(Call{v, std::move(done)}); };
  }
  void resolve(Value v) {
    auto call = std::move(calls->front());
    calls->pop_front();
    call.done.resolve(std::move(v));
  }
  void reject() {
    auto call = std::move(calls->front());
    calls->pop_front();
    call.done.reject(Error(ErrorCode::http_error, "HTTP 500"));
  }
};

TEST_F(QueryMutationTest, CallbacksRunInOrderWithTheContextFromOnMutate) {
  QueryClient qc(rt);
  ManualMutation mm;
  std::vector<std::string> log;
  Future f = qc.mutate({.fn = mm.fn(),
                        .on_mutate =
                            [&](const Value& v) {
                              log.push_back("mutate " + v.to_json());
                              return Value("ctx");
                            },
                        .on_success =
                            [&](const Value& d, const Value& v, const Value& c) {
                              log.push_back("success " + d.to_json() + " " + v.to_json() + " " + c.to_json());
                            },
                        .on_error = [&](const Error&, const Value&, const Value&) { log.push_back("error"); },
                        .on_settled =
                            [&](const Value& d, const Error* e, const Value&, const Value& c) {
                              log.push_back("settled " + d.to_json() + (e ? " err" : " ok") + " " + c.to_json());
                            }},
                       Value(7));
  EXPECT_EQ(qc.is_mutating(), 1u);
  EXPECT_EQ(log, std::vector<std::string>{"mutate 7"});
  mm.resolve("done");
  rt.run_until_idle();
  EXPECT_EQ(log, (std::vector<std::string>{"mutate 7", "success \"done\" 7 \"ctx\"", "settled \"done\" ok \"ctx\""}));
  EXPECT_EQ(f.value().as_string(), "done");
  EXPECT_EQ(qc.is_mutating(), 0u);
}

TEST_F(QueryMutationTest, FailedMutationCallsOnErrorAndOnSettledAndDoesNotRetryByDefault) {
  QueryClient qc(rt);
  ManualMutation mm;
  int errors = 0;
  Future f = qc.mutate({.fn = mm.fn(), .on_error = [&](const Error& e, const Value&, const Value&) {
                          EXPECT_EQ(e.code(), ErrorCode::http_error);
                          ++errors;
                        }},
                       Value());
  mm.reject();
  rt.run_until_idle();
  EXPECT_EQ(errors, 1);
  EXPECT_EQ(f.error()->code(), ErrorCode::http_error);
  EXPECT_TRUE(mm.calls->empty());
}

TEST_F(QueryMutationTest, MutationRetriesWhenAskedTo) {
  QueryClient qc(rt);
  ManualMutation mm;
  Future f = qc.mutate({.fn = mm.fn(), .retry = 1}, Value());
  mm.reject();
  rt.run_until_idle();
  advance(1000);
  ASSERT_EQ(mm.calls->size(), 1u);
  mm.resolve(1);
  rt.run_until_idle();
  EXPECT_EQ(f.value().as_int(), 1);
}

TEST_F(QueryMutationTest, MutationsSharingAScopeRunOneAtATimeInOrder) {
  QueryClient qc(rt);
  ManualMutation mm;
  std::vector<int> done;
  auto opts = [&](int n) {
    return MutationOptions{.fn = mm.fn(), .scope = std::string("todos"),
                           .on_success = [&done, n](const Value&, const Value&, const Value&) { done.push_back(n); }};
  };
  qc.mutate(opts(1), Value(1));
  qc.mutate(opts(2), Value(2));
  qc.mutate(opts(3), Value(3));
  qc.mutate({.fn = mm.fn()}, Value(99));  // unscoped: runs at once
  EXPECT_EQ(mm.calls->size(), 2u);
  EXPECT_EQ(qc.is_mutating(), 4u);
  EXPECT_EQ(mm.calls->front().variables.as_int(), 1);
  mm.resolve(0);
  rt.run_until_idle();
  // The unscoped one is now first in line of the fake, then scope's #2.
  ASSERT_EQ(mm.calls->size(), 2u);
  EXPECT_EQ(mm.calls->front().variables.as_int(), 99);
  EXPECT_EQ(mm.calls->back().variables.as_int(), 2);
  mm.resolve(0);
  mm.resolve(0);
  rt.run_until_idle();
  ASSERT_EQ(mm.calls->size(), 1u);
  EXPECT_EQ(mm.calls->front().variables.as_int(), 3);
  mm.resolve(0);
  rt.run_until_idle();
  EXPECT_EQ(done, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(qc.is_mutating(), 0u);
}

TEST_F(QueryMutationTest, MutationDefaultsByKeyAndIsMutatingFilters) {
  QueryClient qc(rt);
  ManualMutation mm;
  qc.set_mutation_defaults(key({"todo"}), {.fn = mm.fn()});
  qc.mutate({.mutation_key = key({"todo", "add"})}, Value(1));
  EXPECT_EQ(mm.calls->size(), 1u);
  EXPECT_EQ(qc.is_mutating({.mutation_key = key({"todo"})}), 1u);
  EXPECT_EQ(qc.is_mutating({.mutation_key = key({"other"})}), 0u);
  Future bad = qc.mutate({.mutation_key = key({"nothing"})}, Value());
  EXPECT_EQ(bad.error()->code(), ErrorCode::invalid_argument);
}

// The optimistic-update pattern of TanStack's docs: cancel, snapshot, set, roll back on error,
// invalidate on settle.
struct OptimisticRename {
  QueryClient& qc;
  Value user_key;
  MutationOptions options(MutationFn fn) {
    return {.fn = std::move(fn),
            .on_mutate =
                [this](const Value& vars) {
                  qc.cancel_queries({.key = user_key});
                  Value previous = qc.get_query_data(user_key).value_or(Value());
                  qc.set_query_data(user_key, previous.set("name", vars.get("name")));
                  return Value::object({{"previous", previous}});
                },
            .on_error = [this](const Error&, const Value&,
                               const Value& ctx) { qc.set_query_data(user_key, ctx.get("previous")); },
            .on_settled = [this](const Value&, const Error*, const Value&,
                                 const Value&) { qc.invalidate_queries({.key = user_key}); }};
  }
};

TEST_F(QueryMutationTest, OptimisticUpdateShowsAtOnceAndRollsBackOnError) {
  QueryClient qc(rt);
  ManualFetcher server;
  ManualMutation mm;
  Value user_key = key({"user", "me"});
  std::vector<std::string> names;
  auto sub = qc.observe({.key = user_key, .fetcher = server.fetcher(), .stale_time = never_expires},
                        [&](const QueryResult& r) {
                          // Every change is told (fetch status too); keep the names seen in order.
                          if (!r.data) return;
                          std::string n(r.data->get("name").as_string());
                          if (names.empty() || names.back() != n) names.push_back(n);
                        });
  server.resolve(Value::object({{"name", "John"}}));
  rt.run_until_idle();
  OptimisticRename pattern{qc, user_key};
  // A refetch in flight when the mutation starts is cancelled (so it cannot overwrite the update).
  qc.refetch_queries({.key = user_key});
  ASSERT_EQ(server.pending(), 1u);
  AbortSignal in_flight = server.front().signal;
  Future f = qc.mutate(pattern.options(mm.fn()), Value::object({{"name", "Jane"}}));
  EXPECT_TRUE(in_flight.aborted());
  EXPECT_EQ(qc.get_query_data(user_key)->get("name").as_string(), "Jane");
  mm.reject();
  rt.run_until_idle();
  // Rolled back, then invalidated: the observer's query refetches.
  EXPECT_EQ(f.error()->code(), ErrorCode::http_error);
  server.calls->pop_front();  // the cancelled request
  ASSERT_EQ(server.pending(), 1u);
  server.resolve(Value::object({{"name", "John"}}));
  rt.run_until_idle();
  EXPECT_EQ(names, (std::vector<std::string>{"John", "Jane", "John"}));
}

TEST_F(QueryMutationTest, OptimisticUpdateSucceedsAndTheRefetchConfirmsIt) {
  QueryClient qc(rt);
  ManualFetcher server;
  ManualMutation mm;
  Value user_key = key({"user", "me"});
  std::vector<std::string> names;
  auto sub = qc.observe({.key = user_key, .fetcher = server.fetcher(), .stale_time = never_expires},
                        [&](const QueryResult& r) {
                          // Every change is told (fetch status too); keep the names seen in order.
                          if (!r.data) return;
                          std::string n(r.data->get("name").as_string());
                          if (names.empty() || names.back() != n) names.push_back(n);
                        });
  server.resolve(Value::object({{"name", "John"}}));
  rt.run_until_idle();
  OptimisticRename pattern{qc, user_key};
  qc.mutate(pattern.options(mm.fn()), Value::object({{"name", "Jane"}}));
  mm.resolve(Value::object({{"name", "Jane"}}));
  rt.run_until_idle();
  ASSERT_EQ(server.pending(), 1u);
  server.resolve(Value::object({{"name", "Jane"}}));
  rt.run_until_idle();
  // The confirming refetch returns equal data: structural sharing, no further notification.
  EXPECT_EQ(names, (std::vector<std::string>{"John", "Jane"}));
  EXPECT_FALSE(qc.get_query_state(user_key)->is_invalidated);
}

// ---- dehydrate / hydrate ----

TEST_F(QueryMutationTest, DehydrateThenHydrateCarriesSuccessfulQueries) {
  QueryClient a(rt);
  a.set_query_data(key({"user", 1}), Value::object({{"name", "Ada"}}));
  ManualFetcher mf;
  a.fetch_query({.key = key({"failing"}), .fetcher = mf.fetcher()});
  mf.reject();
  rt.run_until_idle();
  Value dump = a.dehydrate().to_value();
  EXPECT_EQ(dump.get("queries").size(), 1u);
  EXPECT_EQ(dump.get("queries").at(0).get("queryHash").as_string(), R"(["user",1])");
  Value round = parse_json(dump.to_json());
  QueryClient b(rt);
  b.hydrate(round);
  auto st = b.get_query_state(key({"user", 1}));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->data->get("name").as_string(), "Ada");
  EXPECT_EQ(st->data_updated_at, clock.now());
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
}

TEST_F(QueryMutationTest, HydrateKeepsNewerLocalDataAndTakesNewerDehydratedData) {
  QueryClient server(rt);
  server.set_query_data(key({"a"}), "server-a");
  server.set_query_data(key({"b"}), "server-b");
  Value dump = server.dehydrate().to_value();
  QueryClient local(rt);
  advance(10);
  local.set_query_data(key({"a"}), "local-a");  // newer than the dump
  local.set_query_data(key({"b"}), "local-b", {.updated_at = Millis{0}});  // older
  local.hydrate(dump);
  EXPECT_EQ(local.get_query_data(key({"a"}))->as_string(), "local-a");
  EXPECT_EQ(local.get_query_data(key({"b"}))->as_string(), "server-b");
}

TEST_F(QueryMutationTest, HydrateRejectsAMalformedDumpWithoutChangingAnything) {
  QueryClient qc(rt);
  Value dump = parse_json(R"({"queries":[
      {"queryKey":["ok"],"state":{"status":"success","data":1,"dataUpdatedAt":5}},
      {"queryKey":"bad","state":{"status":"success","data":2}}]})");
  try {
    qc.hydrate(dump);
    FAIL() << "expected invalid_argument";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("queries/1"), std::string::npos);
  }
  EXPECT_EQ(qc.stats().entries, 0u);
  EXPECT_THROW(qc.hydrate(Value(1)), Error);
}

}  // namespace
