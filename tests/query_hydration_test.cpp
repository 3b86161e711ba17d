// dehydrate / hydrate, case by case from query-core's hydration.test.tsx: JSON round trips, what is
// dehydrated by default and by option, default options on the hydrating side, newer data wins,
// fetch status and meta written as they are, paused mutations that resume, pending queries settled
// by their dehydrated fetch, error redaction, infinite queries.
#include <algorithm>

#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

class QueryHydrationTest : public QueryTest {
 protected:
  Fetcher value_after(std::int64_t ms, Value v) {
    return DelayedFetcher{&rt, Millis{ms}, [v](const FetchContext&) { return v; }}.fetcher();
  }
  /// Through JSON text, as a server hands a cache to a browser.
  static Value through_json(const DehydratedState& s) { return parse_json(s.to_value().to_json()); }
};

TEST_F(QueryHydrationTest, ADehydratedQueryKeepsItsKeyStateAndTime) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), "data");
  DehydratedState s = qc.dehydrate();
  ASSERT_EQ(s.queries.size(), 1u);
  EXPECT_EQ(s.queries[0].key, key({"k"}));
  EXPECT_EQ(s.queries[0].hash, R"(["k"])");
  EXPECT_EQ(s.queries[0].state.data, Value("data"));
  EXPECT_EQ(s.queries[0].dehydrated_at, rt.now());
  EXPECT_FALSE(s.queries[0].promise);
}

// query-core builds a hydrated query with its state: the cache tells `added`, with the data
// already there, and no `updated`; an existing query is told `updated` (setState).
TEST_F(QueryHydrationTest, AHydratedNewQueryIsAddedWithItsStateAndNotUpdated) {
  QueryClient other(rt);
  other.set_query_data(key({"old"}), "older");
  advance(10);
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), "data");
  qc.set_query_data(key({"old"}), "old");
  DehydratedState s = qc.dehydrate();
  std::vector<std::string> events;
  auto sub = other.query_cache().subscribe([&](const QueryCacheEvent& e) {
    const auto st = other.get_query_state(e.key);
    events.push_back(std::string(e.type == QueryCacheEvent::Type::added ? "added " : "updated ") +
                     key_string(e.key) + (st && st->data ? " " + std::string(st->data->as_string()) : ""));
  });
  other.hydrate(s);
  std::sort(events.begin(), events.end());
  EXPECT_EQ(events, (std::vector<std::string>{R"(added ["k"] data)", R"(updated ["old"] old)"}));
}

TEST_F(QueryHydrationTest, SerializableValuesRoundTripAndAreFreshOnTheOtherSide) {
  QueryClient qc(rt);
  const std::vector<std::pair<Value, Value>> cases = {
      {key({"string"}), "string"},
      {key({"number"}), 1},
      {key({"boolean"}), true},
      {key({"null"}), nullptr},
      {key({"array"}), Value::array({"string", 0})},
      {key({"nested"}), Value::object({{"key", Value::array({Value::object({{"nestedKey", 1}})})}})},
  };
  for (const auto& [k, v] : cases) (void)qc.prefetch_query({.key = k, .fetcher = value_after(0, v)});
  advance(0);
  QueryClient other(rt);
  other.hydrate(through_json(qc.dehydrate()));
  CountingFetcher cf;
  for (const auto& [k, v] : cases) {
    EXPECT_EQ(other.get_query_data(k), v);
    (void)other.prefetch_query({.key = k, .fetcher = cf.fetcher(), .stale_time = 1000ms});
  }
  EXPECT_EQ(*cf.count, 0);
}

