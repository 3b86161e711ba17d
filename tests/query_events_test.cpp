// The query cache as query-core's queryCache.test.tsx sees it: events in order (mfstate coalesces
// an observer's results per batch: one observer_results_updated after the transitions of a batch),
// find / find_all with every filter, cache-level callbacks, a size limit kept by a listener.
#include "query_test_support.hpp"

namespace mfstate::testing {
namespace {

using namespace std::chrono_literals;

std::string describe(const QueryCacheEvent& e) {
  static const char* types[] = {"added",           "removed",
                                "updated",         "observerAdded",
                                "observerRemoved", "observerResultsUpdated",
                                "observerOptionsUpdated"};
  std::string s = types[static_cast<int>(e.type)];
  if (!e.action.empty()) s += " " + std::string(e.action);
  return s;
}

class QueryEventsTest : public QueryTest {
 protected:
  Fetcher value_after(std::int64_t ms, Value v) {
    return DelayedFetcher{&rt, Millis{ms}, [v](const FetchContext&) { return v; }}.fetcher();
  }
};

TEST_F(QueryEventsTest, TheFirstEventOfANewQueryIsAddedWithItsKey) {
  QueryClient qc(rt);
  std::vector<QueryCacheEvent> events;
  auto sub = qc.query_cache().subscribe([&](const QueryCacheEvent& e) { events.push_back(e); });
  qc.set_query_data(key({"k"}), "foo");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].type, QueryCacheEvent::Type::added);
  EXPECT_EQ(events[0].key, key({"k"}));
  (void)qc.prefetch_query({.key = key({"p"}), .fetcher = value_after(100, "data"), .initial_data = Value("initial")});
  advance(100);
  EXPECT_EQ(describe(events[2]), "added");
  EXPECT_EQ(events[2].key, key({"p"}));
}

TEST_F(QueryEventsTest, AnObservedQueryBecomingStaleEmitsTheTransitionsThenTheResults) {
  QueryClient qc(rt);
  std::vector<std::string> events;
  auto sub = qc.query_cache().subscribe([&](const QueryCacheEvent& e) { events.push_back(describe(e)); });
  QueryObserver o(qc, {.key = key({"k"}), .fetcher = value_after(0, "data"), .stale_time = 10ms});
  auto s = o.subscribe(nullptr);
  advance(11);
  EXPECT_EQ(events, (std::vector<std::string>{"added", "observerAdded", "updated fetch", "observerResultsUpdated",
                                              "updated success", "observerResultsUpdated", "observerResultsUpdated"}));
}

TEST_F(QueryEventsTest, FindAllFiltersByKeyTypeStalenessFetchStatusAndPredicate) {
  QueryClient qc(rt);
  (void)qc.prefetch_query({.key = key({"k1"}), .fetcher = value_after(100, "data1")});
  (void)qc.prefetch_query({.key = key({"k2"}), .fetcher = value_after(100, "data2")});
  (void)qc.prefetch_query({.key = key({Value::object({{"a", "a"}, {"b", "b"}})}), .fetcher = value_after(100, "data3")});
  (void)qc.prefetch_query({.key = key({"posts", 1}), .fetcher = value_after(100, "data4")});
  advance(100);
  (void)qc.invalidate_queries({.key = key({"k2"})});
  QueryCache cache = qc.query_cache();
  auto keys = [](const std::vector<QueryInfo>& qs) {
    std::vector<Value> out;
    for (const auto& q : qs) out.push_back(q.key);
    return out;
  };
  EXPECT_EQ(keys(cache.find_all({.key = key({"k1"})})), std::vector<Value>{key({"k1"})});
  EXPECT_TRUE(cache.find_all({.key = key({key({"k1"})})}).empty());
  EXPECT_EQ(cache.find_all().size(), 4u);
  EXPECT_EQ(cache.find_all({.key = key({"k1"}), .type = QueryType::inactive}).size(), 1u);
  EXPECT_TRUE(cache.find_all({.key = key({"k1"}), .type = QueryType::active}).empty());
  EXPECT_TRUE(cache.find_all({.key = key({"k1"}), .stale = true}).empty());
  EXPECT_EQ(cache.find_all({.key = key({"k1"}), .stale = false}).size(), 1u);
  EXPECT_EQ(cache.find_all({.key = key({"k1"}), .exact = true, .type = QueryType::inactive, .stale = false}).size(), 1u);
  EXPECT_EQ(cache.find_all({.key = key({"k2"}), .stale = true}).size(), 1u);
  EXPECT_TRUE(cache.find_all({.key = key({"k2"}), .stale = false}).empty());
  EXPECT_EQ(cache.find_all({.key = key({Value::object({{"b", "b"}})})}).size(), 1u);
  EXPECT_EQ(cache.find_all({.key = key({Value::object({{"a", "a"}})}), .exact = false}).size(), 1u);
  EXPECT_TRUE(cache.find_all({.key = key({Value::object({{"a", "a"}})}), .exact = true}).empty());
  EXPECT_EQ(cache.find_all({.key = key({Value::object({{"a", "a"}, {"b", "b"}})}), .exact = true}).size(), 1u);
  EXPECT_TRUE(cache.find_all({.key = key({Value::object({{"a", "a"}, {"b", "b"}, {"c", "c"}})})}).empty());
  EXPECT_EQ(cache.find_all({.key = key({"posts"})}).size(), 1u);
  EXPECT_EQ(cache.find_all({.predicate = [](const QueryInfo& q) { return q.key == key({"posts", 1}); }}).size(), 1u);
  EXPECT_EQ(cache.find_all({.fetch_status = FetchStatus::idle}).size(), 4u);
  (void)qc.prefetch_query({.key = key({"fetching"}), .fetcher = value_after(20, "x")});
  EXPECT_EQ(keys(cache.find_all({.fetch_status = FetchStatus::fetching})), std::vector<Value>{key({"fetching"})});
  advance(20);
  EXPECT_TRUE(cache.find_all({.fetch_status = FetchStatus::fetching}).empty());
  // find matches exactly unless told otherwise.
  EXPECT_TRUE(cache.find({.key = key({"k1"})}));
  EXPECT_TRUE(cache.find({.key = key({"k1"}), .exact = false}));
  EXPECT_FALSE(cache.find({.key = key({"posts"})}));
  EXPECT_TRUE(cache.find({.key = key({"posts"}), .exact = false}));
}

