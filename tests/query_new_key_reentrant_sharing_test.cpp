// A structural-sharing function runs for a new key's first set_query_data, inside the call, on
// an entry build() has just linked. It is an app's code: it may reach the same key again (remove
// it, observe it, fetch it) before it throws. The failed call then takes the entry back only when
// nothing else reached it: an entry already removed is not removed (nor counted, nor freed) twice,
// and one an observer or a fetch now holds stays, as an update refused for an existing key.
#include <optional>
#include <stdexcept>

#include "query_test_support.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryNewKeyReentrantSharingTest : public QueryTest {};

TEST_F(QueryNewKeyReentrantSharingTest, ASharingFunctionRemovingTheKeyThenThrowingLeavesTheCacheWhole) {
  std::optional<QueryClient> qc;
  int removed_events = 0;
  qc.emplace(rt, QueryClientOptions{.defaults = {.structural_sharing = [&](const std::optional<Value>&,
                                                                           const Value& next) -> Value {
                                      if (next.get("bad").as_bool()) {
                                        qc->remove_queries({.key = key({"k"})});
                                        throw std::runtime_error("refused");
                                      }
                                      return next;
                                    }}});
  Subscription s = qc->query_cache().subscribe([&](const QueryCacheEvent& e) {
    if (e.type == QueryCacheEvent::Type::removed) ++removed_events;
  });
  qc->set_query_data(key({"other"}), Value::object({{"bad", false}}));
  const auto before = qc->stats();
  EXPECT_THROW(qc->set_query_data(key({"k"}), Value::object({{"bad", true}})), std::runtime_error);
  rt.run_until_idle();
  EXPECT_FALSE(qc->get_query_state(key({"k"})));
  EXPECT_EQ(qc->stats().entries, before.entries);
  EXPECT_EQ(qc->stats().trie_nodes, before.trie_nodes);
  EXPECT_EQ(removed_events, 1);  // removed once, not once more by the failed call
  // The cache goes on: the key can be set, collected and the client destroyed.
  qc->set_query_data(key({"k"}), Value::object({{"bad", false}}));
  EXPECT_TRUE(qc->get_query_data(key({"k"})));
  advance(10 * 60 * 1000);
  EXPECT_EQ(qc->stats().entries, 0u);
  s = Subscription();
  qc.reset();
}

TEST_F(QueryNewKeyReentrantSharingTest,
       ASharingFunctionObservingTheKeyThenThrowingLeavesTheObserverItsEntry) {
  std::optional<QueryClient> qc;
  std::optional<QueryObserver> obs;
  Subscription sub;
  qc.emplace(rt, QueryClientOptions{.defaults = {.structural_sharing = [&](const std::optional<Value>&,
                                                                           const Value& next) -> Value {
                                      if (next.get("bad").as_bool()) {
                                        obs.emplace(*qc, QueryOptions{.key = key({"k"})});
                                        sub = obs->subscribe([](const QueryResult&) {});
                                        throw std::runtime_error("refused");
                                      }
                                      return next;
                                    }}});
  EXPECT_THROW(qc->set_query_data(key({"k"}), Value::object({{"bad", true}})), std::runtime_error);
  ASSERT_TRUE(obs.has_value());
  rt.run_until_idle();
  // The observer's entry is the cache's: found by its key, without the refused data.
  ASSERT_TRUE(qc->get_query_state(key({"k"})));
  EXPECT_FALSE(qc->get_query_data(key({"k"})));
  EXPECT_EQ(qc->stats().entries, 1u);
  qc->set_query_data(key({"k"}), Value::object({{"bad", false}}));
  rt.run_until_idle();
  EXPECT_TRUE(obs->get_current_result().data.has_value());
  sub = Subscription();
  obs.reset();
  advance(10 * 60 * 1000);
  EXPECT_EQ(qc->stats().entries, 0u);
  qc.reset();
}

TEST_F(QueryNewKeyReentrantSharingTest, ASharingFunctionFetchingTheKeyThenThrowingLeavesTheFetchItsEntry) {
  std::optional<QueryClient> qc;
  ManualFetcher fetcher;
  std::optional<Future> fetched;
  qc.emplace(
      rt, QueryClientOptions{.defaults = {.structural_sharing = [&](const std::optional<Value>&,
                                                                    const Value& next) -> Value {
                               if (next.get("bad").as_bool()) {
                                 fetched = qc->fetch_query({.key = key({"k"}), .fetcher = fetcher.fetcher()});
                                 throw std::runtime_error("refused");
                               }
                               return next;
                             }}});
  EXPECT_THROW(qc->set_query_data(key({"k"}), Value::object({{"bad", true}})), std::runtime_error);
  ASSERT_EQ(fetcher.pending(), 1u);
  EXPECT_EQ(qc->is_fetching(), 1u);
  ASSERT_TRUE(qc->get_query_state(key({"k"})));
  fetcher.resolve(Value::object({{"bad", false}}));
  rt.run_until_idle();
  ASSERT_TRUE(fetched && fetched->ready());
  EXPECT_FALSE(fetched->value().get("bad").as_bool());
  EXPECT_FALSE(qc->get_query_data(key({"k"}))->get("bad").as_bool());
  EXPECT_EQ(qc->is_fetching(), 0u);
  advance(10 * 60 * 1000);
  EXPECT_EQ(qc->stats().entries, 0u);
  qc.reset();
}

}  // namespace