TEST_F(QueryHydrationTest, ShouldDehydrateQueryFiltersAndTheDefaultIsSuccessOnly) {
  QueryClient qc(rt);
  (void)qc.prefetch_query({.key = key({"success"}), .fetcher = value_after(0, "success")});
  advance(0);
  (void)qc.prefetch_query({.key = key({"loading"}), .fetcher = value_after(10000, "loading")});
  (void)qc.prefetch_query({.key = key({"error"}), .fetcher = [](const FetchContext&, Completion) {
                             throw Error(ErrorCode::query_error, "error");
                           }});
  QueryClient other(rt);
  other.hydrate(through_json(qc.dehydrate()));
  EXPECT_EQ(other.get_query_data(key({"success"})), Value("success"));
  EXPECT_FALSE(other.query_cache().find({.key = key({"loading"})}));
  EXPECT_FALSE(other.query_cache().find({.key = key({"error"})}));
  EXPECT_TRUE(qc.dehydrate({.should_dehydrate_query = [](const QueryInfo&) { return false; }}).queries.empty());
  // The default is a function a caller may combine with its own test.
  auto success_or_loading = [](const QueryInfo& q) {
    return default_should_dehydrate_query(q) || q.key == key({"loading"});
  };
  EXPECT_EQ(qc.dehydrate({.should_dehydrate_query = success_or_loading}).queries.size(), 2u);
  auto only_number = qc.dehydrate({.should_dehydrate_query = [](const QueryInfo& q) { return q.key == key({"success"}); }});
  EXPECT_EQ(only_number.queries.size(), 1u);
}

TEST_F(QueryHydrationTest, HydratedQueriesTakeTheHydratingSidesGcTimeAndDefaults) {
  QueryClient qc(rt);
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = value_after(0, "string"), .gc_time = Millis{50}});
  advance(0);
  Value json = through_json(qc.dehydrate());
  advance(20);
  QueryClient other(rt, {.hydrate = {.queries = {.retry = 10}}});
  other.hydrate(DehydratedState::from_value(json), {.queries = {.gc_time = Millis{10}}});
  auto q = other.query_cache().find({.key = key({"k"})});
  ASSERT_TRUE(q);
  EXPECT_EQ(q->gc_time, Millis{10});
  advance(5);
  EXPECT_EQ(other.get_query_data(key({"k"})), Value("string"));
  advance(10);
  EXPECT_FALSE(other.get_query_data(key({"k"})));
}

TEST_F(QueryHydrationTest, ClientDehydrateDefaultsApplyAndErrorsRoundTrip) {
  QueryClient qc(rt, {.dehydrate = {.should_dehydrate_query = [](const QueryInfo&) { return true; }}});
  (void)qc.prefetch_query({.key = key({"k"}),
                           .fetcher = [](const FetchContext&, Completion done) {
                             done.reject(Error(ErrorCode::http_error, "error"));
                           },
                           .retry = 0});
  DehydratedState s = qc.dehydrate();
  ASSERT_EQ(s.queries.size(), 1u);
  QueryClient other(rt);
  other.hydrate(through_json(s));
  auto st = other.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::error);
  EXPECT_EQ(st->error->code(), ErrorCode::http_error);
  EXPECT_STREQ(st->error->what(), "error");
}

TEST_F(QueryHydrationTest, MutationDefaultsApplyOnBothSides) {
  QueryClient qc(rt, {.dehydrate = {.should_dehydrate_mutation = [](const MutationInfo& m) {
                        return m.state.data == Value("done");
                      }}});
  (void)qc.mutate({.fn = sync_mutation([](const Value&) { return Value("done"); }), .mutation_key = key({"k"})},
                  Value());
  DehydratedState s = qc.dehydrate();
  ASSERT_EQ(s.mutations.size(), 1u);
  EXPECT_EQ(s.mutations[0].state.data, Value("done"));
  QueryClient other(rt, {.hydrate = {.mutations = {.retry = 10}}});
  other.hydrate(through_json(s), {.mutations = {.gc_time = Millis{10}}});
  auto m = other.mutation_cache().find({.mutation_key = key({"k"})});
  ASSERT_TRUE(m);
  EXPECT_EQ(m->gc_time, Millis{10});
  EXPECT_EQ(other.get_mutation_defaults(key({"k"})).retry.has_value(), false);
}

TEST_F(QueryHydrationTest, ComplexKeysRoundTrip) {
  QueryClient qc(rt);
  Value k = key({"k", Value::object({{"key", Value::array({"string"})}, {"key2", 0}})});
  (void)qc.prefetch_query({.key = k, .fetcher = value_after(0, "string")});
  advance(0);
  QueryClient other(rt);
  other.hydrate(through_json(qc.dehydrate()));
  EXPECT_EQ(other.get_query_data(k), Value("string"));
}