TEST_F(QueryEventsTest, CacheCallbacksHearEveryFetchThatSucceedsOrFails) {
  std::vector<std::string> log;
  QueryClient qc(rt, {.query_cache = {.on_success = [&](const Value& d, const QueryInfo& q) {
                                        log.push_back("success " + d.to_json() + " " + q.key.to_json());
                                      },
                                      .on_error = [&](const Error& e, const QueryInfo& q) {
                                        log.push_back(std::string("error ") + e.what() + " " + q.key.to_json());
                                      },
                                      .on_settled = [&](const Value& d, const Error* e, const QueryInfo&) {
                                        log.push_back("settled " + d.to_json() + (e ? " error" : " ok"));
                                      }}});
  (void)qc.prefetch_query({.key = key({"ok"}), .fetcher = value_after(100, Value::object({{"data", 5}}))});
  (void)qc.prefetch_query({.key = key({"ko"}),
                           .fetcher = DelayedFetcher{&rt, 100ms, [](const FetchContext&) -> Value {
                                                       throw Error(ErrorCode::query_error, "boom");
                                                     }}.fetcher()});
  advance(100);
  EXPECT_EQ(log, (std::vector<std::string>{R"(success {"data":5} ["ok"])", R"(settled {"data":5} ok)",
                                           R"(error boom ["ko"])", "settled null error"}));
  // A cancellation is not a settled fetch.
  (void)qc.prefetch_query({.key = key({"c"}), .fetcher = value_after(100, 1)});
  qc.cancel_queries({.key = key({"c"})});
  EXPECT_EQ(log.size(), 4u);
}

TEST_F(QueryEventsTest, AThrowingCacheCallbackIsReportedAndTheQuerySucceeds) {
  std::vector<std::string> reported;
  QueryClient qc(rt, {.query_cache = {.on_success = [](const Value&, const QueryInfo&) {
                                        throw Error(ErrorCode::query_error, "callback failed");
                                      }},
                      .on_error = [&](const Error& e) { reported.emplace_back(e.what()); }});
  Future f = qc.fetch_query({.key = key({"k"}), .fetcher = sync_fetcher([](const Value&) { return Value(1); })});
  EXPECT_EQ(f.value(), Value(1));
  EXPECT_EQ(reported, (std::vector<std::string>{"callback failed"}));
}

TEST_F(QueryEventsTest, AListenerCanKeepTheCacheSmall) {
  QueryClient qc(rt);
  QueryCache cache = qc.query_cache();
  auto sub = cache.subscribe([&](const QueryCacheEvent& e) {
    if (e.type != QueryCacheEvent::Type::added || cache.find_all().size() <= 2) return;
    for (const QueryInfo& q : cache.find_all({.type = QueryType::inactive, .predicate = [&](const QueryInfo& x) {
                                                return !(x.key == e.key);
                                              }})) {
      qc.remove_queries({.key = q.key, .exact = true});
    }
  });
  (void)qc.prefetch_query({.key = key({"k1"}), .fetcher = value_after(100, "data1")});
  EXPECT_EQ(cache.find_all().size(), 1u);
  (void)qc.prefetch_query({.key = key({"k2"}), .fetcher = value_after(100, "data2")});
  EXPECT_EQ(cache.find_all().size(), 2u);
  (void)qc.prefetch_query({.key = key({"k3"}), .fetcher = value_after(100, "data3")});
  advance(100);
  ASSERT_EQ(cache.find_all().size(), 1u);
  EXPECT_EQ(cache.find_all()[0].state.data, Value("data3"));
}

TEST_F(QueryEventsTest, RemovingAndBuildingAgainGivesAFreshQuery) {
  QueryClient qc(rt);
  qc.set_query_data(key({"k"}), 1);
  qc.remove_queries({.key = key({"k"})});
  EXPECT_FALSE(qc.query_cache().find({.key = key({"k"})}));
  QueryObserver o(qc, {.key = key({"k"}), .enabled = false});
  auto q = qc.query_cache().find({.key = key({"k"})});
  ASSERT_TRUE(q);
  EXPECT_FALSE(q->state.data);
  EXPECT_EQ(qc.query_cache().find_all().size(), 1u);
}

}  // namespace
}  // namespace mfstate::testing
