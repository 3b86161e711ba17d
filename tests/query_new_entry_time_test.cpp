// The times of a key's first write (set_query_data of a new key): the entry is put on its gc list
// and its data dated from one clock reading, unless a structural-sharing function runs in between
// (it may take time: the data is then dated after it, as every other write is). A time given by
// the caller dates the data, never the gc list.
#include "query_test_support.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryNewEntryTimeTest : public QueryTest {};

TEST_F(QueryNewEntryTimeTest, ANewKeyIsDatedAndCollectedFromTheSameReading) {
  QueryClient qc(rt, {.defaults = {.gc_time = Millis{100}}});
  const Millis t0 = clock.now();
  qc.set_query_data(key({"user", 1}), 1);
  EXPECT_EQ(qc.get_query_state(key({"user", 1}))->data_updated_at, t0);
  advance(99);
  EXPECT_TRUE(qc.get_query_data(key({"user", 1})));
  advance(1);
  EXPECT_FALSE(qc.get_query_data(key({"user", 1})));
}

TEST_F(QueryNewEntryTimeTest, AGivenTimeDatesTheDataButNotTheGcList) {
  QueryClient qc(rt, {.defaults = {.gc_time = Millis{100}}});
  const Millis t0 = clock.now();
  qc.set_query_data(key({"user", 1}), 1, {.updated_at = t0 - Millis{500}});
  EXPECT_EQ(qc.get_query_state(key({"user", 1}))->data_updated_at, t0 - Millis{500});
  advance(99);
  EXPECT_TRUE(qc.get_query_data(key({"user", 1})));
  advance(1);
  EXPECT_FALSE(qc.get_query_data(key({"user", 1})));
}

TEST_F(QueryNewEntryTimeTest, AStructuralSharingFunctionRunsOnTheFirstWriteAndDatesItAfterIt) {
  int calls = 0;
  QueryClient qc(rt, {.defaults = {.gc_time = Millis{100},
                                   .structural_sharing = [&](const std::optional<Value>& old, const Value& next) {
                                     ++calls;
                                     EXPECT_FALSE(old.has_value());
                                     clock.advance(Millis{7});  // the function takes time
                                     return next;
                                   }}});
  const Millis t0 = clock.now();
  qc.set_query_data(key({"user", 1}), 1);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(qc.get_query_state(key({"user", 1}))->data_updated_at, t0 + Millis{7});
  // Collectable from before the function ran: gc_time after t0, not after the data's date.
  rt.advance(Millis{100} - (clock.now() - t0));
  EXPECT_FALSE(qc.get_query_data(key({"user", 1})));
}

TEST_F(QueryNewEntryTimeTest, ANewKeysFirstDataIsKeptAsGiven) {
  QueryClient qc(rt);
  const Value data = Value::object({{"userId", 1}, {"name", "John Doe"}});
  const Value out = qc.set_query_data(key({"user", Value::object({{"id", 1}})}), data);
  EXPECT_TRUE(out.same_node(data));
  EXPECT_TRUE(qc.get_query_data(key({"user", Value::object({{"id", 1}})}))->same_node(data));
  EXPECT_EQ(qc.get_query_state(key({"user", Value::object({{"id", 1}})}))->data_update_count, 1);
}

TEST_F(QueryNewEntryTimeTest, AKeyWrittenAgainIsDatedAtTheNewWrite) {
  QueryClient qc(rt, {.defaults = {.gc_time = Millis{100}}});
  qc.set_query_data(key({"user", 1}), 1);
  advance(30);
  const Millis t1 = clock.now();
  qc.set_query_data(key({"user", 1}), 2);
  EXPECT_EQ(qc.get_query_state(key({"user", 1}))->data_updated_at, t1);
  advance(99);
  EXPECT_TRUE(qc.get_query_data(key({"user", 1})));  // the write touched its gc time too
  advance(1);
  EXPECT_FALSE(qc.get_query_data(key({"user", 1})));
}

}  // namespace