TEST_F(QueryHydrationTest, OlderDehydratedDataDoesNotOverwriteAndNewerDoes) {
  QueryClient server(rt);
  (void)server.prefetch_query({.key = key({"k"}), .fetcher = value_after(5, "string-older")});
  advance(5);
  Value older = through_json(server.dehydrate());
  QueryClient client(rt);
  (void)client.prefetch_query({.key = key({"k"}), .fetcher = value_after(5, "string-newer")});
  advance(5);
  client.hydrate(older);
  EXPECT_EQ(client.get_query_data(key({"k"})), Value("string-newer"));
  (void)server.fetch_query({.key = key({"k"}), .fetcher = value_after(5, "string-newest")});
  advance(5);
  client.hydrate(through_json(server.dehydrate()));
  EXPECT_EQ(client.get_query_data(key({"k"})), Value("string-newest"));
}

// A state written whole (a newer dehydrated one) replaces a failed query's error fields with its
// own, none here: the query reads as one that never failed, and its next failure counts from there.
TEST_F(QueryHydrationTest, ANewerStateWithoutErrorsClearsAFailedQuerysErrorFields) {
  QueryClient client(rt);
  const Fetcher failing =
      sync_fetcher([](const Value&) -> Value { throw Error(ErrorCode::io_error, "down"); });
  (void)client.prefetch_query({.key = key({"k"}), .fetcher = failing, .retry = 0});
  auto st = client.get_query_state(key({"k"}));
  ASSERT_TRUE(st->error);
  ASSERT_EQ(st->failure_count, 1);
  ASSERT_EQ(st->error_update_count, 1u);
  advance(5);
  QueryClient server(rt);
  server.set_query_data(key({"k"}), "fresh");
  client.hydrate(through_json(server.dehydrate()));
  st = client.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::success);
  EXPECT_EQ(st->data, Value("fresh"));
  EXPECT_FALSE(st->error);
  EXPECT_TRUE(st->error_detail.is_null());
  EXPECT_EQ(st->error_updated_at, Millis{0});
  EXPECT_EQ(st->failure_count, 0);
  EXPECT_FALSE(st->failure_reason);
  EXPECT_TRUE(st->failure_reason_detail.is_null());
  EXPECT_EQ(st->error_update_count, 0u);
  advance(5);
  (void)client.fetch_query({.key = key({"k"}), .fetcher = failing, .retry = 0});
  st = client.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::error);
  EXPECT_EQ(st->data, Value("fresh"));
  EXPECT_EQ(st->failure_count, 1);
  EXPECT_EQ(st->error_update_count, 1u);
  EXPECT_EQ(st->error_updated_at, rt.now());
}

TEST_F(QueryHydrationTest, PausedMutationsAreDehydratedAndContinueOnHydrationWithoutOnMutate) {
  QueryClient server(rt);
  server.set_online(false);
  int server_calls = 0;
  server.set_mutation_defaults(key({"add"}), {.fn = [&](const Value&, const AbortSignal&, Completion done) {
                                                ++server_calls;
                                                done.reject(Error(ErrorCode::io_error, "offline"));
                                              },
                                              .retry = 3,
                                              .retry_delay = Millis{10},
                                              .on_mutate = [](const Value& v) {
                                                return Value::object({{"optimisticTodo",
                                                                       Value::object({{"id", 1}, {"text", v.get("text")}})}});
                                              }});
  (void)server.mutate({.mutation_key = key({"add"})}, Value::object({{"text", "text"}}));
  advance(50);
  EXPECT_EQ(server_calls, 0);
  Value json = through_json(server.dehydrate());
  server.clear();

  QueryClient client(rt);
  int client_calls = 0;
  int on_mutate = 0;
  std::vector<Value> successes;
  client.set_mutation_defaults(key({"add"}), {.fn = [&](const Value& v, const AbortSignal&, Completion done) {
                                                ++client_calls;
                                                done.resolve(Value::object({{"id", 2}, {"text", v.get("text")}}));
                                              },
                                              .on_mutate = [&](const Value&) {
                                                ++on_mutate;
                                                return Value();
                                              },
                                              .on_success = [&](const Value& data, const Value& vars,
                                                                const Value& context) {
                                                successes.push_back(Value::array({data, vars, context}));
                                              }});
  client.hydrate(json);
  (void)client.resume_paused_mutations();
  EXPECT_EQ(client_calls, 1);
  EXPECT_EQ(on_mutate, 0);
  ASSERT_EQ(successes.size(), 1u);
  EXPECT_EQ(successes[0], Value::array({Value::object({{"id", 2}, {"text", "text"}}), Value::object({{"text", "text"}}),
                                        Value::object({{"optimisticTodo",
                                                        Value::object({{"id", 1}, {"text", "text"}})}})}));
}

