// The gc lists' time marks (src/query_gc_list.hpp): when an entry became collectable is told by the
// mark before it in its list, not by a field of its own. These tests pin down that each entry is
// still collected at its own time (entries that joined in one millisecond, or at different ones,
// in one list or several; an entry leaving and joining again later), that the size bound still
// evicts the oldest, and that marks do not pile up: an emptied mark is freed, the last one reused.
#include <algorithm>

#include "query_test_support.hpp"

#include "query_client_core.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryGcMarksTest : public QueryTest {};

TEST_F(QueryGcMarksTest, EachEntryIsCollectedAtItsOwnTime) {
  QueryClient qc(rt, {.defaults = {.gc_time = Millis{100}}});
  qc.set_query_data(key({"a", 1}), 1);
  qc.set_query_data(key({"a", 2}), 2);  // same millisecond: one mark
  advance(5);
  qc.set_query_data(key({"b"}), 3);
  advance(5);
  qc.set_query_data(key({"c"}), 4);
  advance(89);  // t0 + 99
  EXPECT_EQ(qc.stats().entries, 4u);
  advance(1);  // t0 + 100
  EXPECT_EQ(qc.stats().entries, 2u);
  EXPECT_FALSE(qc.get_query_data(key({"a", 2})));
  advance(4);
  EXPECT_TRUE(qc.get_query_data(key({"b"})));
  advance(1);  // t0 + 105
  EXPECT_FALSE(qc.get_query_data(key({"b"})));
  EXPECT_TRUE(qc.get_query_data(key({"c"})));
  advance(5);
  EXPECT_EQ(qc.stats().entries, 0u);
}

TEST_F(QueryGcMarksTest, AnEntryThatLeftAndCameBackCountsFromItsReturn) {
  QueryClient qc(rt, {.defaults = {.gc_time = Millis{100}}});
  auto data = sync_fetcher([](const Value&) { return Value("v"); });
  qc.set_query_data(key({"x"}), 0);
  qc.set_query_data(key({"y"}), 0);
  qc.set_query_data(key({"z"}), 0);  // x, y, z under one mark
  advance(50);
  {
    // y leaves the list (observed) from the middle of its mark, and comes back at t0 + 80.
    auto sub = qc.observe({.key = key({"y"}), .fetcher = data, .stale_time = never_expires}, nullptr);
    advance(30);
  }
  advance(20);  // t0 + 100
  EXPECT_FALSE(qc.get_query_data(key({"x"})));
  EXPECT_FALSE(qc.get_query_data(key({"z"})));
  EXPECT_TRUE(qc.get_query_data(key({"y"})));
  advance(79);
  EXPECT_TRUE(qc.get_query_data(key({"y"})));
  advance(1);  // t0 + 180
  EXPECT_FALSE(qc.get_query_data(key({"y"})));
}

TEST_F(QueryGcMarksTest, TheSizeBoundEvictsTheOldestAcrossLists) {
  QueryClient qc(rt, {.max_entries = 3});
  qc.set_query_data(key({"long"}), 1);  // gc 5 minutes
  advance(1);
  (void)qc.prefetch_query({.key = key({"short"}),
                           .fetcher = sync_fetcher([](const Value&) { return Value(2); }),
                           .gc_time = Millis{1000}});
  rt.run_until_idle();
  advance(1);
  qc.set_query_data(key({"long2"}), 3);
  advance(1);
  qc.set_query_data(key({"d"}), 4);  // over the bound: "long" is the oldest
  EXPECT_EQ(qc.stats().entries, 3u);
  EXPECT_FALSE(qc.get_query_data(key({"long"})));
  advance(1);
  qc.set_query_data(key({"e"}), 5);  // then "short", in the other list
  EXPECT_FALSE(qc.get_query_data(key({"short"})));
  EXPECT_TRUE(qc.get_query_data(key({"long2"})));
  EXPECT_TRUE(qc.get_query_data(key({"d"})));
  EXPECT_TRUE(qc.get_query_data(key({"e"})));
}

// The marks of a client's lists, walked from their sentinels (and checked to be in order).
std::size_t marks_of(const detail::ClientCore& core) {
  std::size_t n = 0;
  for (const auto& [gc, l] : core.queries.gc_lists) {
    std::int64_t last = INT64_MIN;
    bool first = true;
    for (const detail::GcLink* h = l.head.gc_next; h != &l.head; h = h->gc_next) {
      if (first) EXPECT_TRUE(detail::is_mark(h)) << "a list starts with a mark";
      first = false;
      if (!detail::is_mark(h)) continue;
      const auto* m = static_cast<const detail::GcMark*>(h);
      EXPECT_GE(m->since, last) << "marks in time order";
      last = m->since;
      ++n;
    }
  }
  return n;
}

