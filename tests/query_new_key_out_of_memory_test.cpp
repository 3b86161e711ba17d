// A new key whose set_query_data runs out of memory leaves the cache as it was: every allocation
// the call makes is failed in turn (this binary's operator new), and after each failure the key
// is absent, every other key is found and the trie has the positions it had. Among many siblings
// a new key's probe takes its slot in the parent's hash set before the entry exists (the entry
// pool's next slab, the set's growth come after it): a failure between gives the slot back.
// After the entry is linked, its gc list, the list's time mark, the gc timer, the cache
// listeners' events and the data's own set may still fail: the entry is then taken back out
// (no entry, no gc list membership, no index slot), as it is when a structural-sharing function
// throws for a new key.
#include <array>
#include <cstdlib>
#include <new>
#include <stdexcept>
#include <string>

#include "failing_allocation.hpp"
#include "query_test_support.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryNewKeyOutOfMemoryTest : public QueryTest {};

Value user_key(int i) { return key({"user", Value::object({{"id", i}})}); }

// Sets `k` failing its allocations one by one (the 1st, then the 2nd, ...) until it succeeds,
// checking after each failure that the cache is as it was. Returns how many failed.
int set_failing_each_allocation(QueryClient& qc, const Value& k, int id) {
  int failures = 0;
  for (long at = 1;; ++at) {
    const Value data = Value::object({{"userId", id}});
    const auto before = qc.stats();
    const std::size_t listed = qc.get_queries_data({.key = key({"user"})}).size();
    allocations_to_failure = at;
    bool failed = false;
    try {
      qc.set_query_data(k, data);
    } catch (const std::bad_alloc&) {
      failed = true;
    }
    allocations_to_failure = 0;
    if (!failed) break;
    ++failures;
    EXPECT_FALSE(qc.get_query_data(k)) << id << " at " << at;
    EXPECT_FALSE(qc.get_query_state(k)) << id << " at " << at;  // no entry, not even a data-less one
    EXPECT_EQ(qc.stats().entries, before.entries) << id << " at " << at;
    EXPECT_EQ(qc.stats().trie_nodes, before.trie_nodes) << id << " at " << at;
    EXPECT_EQ(qc.get_queries_data({.key = key({"user"})}).size(), listed) << id << " at " << at;
    if (::testing::Test::HasFailure()) return failures;
  }
  EXPECT_EQ(qc.get_query_data(k)->get("userId").as_int(), id);
  return failures;
}

TEST_F(QueryNewKeyOutOfMemoryTest, EachFailingAllocationLeavesTheCacheAsItWas) {
  QueryClient qc(rt);
  // Past the entry pool's first slab (512 entries) and several growths of the "user" set, so
  // that some new key's every allocation point is failed at least once. The first key's set
  // makes, after its entry is linked, what every later one shares (its gc list, the gc timer);
  // the clock moves between keys, so each key's place on the gc list takes a new time mark.
  constexpr int keys = 1100;
  int failures = 0;
  for (int i = 0; i < keys; ++i) {
    failures += set_failing_each_allocation(qc, user_key(i), i);
    ASSERT_FALSE(HasFailure()) << i;
    clock.advance(Millis{1});
  }
  EXPECT_GE(failures, 5);  // the gc list and timer, the entry pool's second and third slab, the set's growth
  EXPECT_EQ(qc.stats().entries, static_cast<std::size_t>(keys));
  EXPECT_EQ(qc.stats().trie_nodes, static_cast<std::size_t>(keys) + 1);
  for (int i = 0; i < keys; ++i) ASSERT_EQ(qc.get_query_data(user_key(i))->get("userId").as_int(), i) << i;
  EXPECT_EQ(qc.get_queries_data({.key = key({"user"})}).size(), static_cast<std::size_t>(keys));
  // The gc list holds each entry once, and nothing else: collected on time, every one goes.
  advance(5 * 60 * 1000 + keys);
  EXPECT_EQ(qc.stats().entries, 0u);
  EXPECT_EQ(qc.stats().trie_nodes, 0u);
}

TEST_F(QueryNewKeyOutOfMemoryTest, WithACacheListenerItHearsOfNoEntryLeftBehind) {
  // A listener makes every new entry's events allocate, after the entry is linked and told.
  QueryClient qc(rt);
  // key id -> added minus removed, as the listener heard it (no allocation in the listener: it
  // runs while allocations are being failed).
  std::array<int, 64> live{};
  Subscription s = qc.query_cache().subscribe([&](const QueryCacheEvent& e) {
    const auto id = static_cast<std::size_t>(e.key.as_array()[1].get("id").as_int());
    if (e.type == QueryCacheEvent::Type::added) ++live.at(id);
    if (e.type == QueryCacheEvent::Type::removed) --live.at(id);
  });
  constexpr int keys = 40;
  int failures = 0;
  for (int i = 0; i < keys; ++i) {
    failures += set_failing_each_allocation(qc, user_key(i), i);
    ASSERT_FALSE(HasFailure()) << i;
  }
  EXPECT_GE(failures, keys);
  EXPECT_EQ(qc.stats().entries, static_cast<std::size_t>(keys));
  // Each failure after the entry was announced told the listener it was removed: it counts every
  // key once.
  for (int i = 0; i < keys; ++i) EXPECT_EQ(live.at(static_cast<std::size_t>(i)), 1) << i;
}

TEST_F(QueryNewKeyOutOfMemoryTest, AStructuralSharingFunctionThrowingForANewKeyLeavesNoEntry) {
  QueryClient qc(
      rt, {.defaults = {.structural_sharing = [](const std::optional<Value>&, const Value& next) -> Value {
             if (next.get("bad").as_bool()) throw std::runtime_error("refused");
             return next;
           }}});
  qc.set_query_data(user_key(1), Value::object({{"bad", false}}));
  const auto before = qc.stats();
  EXPECT_THROW(qc.set_query_data(user_key(2), Value::object({{"bad", true}})), std::runtime_error);
  EXPECT_FALSE(qc.get_query_state(user_key(2)));
  EXPECT_EQ(qc.stats().entries, before.entries);
  EXPECT_EQ(qc.stats().trie_nodes, before.trie_nodes);
  EXPECT_TRUE(qc.get_query_data(user_key(1)));
  // An existing key's refused update leaves its entry and data.
  EXPECT_THROW(qc.set_query_data(user_key(1), Value::object({{"bad", true}})), std::runtime_error);
  EXPECT_FALSE(qc.get_query_data(user_key(1))->get("bad").as_bool());
}

}  // namespace