TEST_F(QueryHydrationTest, AMutationBetweenRetriesIsNotPausedSoNotDehydratedByDefault) {
  QueryClient qc(rt);
  (void)qc.mutate({.fn = [](const Value&, const AbortSignal&, Completion done) {
                     done.reject(Error(ErrorCode::io_error, "offline"));
                   },
                   .retry = 1,
                   .retry_delay = Millis{20}},
                  Value());
  advance(1);
  EXPECT_TRUE(qc.dehydrate().mutations.empty());
  EXPECT_TRUE(qc.dehydrate({.should_dehydrate_mutation = [](const MutationInfo&) { return false; }}).mutations.empty());
  advance(30);
}

TEST_F(QueryHydrationTest, MalformedInputChangesNothingAndNamesTheField) {
  QueryClient qc(rt);
  EXPECT_THROW(qc.hydrate(Value("invalid")), Error);
  EXPECT_NO_THROW(qc.hydrate(Value::object({})));
  try {
    qc.hydrate(Value::object({{"queries", Value::array({Value::object({{"queryKey", "k"}})})}}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("queries/0"), std::string::npos);
  }
  try {
    qc.hydrate(Value::object({{"mutations", Value::array({Value::object({{"state", Value::object({{"status", "x"}})}})})}}));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mutations/0"), std::string::npos);
  }
  EXPECT_TRUE(qc.query_cache().find_all().empty());
}

// A persisted cache is input any script of the origin may have written: a time or count no
// JavaScript number of query-core's could be (1e300, NaN's stand-ins, a negative count) is refused
// with the field's name, and nothing is hydrated. Before, 1e300 was cast to an int64 (undefined
// behaviour: INT64_MIN in WebAssembly) and a count of -1 wrapped to 4,294,967,295.
TEST_F(QueryHydrationTest, AnOutOfRangeTimeOrCountIsRefusedAndNothingIsHydrated) {
  QueryClient qc(rt);
  auto with_state = [](const char* field, Value v) {
    Value state = Value::object({{"status", "success"}, {"data", 1}, {"dataUpdatedAt", 5}});
    state = std::move(state).set(field, std::move(v));
    return Value::object({{"queries", Value::array({Value::object({{"queryKey", Value::array({"ok"})},
                                                                     {"state", Value::object({{"status", "success"}, {"data", 0}})}}),
                                                     Value::object({{"queryKey", Value::array({"k"})},
                                                                     {"state", std::move(state)}})})}});
  };
  const std::pair<const char*, Value> bad_fields[] = {
      {"dataUpdatedAt", 1e300},          {"dataUpdatedAt", -1e300},
      {"errorUpdatedAt", 9007199254740993.0 * 2}, {"dataUpdateCount", -1},
      {"errorUpdateCount", 5e9},         {"fetchFailureCount", -3},
  };
  for (const auto& [field, v] : bad_fields) {
    try {
      qc.hydrate(with_state(field, v));
      ADD_FAILURE() << field << " = " << v.to_json() << " was taken";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
      EXPECT_NE(std::string(e.what()).find(field), std::string::npos) << e.what();
    }
    EXPECT_TRUE(qc.query_cache().find_all().empty()) << field;
  }
  Value late = Value::object({{"queries", Value::array({Value::object({{"queryKey", Value::array({"k"})},
                                                                           {"dehydratedAt", 1e300},
                                                                        {"state", Value::object({{"status", "success"}, {"data", 1}})}})})}});
  EXPECT_THROW(qc.hydrate(late), Error);
  EXPECT_TRUE(qc.query_cache().find_all().empty());
  // The largest safe values are still taken.
  qc.hydrate(with_state("dataUpdatedAt", 9007199254740991.0));
  const auto st = qc.get_query_state(key({"k"}));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->data_updated_at.count(), 9007199254740991);
}

