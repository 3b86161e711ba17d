// An invalidation by key of entries nobody observes allocates nothing (S1: it refetches nothing,
// so no countdown and no future of its own: the one settled future is shared), so it cannot fail
// for want of memory: with every allocation failing (this binary's operator new) it still marks
// its match and answers settled.
#include <new>

#include "failing_allocation.hpp"
#include "query_test_support.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryInvalidateOutOfMemoryTest : public QueryTest {};

TEST_F(QueryInvalidateOutOfMemoryTest, AnInvalidationThatRefetchesNothingNeedsNoMemory) {
  QueryClient qc(rt);
  for (int i = 0; i < 100; ++i) qc.set_query_data(key({"user", i, "profile"}), i);
  // The filters are the caller's (built before); the first call makes the shared settled future.
  const QueryFilters warm{.key = key({"user", 0})};
  (void)qc.invalidate_queries(warm);
  rt.run_until_idle();
  for (int i = 1; i < 100; ++i) {
    const QueryFilters filters{.key = key({"user", i})};
    const Value entry = key({"user", i, "profile"});
    allocations_to_failure = 1;  // the next allocation fails
    Future f;
    try {
      f = qc.invalidate_queries(filters);
      rt.run_until_idle();
    } catch (const std::bad_alloc&) {
      allocations_to_failure = 0;
      FAIL() << "invalidating user " << i << " allocated";
    }
    allocations_to_failure = 0;
    EXPECT_TRUE(f.ok()) << i;
    EXPECT_TRUE(qc.get_query_state(entry)->is_invalidated) << i;
  }
}

}  // namespace
