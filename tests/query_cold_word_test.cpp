// An entry's options and its cold part share one word (ColdWord, src/query_entry.hpp): the options
// are held in the word until the entry first fetches, fails or is observed, then move into the
// cold part. These tests pin down the word itself (references held and given back, the move into
// the cold part) and an entry's life through both forms: options read before and after the move,
// a longer gc_time taken in either form, and every way out (gc, remove, invalidate then remove,
// clear, the client's end) — the sanitizer builds check that nothing leaks or is freed twice.
#include "query_test_support.hpp"

#include "query_entry.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

detail::OptionsPtr options_with_gc(std::int64_t ms) {
  auto o = boost::intrusive_ptr<detail::ResolvedOptions>(new detail::ResolvedOptions());
  o->o.gc_time = Millis{ms};
  return o;
}

TEST(ColdWord, HoldsTheOptionsUntilTheColdPartThenMovesThemIntoIt) {
  const detail::OptionsPtr a = options_with_gc(10);
  const detail::OptionsPtr b = options_with_gc(20);
  {
    detail::ColdWord w;
    EXPECT_FALSE(w);
    EXPECT_EQ(w.get(), nullptr);
    EXPECT_EQ(w.options(), nullptr);
    w.set_options(a);
    EXPECT_EQ(w.options(), a.get());
    EXPECT_EQ(a->use_count(), 2u);  // the word holds a reference
    w.set_options(b);
    EXPECT_EQ(a->use_count(), 1u);  // given back when replaced
    EXPECT_EQ(b->use_count(), 2u);
    EXPECT_FALSE(w);

    detail::QueryCold& cold = w.make();
    EXPECT_TRUE(w);
    EXPECT_EQ(w.get(), &cold);
    EXPECT_EQ(&w.make(), &cold);  // made once
    EXPECT_EQ(w.options(), b.get());
    EXPECT_EQ(cold.options.get(), b.get());
    EXPECT_EQ(b->use_count(), 2u);  // the same reference, moved

    w.set_options(a);
    EXPECT_EQ(w.options(), a.get());
    EXPECT_EQ(cold.options.get(), a.get());
    EXPECT_EQ(b->use_count(), 1u);
    w->make_errors().failure_count = 3;
    EXPECT_EQ(w.get()->errors->failure_count, 3);
  }
  // Destroyed with its cold part: the cold part's reference is given back.
  EXPECT_EQ(a->use_count(), 1u);
  {
    detail::ColdWord w;
    w.set_options(a);
  }
  EXPECT_EQ(a->use_count(), 1u);  // and without one: the word's reference
}

TEST(ColdWord, AnEntryIsTheSizeTheMemoryBudgetCountsOn) {
  EXPECT_EQ(sizeof(detail::ColdWord), sizeof(void*));
  if constexpr (sizeof(void*) == 8) EXPECT_EQ(sizeof(detail::Query), 80u);
}

class QueryColdWordTest : public QueryTest {};

TEST_F(QueryColdWordTest, OptionsReadTheSameBeforeAndAfterTheEntryHasAColdPart) {
  QueryClient qc(rt);
  qc.set_query_defaults(key({"d"}), {.gc_time = Millis{300}, .meta = Value("from defaults")});
  qc.set_query_data(key({"d", 1}), 1);  // options in the word
  auto info = qc.query_cache().find({.key = key({"d", 1})});
  ASSERT_TRUE(info);
  EXPECT_EQ(info->gc_time, Millis{300});
  EXPECT_EQ(info->meta, Value("from defaults"));

  // An observer makes the cold part; the options move with it.
  {
    auto sub = qc.observe({.key = key({"d", 1}), .fetcher = sync_fetcher([](const Value&) { return Value(2); })},
                          nullptr);
    info = qc.query_cache().find({.key = key({"d", 1})});
    EXPECT_EQ(info->gc_time, Millis{300});
    EXPECT_EQ(info->meta, Value("from defaults"));
    EXPECT_EQ(info->observers, 1u);
  }
  // Collected after the gc_time it kept, counted from when the observer left.
  advance(299);
  EXPECT_TRUE(qc.get_query_data(key({"d", 1})));
  advance(1);
  EXPECT_FALSE(qc.get_query_data(key({"d", 1})));
  EXPECT_EQ(qc.stats().entries, 0u);
}

TEST_F(QueryColdWordTest, ALongerGcTimeIsKeptInEitherForm) {
  QueryClient qc(rt, {.defaults = {.gc_time = Millis{10}}});
  auto data = sync_fetcher([](const Value&) { return Value("data"); });
  // Without a cold part: set_query_data, then a prefetch's options with a longer gc_time.
  qc.set_query_data(key({"plain"}), 0);
  // With one: a failed fetch made it.
  auto failing = [](const FetchContext&, Completion done) { done.reject(Error(ErrorCode::query_error, "no")); };
  (void)qc.prefetch_query({.key = key({"cold"}), .fetcher = failing, .gc_time = Millis{50}, .retry = 0});
  rt.run_until_idle();
  ASSERT_TRUE(qc.get_query_state(key({"cold"}))->error);

  (void)qc.prefetch_query({.key = key({"plain"}), .fetcher = data, .stale_time = never_expires, .gc_time = Millis{400}});
  (void)qc.prefetch_query({.key = key({"cold"}), .fetcher = data, .gc_time = Millis{400}});
  (void)qc.prefetch_query({.key = key({"cold"}), .fetcher = data, .gc_time = Millis{20}});
  rt.run_until_idle();
  EXPECT_EQ(qc.query_cache().find({.key = key({"plain"})})->gc_time, Millis{400});
  EXPECT_EQ(qc.query_cache().find({.key = key({"cold"})})->gc_time, Millis{400});
  advance(399);
  EXPECT_EQ(qc.stats().entries, 2u);
  advance(1);
  EXPECT_EQ(qc.stats().entries, 0u);
}

TEST_F(QueryColdWordTest, EveryWayOutFreesEntriesOfBothForms) {
  auto fill = [](QueryClient& qc) {
    for (int i = 0; i < 20; ++i) {
      qc.set_query_data(key({"e", i}), i);
      if (i % 2 == 0) {
        // Half get a cold part (an error recorded by a failed fetch).
        (void)qc.fetch_query({.key = key({"e", i}),
                              .fetcher = [](const FetchContext&, Completion done) {
                                done.reject(Error(ErrorCode::query_error, "no"));
                              }});
      }
    }
  };
  {
    QueryClient qc(rt);
    fill(qc);
    rt.run_until_idle();
    EXPECT_EQ(qc.stats().entries, 20u);
    (void)qc.invalidate_queries({.key = key({"e"})});
    rt.run_until_idle();
    EXPECT_TRUE(qc.get_query_state(key({"e", 3}))->is_invalidated);
    qc.remove_queries({.key = key({"e", 4}), .exact = true});
    qc.remove_queries({.key = key({"e", 5}), .exact = true});
    EXPECT_EQ(qc.stats().entries, 18u);
    qc.clear();
    EXPECT_EQ(qc.stats().entries, 0u);
    fill(qc);  // again after clear, then gone with the client
    rt.run_until_idle();
    EXPECT_EQ(qc.stats().entries, 20u);
  }
  {
    QueryClient qc(rt, {.defaults = {.gc_time = Millis{10}}});
    fill(qc);
    rt.run_until_idle();
    advance(10);
    EXPECT_EQ(qc.stats().entries, 0u);
  }
}

}  // namespace