TEST_F(QueryHydrationTest, TheFetchStatusIsWrittenAsItIsAndANewQueryHydratesIdle) {
  // Issue 11: dehydrate always wrote fetchStatus "idle".
  QueryClient qc(rt);
  ManualFetcher mf;
  (void)qc.prefetch_query({.key = key({"k"}), .fetcher = sync_fetcher([](const Value&) { return Value("string"); })});
  (void)qc.refetch_queries({.key = key({"k"})});
  (void)qc.fetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  qc.set_query_defaults(key({"k"}), {.fetcher = mf.fetcher()});
  (void)qc.refetch_queries({.key = key({"k"})});
  DehydratedState s = qc.dehydrate();
  ASSERT_EQ(s.queries.size(), 1u);
  EXPECT_EQ(s.queries[0].state.fetch_status, FetchStatus::fetching);
  Value json = through_json(s);
  EXPECT_EQ(json.get("queries").at(0).get("state").get("fetchStatus"), Value("fetching"));
  QueryClient other(rt);
  other.hydrate(json);
  EXPECT_EQ(other.get_query_state(key({"k"}))->fetch_status, FetchStatus::idle);
}

TEST_F(QueryHydrationTest, AnExistingQueryFetchingOnTheHydratingSideKeepsFetching) {
  QueryClient server(rt);
  (void)server.prefetch_query({.key = key({"k"}), .fetcher = value_after(10, "string")});
  advance(10);
  Value json = through_json(server.dehydrate());
  QueryClient client(rt);
  (void)client.prefetch_query({.key = key({"k"}), .fetcher = value_after(10, "string")});
  client.hydrate(json);
  EXPECT_EQ(client.get_query_state(key({"k"}))->fetch_status, FetchStatus::fetching);
  advance(10);
  EXPECT_EQ(client.get_query_state(key({"k"}))->fetch_status, FetchStatus::idle);
}

TEST_F(QueryHydrationTest, MetaOfQueriesAndMutationsIsDehydratedOnlyWhenSet) {
  // Issue 11: meta was not dehydrated.
  QueryClient qc(rt);
  (void)qc.prefetch_query({.key = key({"meta"}), .fetcher = value_after(0, "meta"),
                           .meta = Value::object({{"some", "meta"}})});
  (void)qc.prefetch_query({.key = key({"none"}), .fetcher = value_after(0, "no-meta")});
  (void)qc.mutate({.fn = sync_mutation([](const Value&) { return Value("meta"); }),
                   .mutation_key = key({"meta"}),
                   .meta = Value::object({{"some", "meta"}})},
                  Value());
  (void)qc.mutate({.fn = sync_mutation([](const Value&) { return Value("no-meta"); }), .mutation_key = key({"none"})},
                  Value());
  advance(0);
  DehydratedState s = qc.dehydrate({.should_dehydrate_mutation = [](const MutationInfo&) { return true; }});
  Value json = through_json(s);
  for (const Value& q : json.get("queries").as_array()) {
    if (q.get("queryKey") == key({"meta"})) {
      EXPECT_EQ(q.get("meta"), Value::object({{"some", "meta"}}));
    } else {
      EXPECT_FALSE(q.contains("meta"));
    }
  }
  EXPECT_EQ(json.get("mutations").at(0).get("meta"), Value::object({{"some", "meta"}}));
  EXPECT_FALSE(json.get("mutations").at(1).contains("meta"));
  QueryClient other(rt);
  other.hydrate(json);
  EXPECT_EQ(other.query_cache().find({.key = key({"meta"})})->meta, Value::object({{"some", "meta"}}));
  EXPECT_TRUE(other.query_cache().find({.key = key({"none"})})->meta.is_null());
  EXPECT_EQ(other.mutation_cache().find({.mutation_key = key({"meta"})})->meta, Value::object({{"some", "meta"}}));
  EXPECT_TRUE(other.mutation_cache().find({.mutation_key = key({"none"})})->meta.is_null());
}

TEST_F(QueryHydrationTest, MutationScopesRoundTrip) {
  QueryClient qc(rt);
  qc.set_online(false);
  (void)qc.mutate({.fn = sync_mutation([](const Value&) { return Value("mutation"); }),
                   .mutation_key = key({"k"}),
                   .scope = "scope"},
                  "vars");
  DehydratedState s = qc.dehydrate();
  ASSERT_EQ(s.mutations.size(), 1u);
  EXPECT_EQ(s.mutations[0].scope, "scope");
  QueryClient other(rt);
  other.hydrate(through_json(s));
  EXPECT_EQ(other.mutation_cache().find({.mutation_key = key({"k"})})->scope, "scope");
}

