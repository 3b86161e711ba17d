// A new key whose set_query_data runs out of memory leaves the cache as it was: every allocation
// the call makes is failed in turn (this binary's operator new), and after each failure the key
// is absent, every other key is found and the trie has the positions it had. Among many siblings
// a new key's probe takes its slot in the parent's hash set before the entry exists (the entry
// pool's next slab, the set's growth come after it): a failure between gives the slot back.
#include <cstdlib>
#include <new>

#include "query_test_support.hpp"

namespace {

// Allocations left before the failing one; 0: none fails.
long allocations_to_failure = 0;

void* allocate(std::size_t n) {
  if (allocations_to_failure > 0 && --allocations_to_failure == 0) throw std::bad_alloc();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryNewKeyOutOfMemoryTest : public QueryTest {};

Value user_key(int i) { return key({"user", Value::object({{"id", i}})}); }

TEST_F(QueryNewKeyOutOfMemoryTest, EachFailingAllocationLeavesTheCacheAsItWas) {
  QueryClient qc(rt);
  // Past the entry pool's first slab (512 entries) and several growths of the "user" set, so
  // that some new key's every allocation point is failed at least once.
  constexpr int keys = 1100;
  // The first entry makes what every later one shares (its gc list, the list's first time mark),
  // after it is linked: it is set without failures, the others are failed at each allocation.
  qc.set_query_data(user_key(0), Value::object({{"userId", 0}}));
  int failures = 0;
  for (int i = 1; i < keys; ++i) {
    const Value k = user_key(i);
    for (long at = 1;; ++at) {
      const Value data = Value::object({{"userId", i}});
      const auto before = qc.stats();
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
      ASSERT_FALSE(qc.get_query_data(k)) << i << " at " << at;
      ASSERT_EQ(qc.stats().entries, before.entries) << i << " at " << at;
      ASSERT_EQ(qc.stats().trie_nodes, before.trie_nodes) << i << " at " << at;
    }
    ASSERT_EQ(qc.get_query_data(k)->get("userId").as_int(), i);
  }
  EXPECT_GE(failures, 3);  // the entry pool's second and third slab, the set's growth at least
  EXPECT_EQ(qc.stats().entries, static_cast<std::size_t>(keys));
  EXPECT_EQ(qc.stats().trie_nodes, static_cast<std::size_t>(keys) + 1);
  for (int i = 0; i < keys; ++i) ASSERT_EQ(qc.get_query_data(user_key(i))->get("userId").as_int(), i) << i;
  EXPECT_EQ(qc.get_queries_data({.key = key({"user"})}).size(), static_cast<std::size_t>(keys));
  qc.remove_queries({.key = key({"user"})});
  EXPECT_EQ(qc.stats().trie_nodes, 0u);
}

}  // namespace