TEST_F(QueryGcMarksTest, EmptiedMarksAreFreedAndTheLastOneReused) {
  detail::ClientCore core(rt, {});
  detail::ClientCore::Op op(core);
  std::vector<detail::Query*> qs;
  for (int i = 0; i < 6; ++i) {
    qs.push_back(core.build(key({"k", i}), nullptr));
    if (i % 2 == 1) advance(1);  // two entries per millisecond: three marks
  }
  EXPECT_EQ(marks_of(core), 3u);
  // Each entry joins again later, one millisecond apart: the marks it leaves behind empty and go.
  for (detail::Query* q : qs) {
    advance(1);
    core.gc_touch(*q);
    EXPECT_LE(marks_of(core), 7u);
  }
  // Now one mark per entry (each joined alone), and nothing left behind.
  EXPECT_EQ(marks_of(core), 6u);
  // All leave at once: one (the list's last) mark stays, and the next entry reuses it.
  for (detail::Query* q : qs) core.remove(*q);
  EXPECT_EQ(marks_of(core), 1u);
  advance(3);
  detail::Query* again = core.build(key({"again"}), nullptr);
  EXPECT_EQ(marks_of(core), 1u);
  const auto& list = core.queries.gc_lists.begin()->second;
  ASSERT_NE(list.last_mark, nullptr);
  EXPECT_EQ(list.last_mark->since, core.now().count());
  EXPECT_EQ(list.last_mark->gc_next, again);
}

TEST_F(QueryGcMarksTest, ListsEmptiedButForTheirLastMarkAreDroppedWithIt) {
  // Sixteen distinct gc_times (one never expiring, so never swept), each list emptied but for its
  // last mark: the seventeenth gc_time drops them and their marks (the lists follow the entries,
  // not the history of gc_times).
  detail::ClientCore core(rt, {});
  detail::ClientCore::Op op(core);
  for (int i = 0; i < 16; ++i) {
    QueryOptions o{.gc_time = i == 0 ? never_expires : Millis{1000 + i}};
    detail::Query* q = core.build(key({"n", i}), core.resolve(&o, key({"n", i})));
    core.remove(*q);
  }
  EXPECT_EQ(core.queries.gc_lists.size(), 16u);
  EXPECT_EQ(marks_of(core), 16u);
  QueryOptions o{.gc_time = Millis{7}};
  (void)core.build(key({"m"}), core.resolve(&o, key({"m"})));
  EXPECT_EQ(core.queries.gc_lists.size(), 1u);
  EXPECT_EQ(marks_of(core), 1u);
  advance(7);
  EXPECT_EQ(core.queries.entries, 0u);
  EXPECT_TRUE(core.queries.gc_lists.empty());  // swept: the entry, its mark and its list
}

// gc_append remembers the list the last entry joined; a list erased (swept, or dropped when a new
// gc_time finds many lists) must not be that memory any more. (Without the reset on a sweep's
// erase, valgrind and ASan report the next entry reading and writing the freed list.)
TEST_F(QueryGcMarksTest, AnEntryAfterItsListWasSweptJoinsANewList) {
  QueryClient qc(rt, {.defaults = {.gc_time = Millis{100}}});
  qc.set_query_data(key({"a"}), 1);
  advance(100);  // swept: the entry and its list
  EXPECT_EQ(qc.stats().entries, 0u);
  qc.set_query_data(key({"b"}), 2);
  advance(99);
  EXPECT_TRUE(qc.get_query_data(key({"b"})));
  advance(1);
  EXPECT_FALSE(qc.get_query_data(key({"b"})));
  EXPECT_EQ(qc.stats().entries, 0u);
}

TEST_F(QueryGcMarksTest, AnEntryAfterItsListWasDroppedForANewGcTimeJoinsANewList) {
  QueryClient qc(rt);
  // 16 lists, each emptied by a removal (not swept: it stays until a new gc_time drops it).
  for (int i = 1; i <= 16; ++i) {
    qc.set_query_defaults(key({"g", i}), {.gc_time = Millis{1000 * i}});
    qc.set_query_data(key({"g", i}), i);
  }
  qc.remove_queries({.key = key({"g"})});
  qc.set_query_defaults(key({"h"}), {.gc_time = Millis{50}});
  qc.set_query_data(key({"h"}), 0);  // a 17th gc_time: the 16 emptied lists are dropped
  qc.set_query_data(key({"g", 16}), 16);  // the gc_time of the last list dropped
  advance(15999);
  EXPECT_TRUE(qc.get_query_data(key({"g", 16})));
  advance(1);
  EXPECT_FALSE(qc.get_query_data(key({"g", 16})));
  EXPECT_EQ(qc.stats().entries, 0u);
}

}  // namespace