TEST_F(QueryHydrationTest, APendingQueryCarriesItsFetchAndTheOtherSideIsSettledByIt) {
  QueryClient server(rt, {.dehydrate = {.should_dehydrate_query = [](const QueryInfo&) { return true; }}});
  (void)server.prefetch_query({.key = key({"success"}), .fetcher = value_after(0, "success")});
  advance(0);
  (void)server.prefetch_query({.key = key({"pending"}), .fetcher = value_after(20, "pending")});
  DehydratedState s = server.dehydrate();
  ASSERT_EQ(s.queries.size(), 2u);
  const DehydratedQuery& pending = s.queries[0].key == key({"pending"}) ? s.queries[0] : s.queries[1];
  const DehydratedQuery& success = s.queries[0].key == key({"pending"}) ? s.queries[1] : s.queries[0];
  EXPECT_FALSE(success.promise);
  ASSERT_TRUE(pending.promise);

  QueryClient client(rt);
  client.hydrate(s);
  EXPECT_EQ(client.get_query_data(key({"success"})), Value("success"));
  auto st = client.get_query_state(key({"pending"}));
  EXPECT_EQ(st->status, QueryStatus::pending);
  EXPECT_EQ(st->fetch_status, FetchStatus::fetching);
  EXPECT_EQ(st->data_update_count, 0u);
  advance(20);
  st = client.get_query_state(key({"pending"}));
  EXPECT_EQ(st->status, QueryStatus::success);
  EXPECT_EQ(st->fetch_status, FetchStatus::idle);
  EXPECT_EQ(st->data, Value("pending"));
  EXPECT_EQ(st->data_update_count, 1u);
}

TEST_F(QueryHydrationTest, SerializeAndDeserializeTransformDataAndPromises) {
  QueryClient server(rt, {.dehydrate = {.should_dehydrate_query = [](const QueryInfo&) { return true; },
                                        .serialize_data = [](const Value& v) { return Value("s:" + v.to_json()); }}});
  (void)server.prefetch_query({.key = key({"done"}), .fetcher = value_after(0, 1)});
  advance(0);
  (void)server.prefetch_query({.key = key({"later"}), .fetcher = value_after(20, 2)});
  DehydratedState s = server.dehydrate();
  QueryClient client(rt, {.hydrate = {.deserialize_data = [](const Value& v) {
                            return parse_json(std::string(v.as_string()).substr(2));
                          }}});
  client.hydrate(s);
  EXPECT_EQ(client.get_query_data(key({"done"})), Value(1));
  advance(20);
  EXPECT_EQ(client.get_query_data(key({"later"})), Value(2));
}

TEST_F(QueryHydrationTest, AnAlreadySettledPromiseHydratesSynchronouslyAsSuccess) {
  QueryClient server(rt, {.dehydrate = {.should_dehydrate_query = [](const QueryInfo&) { return true; }}});
  ManualFetcher mf;
  (void)server.prefetch_query({.key = key({"k"}), .fetcher = mf.fetcher()});
  DehydratedState s = server.dehydrate();
  EXPECT_EQ(s.queries[0].state.status, QueryStatus::pending);
  mf.resolve("server data");
  rt.run_until_idle();
  ASSERT_TRUE(s.queries[0].promise->ready());

  QueryClient client(rt);
  std::vector<QueryState> updates;
  auto sub = client.query_cache().subscribe([&](const QueryCacheEvent& e) {
    if (e.type == QueryCacheEvent::Type::updated) updates.push_back(*client.get_query_state(e.key));
  });
  client.hydrate(s);
  EXPECT_EQ(client.get_query_data(key({"k"})), Value("server data"));
  auto st = client.get_query_state(key({"k"}));
  EXPECT_EQ(st->status, QueryStatus::success);
  EXPECT_GT(st->data_updated_at, Millis{0});
  for (const auto& u : updates) {
    EXPECT_NE(u.fetch_status, FetchStatus::fetching);
    EXPECT_NE(u.status, QueryStatus::pending);
  }
  // Into an existing pending query too.
  QueryClient again(rt);
  again.set_query_data(key({"k"}), "old data", {.updated_at = Millis{0}});
  again.hydrate(s);
  EXPECT_EQ(again.get_query_data(key({"k"})), Value("server data"));
  EXPECT_EQ(again.get_query_state(key({"k"}))->status, QueryStatus::success);
}

