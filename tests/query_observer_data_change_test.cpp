// When an observer's data counts as changed: a new node made by structural sharing against the
// node it last saw is taken as changed without a deep compare; anything else (sharing off, data
// shared against a node the observer never saw, data put back by a reset) is compared deeply, so
// equal data notifies nobody.
#include "query_test_support.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryObserverDataChangeTest : public QueryTest {};

struct Seen {
  std::vector<Value> data;
  QueryListener listener() {
    return [this](const QueryResult& r) {
      if (r.data) data.push_back(*r.data);
    };
  }
};

Value user(int v) { return Value::object({{"id", 1}, {"v", v}}); }

TEST_F(QueryObserverDataChangeTest, ARefetchWithNewDataIsToldOnceAndEqualDataIsNot) {
  QueryClient qc(rt);
  int version = 0;
  Seen seen;
  auto sub = qc.observe({.key = key({"u"}),
                         .fetcher = sync_fetcher([&](const Value&) { return user(version); }),
                         .stale_time = never_expires},
                        seen.listener());
  rt.run_until_idle();
  ASSERT_EQ(seen.data.size(), 1u);
  version = 1;
  (void)qc.invalidate_queries({.key = key({"u"})});
  rt.run_until_idle();
  ASSERT_EQ(seen.data.size(), 2u);
  EXPECT_EQ(seen.data[1].get("v").as_int(), 1);
  (void)qc.invalidate_queries({.key = key({"u"})});
  rt.run_until_idle();
  EXPECT_EQ(seen.data.size(), 2u);
}

TEST_F(QueryObserverDataChangeTest, DataBackToWhatWasToldWithinOneBatchNotifiesNobody) {
  QueryClient qc(rt);
  qc.set_query_data(key({"u"}), user(0));
  Seen seen;
  auto sub = qc.observe({.key = key({"u"}), .stale_time = never_expires}, seen.listener());
  rt.run_until_idle();
  ASSERT_EQ(seen.data.size(), 1u);
  {
    // v = 1, then v = 0 again: the last data is shared against v = 1's node, which this observer
    // never saw; it is a new node, deep-equal to what the observer was told.
    Batcher::Scope batch(rt.batcher());
    qc.set_query_data(key({"u"}), user(1));
    qc.set_query_data(key({"u"}), user(0));
  }
  rt.run_until_idle();
  EXPECT_EQ(seen.data.size(), 1u);
  EXPECT_FALSE(qc.get_query_data(key({"u"}))->same_node(seen.data[0]));
  // Changed in the next batch: told.
  qc.set_query_data(key({"u"}), user(2));
  rt.run_until_idle();
  ASSERT_EQ(seen.data.size(), 2u);
  EXPECT_EQ(seen.data[1].get("v").as_int(), 2);
}

TEST_F(QueryObserverDataChangeTest, WithoutStructuralSharingEqualDataIsComparedDeeply) {
  QueryClient qc(rt);
  int version = 0;
  int calls = 0;
  Seen seen;
  auto sub = qc.observe({.key = key({"u"}),
                         .fetcher = sync_fetcher([&](const Value&) {
                           ++calls;
                           return user(version);
                         }),
                         .stale_time = never_expires,
                         .structural_sharing = false},
                        seen.listener());
  rt.run_until_idle();
  ASSERT_EQ(seen.data.size(), 1u);
  (void)qc.invalidate_queries({.key = key({"u"})});  // a new, equal object
  rt.run_until_idle();
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(seen.data.size(), 1u);
  version = 1;
  (void)qc.invalidate_queries({.key = key({"u"})});
  rt.run_until_idle();
  ASSERT_EQ(seen.data.size(), 2u);
  EXPECT_EQ(seen.data[1].get("v").as_int(), 1);
}

TEST_F(QueryObserverDataChangeTest, AResetToEqualInitialDataNotifiesNobody) {
  QueryClient qc(rt);
  // A new node of equal initial data at each reset; disabled, so the reset does not refetch.
  QueryOptions o{.key = key({"u"}),
                 .stale_time = never_expires,
                 .initial_data = [] { return std::optional<Value>(user(0)); },
                 .enabled = false};
  Seen seen;
  auto sub = qc.observe(o, seen.listener());
  rt.run_until_idle();
  const std::size_t told = seen.data.size();
  ASSERT_EQ(told, 1u) << "the initial data, told once";
  {
    Batcher::Scope batch(rt.batcher());
    qc.set_query_data(key({"u"}), user(1));       // shared against the node the observer saw
    (void)qc.reset_queries({.key = key({"u"})});  // a new node of equal initial data
  }
  rt.run_until_idle();
  EXPECT_EQ(seen.data.size(), told);
  EXPECT_EQ(qc.get_query_data(key({"u"}))->get("v").as_int(), 0);
}

TEST_F(QueryObserverDataChangeTest, AResultReadBeforeTheFlushIsStillToldAtIt) {
  // A flush learns what changed from its own writes over the result only when nothing wrote a
  // newer result since the last flush; a read in between (get_current_result) computes one, and
  // the flush must then compare with what was told.
  QueryClient qc(rt);
  qc.set_query_data(key({"u"}), user(0));
  QueryObserver observer(qc, {.key = key({"u"}), .stale_time = never_expires});
  Seen seen;
  auto sub = observer.subscribe(seen.listener());
  rt.run_until_idle();
  ASSERT_TRUE(seen.data.empty());
  {
    // Read, then nothing else: the flush has nothing left to compute.
    Batcher::Scope batch(rt.batcher());
    qc.set_query_data(key({"u"}), user(1));
    EXPECT_EQ(observer.get_current_result().data->get("v").as_int(), 1);
  }
  rt.run_until_idle();
  ASSERT_EQ(seen.data.size(), 1u);
  EXPECT_EQ(seen.data[0].get("v").as_int(), 1);
  {
    // Read, then a change of a field nobody watches: the flush computes again, and its writes
    // alone (is_invalidated) do not show the data told is older.
    Batcher::Scope batch(rt.batcher());
    qc.set_query_data(key({"u"}), user(2));
    EXPECT_EQ(observer.get_current_result().data->get("v").as_int(), 2);
    (void)qc.invalidate_queries({.key = key({"u"})}, {.refetch_type = RefetchType::none});
  }
  rt.run_until_idle();
  ASSERT_EQ(seen.data.size(), 2u);
  EXPECT_EQ(seen.data[1].get("v").as_int(), 2);
  EXPECT_TRUE(observer.get_current_result().is_invalidated);
}

}  // namespace