TEST_F(QueryHydrationTest, OlderLocalDataIsReplacedByAPendingQuerysFetchAndNewerIsKept) {
  QueryClient server(rt, {.dehydrate = {.should_dehydrate_query = [](const QueryInfo&) { return true; }}});
  (void)server.prefetch_query({.key = key({"k"}), .fetcher = value_after(10, "server data")});
  DehydratedState s = server.dehydrate();

  QueryClient older(rt);
  older.set_query_data(key({"k"}), "old data", {.updated_at = Millis{10}});
  older.hydrate(s);

  advance(10);
  EXPECT_EQ(older.get_query_data(key({"k"})), Value("server data"));

  advance(10'000);
  QueryClient newer(rt);
  newer.set_query_data(key({"k"}), "newer data", {.updated_at = rt.now()});
  newer.hydrate(s);
  advance(0);
  EXPECT_EQ(newer.get_query_state(key({"k"}))->fetch_status, FetchStatus::idle);
  EXPECT_EQ(newer.get_query_data(key({"k"})), Value("newer data"));
}

TEST_F(QueryHydrationTest, AFailedPendingFetchIsRedactedUnlessToldOtherwise) {
  for (bool redact : {true, false}) {
    QueryClient server(rt, {.dehydrate = {.should_dehydrate_query = [](const QueryInfo&) { return true; },
                                          .should_redact_errors = [redact](const Error&) { return redact; }}});
    ManualFetcher mf;
    (void)server.prefetch_query({.key = key({"k"}), .fetcher = mf.fetcher(), .retry = false});
    DehydratedState s = server.dehydrate();
    ASSERT_TRUE(s.queries[0].promise);
    mf.reject(ErrorCode::http_error, "original error");
    rt.run_until_idle();
    ASSERT_TRUE(s.queries[0].promise->ready());
    const Error* e = s.queries[0].promise->error();
    ASSERT_NE(e, nullptr);
    EXPECT_STREQ(e->what(), redact ? "redacted" : "original error");
  }
}

TEST_F(QueryHydrationTest, InfiniteQueriesKeepTheirTypeAndPagesThroughHydration) {
  QueryClient server(rt);
  Fetcher pages = [&](const FetchContext& ctx, Completion done) {
    const std::int64_t p = ctx.page_param.as_int();
    done.resolve(Value::object({{"items", Value::array({"item-" + std::to_string(p)})}, {"next", p + 1}}));
  };
  auto next = [](const Value& page, const Value&, const Value&, const Value&) {
    return std::optional<Value>(page.get("next"));
  };
  (void)server.prefetch_infinite_query(
      {.key = key({"k"}), .fetcher = pages, .initial_page_param = Value(0), .get_next_page_param = next, .pages = 2});
  DehydratedState s = server.dehydrate();
  ASSERT_EQ(s.queries.size(), 1u);
  EXPECT_TRUE(s.queries[0].infinite);
  Value json = through_json(s);
  EXPECT_EQ(json.get("queries").at(0).get("queryType"), Value("infinite"));

  QueryClient client(rt);
  client.hydrate(json);
  EXPECT_TRUE(client.query_cache().find({.key = key({"k"})})->infinite);
  EXPECT_EQ(client.get_query_data(key({"k"}))->get("pages").size(), 2u);
  Future f = client.fetch_infinite_query(
      {.key = key({"k"}), .fetcher = pages, .initial_page_param = Value(0), .get_next_page_param = next, .pages = 2});
  EXPECT_EQ(f.value(), Value::object({{"pages", Value::array({Value::object({{"items", Value::array({"item-0"})}, {"next", 1}}),
                                                             Value::object({{"items", Value::array({"item-1"})}, {"next", 2}})})},
                                     {"pageParams", Value::array({0, 1})}}));
}

}  // namespace
}  // namespace mfstate::testing
