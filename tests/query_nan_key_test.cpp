// A query key holding NaN (["k", NaN], ["k", {x: NaN}], ["k", [1, NaN]]) is one key in the query
// cache, whatever NaN bits it holds: the keys' canonical bytes (FlatKey, KeyBuilder, Value::hash)
// spell every NaN as one NaN, and the cache's key comparisons agree with them (detail::key_equal),
// though Value's == (IEEE) says a NaN equals nothing. So a key built anew finds the entry on every
// path — a Value lookup, a FlatKey, a KeyBuilder key, exact and prefix filters, hydrate, an
// observer, a mutation filter — and a repeated set_query_data keeps one entry, where before each
// made another (a cache that grew with history until gc, observers never told of the writes).
// ±Infinity and -0.0 were one key already (Inf == Inf, -0.0 == 0.0) and stay so.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "mfstate/key_builder.hpp"
#include "mfstate/mutation.hpp"
#include "query_test_support.hpp"
#include "value_node.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryNanKeyTest : public QueryTest {};

// Three NaNs with different bits: the default quiet NaN, its negative (what 0.0 / 0.0 gives on
// x86), and one with a payload. Every one is the same key element.
const double quiet_nan = std::numeric_limits<double>::quiet_NaN();
const double negative_nan = -std::numeric_limits<double>::quiet_NaN();
// (memcpy, not std::bit_cast: emscripten 3.1.6's libc++ has none.)
double double_of_bits(std::uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}
const double payload_nan = double_of_bits(0x7ff8'0000'0000'1234);

// The key of the case `shape` with `d` in its place: at the top level, nested in an object, nested
// in an array, and as the last element after an integer (a two-level leaf of the trie).
Value nan_key(int shape, double d) {
  switch (shape) {
    case 0: return key({"k", d});
    case 1: return key({"k", Value::object({{"x", d}, {"y", 1}})});
    case 2: return key({"k", Value::array({1, Value::array({d})})});
    default: return key({"k", 7, d});
  }
}
constexpr int shapes = 4;
const char* const shape_names[shapes] = {"top level", "in an object", "in an array", "after an integer"};

// Siblings so that the key's level holds `n` other children: 0 (the only child), a few (the
// level's short list) or many (its hash set).
void add_siblings(QueryClient& qc, int shape, int n) {
  for (int i = 0; i < n; ++i) {
    Value k = nan_key(shape, 0.5 + i);
    qc.set_query_data(k, -1);
  }
}

TEST_F(QueryNanKeyTest, AFreshlyBuiltKeyFindsTheEntryThroughValueFlatKeyAndBuilder) {
  for (int shape = 0; shape < shapes; ++shape) {
    for (int siblings : {0, 3, 20}) {
      SCOPED_TRACE(std::string(shape_names[shape]) + ", siblings " + std::to_string(siblings));
      QueryClient qc(rt);
      add_siblings(qc, shape, siblings);
      qc.set_query_data(nan_key(shape, quiet_nan), 1);
      for (double d : {quiet_nan, negative_nan, payload_nan}) {
        const Value fresh = nan_key(shape, d);
        ASSERT_TRUE(qc.get_query_data(fresh)) << d;
        EXPECT_EQ(qc.get_query_data(fresh)->as_int(), 1);
        ASSERT_TRUE(qc.get_query_data(FlatKey(fresh)));
        EXPECT_EQ(qc.get_query_data(FlatKey(fresh))->as_int(), 1);
        EXPECT_TRUE(qc.get_query_state(FlatKey(fresh)));
      }
      if (shape == 0) {
        KeyBuilder b;
        b.string("k").number(negative_nan);
        ASSERT_TRUE(qc.get_query_data(b.finish()));
      }
      // A NaN is still not a number, nor null.
      EXPECT_FALSE(qc.get_query_data(nan_key(shape, 0.25)));
      EXPECT_FALSE(qc.get_query_data(FlatKey(nan_key(shape, std::numeric_limits<double>::infinity()))));
      EXPECT_FALSE(qc.get_query_data(key({"k", nullptr})));
      EXPECT_EQ(qc.stats().entries, static_cast<std::size_t>(siblings) + 1);
    }
  }
}

TEST_F(QueryNanKeyTest, RepeatedSetsWithFreshKeysKeepOneEntryAndTellItsObserver) {
  for (int shape = 0; shape < shapes; ++shape) {
    for (int siblings : {0, 3, 20}) {
      SCOPED_TRACE(std::string(shape_names[shape]) + ", siblings " + std::to_string(siblings));
      QueryClient qc(rt);
      add_siblings(qc, shape, siblings);
      std::vector<std::int64_t> seen;
      QueryOptions o{.key = nan_key(shape, quiet_nan)};
      o.enabled = false;
      Subscription s = qc.observe(o, [&](const QueryResult& r) {
        if (r.data) seen.push_back(r.data->as_int());
      });
      rt.run_until_idle();
      const double nans[] = {negative_nan, payload_nan, quiet_nan};
      for (std::int64_t i = 0; i < 6; ++i) {
        if (i % 2 == 0) {
          qc.set_query_data(nan_key(shape, nans[i % 3]), i);
        } else {
          qc.set_query_data(FlatKey(nan_key(shape, nans[i % 3])), i);
        }
        rt.run_until_idle();
      }
      EXPECT_EQ(qc.stats().entries, static_cast<std::size_t>(siblings) + 1);
      ASSERT_FALSE(seen.empty());
      EXPECT_EQ(seen.back(), 5);
      EXPECT_EQ(qc.get_query_state(nan_key(shape, payload_nan))->data_update_count, 6u);
    }
  }
}

TEST_F(QueryNanKeyTest, ExactAndPrefixFiltersHoldingNanMatchTheEntry) {
  for (int shape = 0; shape < shapes; ++shape) {
    SCOPED_TRACE(shape_names[shape]);
    QueryClient qc(rt);
    add_siblings(qc, shape, 3);
    const Value stored = nan_key(shape, quiet_nan);
    qc.set_query_data(stored, 1);
    qc.set_query_data(stored.push_back("more"), 2);  // a longer key under it
    const Value filter = nan_key(shape, payload_nan);
    ASSERT_EQ(qc.query_cache().find_all({.key = filter, .exact = true}).size(), 1u);
    EXPECT_EQ(qc.query_cache().find_all({.key = filter}).size(), 2u);
    EXPECT_TRUE(qc.query_cache().find({.key = filter}));
    // Objects match by subset, arrays by prefix: a filter element holding NaN too.
    if (shape == 1) {
      EXPECT_EQ(qc.query_cache().find_all({.key = key({"k", Value::object({{"x", negative_nan}})})}).size(),
                2u);
    }
    if (shape == 2) {
      EXPECT_EQ(qc.query_cache()
                    .find_all({.key = key({"k", Value::array({1, Value::array({negative_nan})})})})
                    .size(),
                2u);
    }
    (void)qc.invalidate_queries({.key = filter, .exact = true});
    rt.run_until_idle();
    EXPECT_TRUE(qc.get_query_state(stored)->is_invalidated);
    EXPECT_FALSE(qc.get_query_state(stored.push_back("more"))->is_invalidated);
    (void)qc.invalidate_queries({.key = nan_key(shape, negative_nan)});
    rt.run_until_idle();
    EXPECT_TRUE(qc.get_query_state(stored.push_back("more"))->is_invalidated);
    qc.remove_queries({.key = nan_key(shape, negative_nan), .exact = true});
    EXPECT_FALSE(qc.get_query_data(stored));
    EXPECT_TRUE(qc.get_query_data(stored.push_back("more")));
    qc.remove_queries({.key = filter});
    EXPECT_FALSE(qc.get_query_data(stored.push_back("more")));
    EXPECT_EQ(qc.stats().entries, 3u);  // the siblings
  }
}

TEST_F(QueryNanKeyTest, HydrateFindsTheEntryAndDehydrateKeepsTheKey) {
  for (int shape = 0; shape < shapes; ++shape) {
    SCOPED_TRACE(shape_names[shape]);
    QueryClient from(rt);
    from.set_query_data(nan_key(shape, negative_nan), 1);
    from.set_query_data(key({"plain"}), 2);
    // One key JSON cannot spell does not stop the others being dehydrated.
    const DehydratedState state = from.dehydrate();
    ASSERT_EQ(state.queries.size(), 2u);
    QueryClient to(rt);
    to.set_query_data(nan_key(shape, payload_nan), 0);
    advance(10);
    from.set_query_data(nan_key(shape, quiet_nan), 3);  // newer than what `to` holds
    to.hydrate(from.dehydrate());
    rt.run_until_idle();
    EXPECT_EQ(to.stats().entries, 2u);
    ASSERT_TRUE(to.get_query_data(FlatKey(nan_key(shape, quiet_nan))));
    EXPECT_EQ(to.get_query_data(nan_key(shape, quiet_nan))->as_int(), 3);
    // Into the client it came from: the entry itself, not a second one.
    from.hydrate(state);
    EXPECT_EQ(from.stats().entries, 2u);
    // JSON has no NaN: the JSON shape leaves the query out rather than write its key as another
    // (query-core's JSON.stringify would write null), and rather than refuse the whole state (one
    // app's key would stop the shell's dehydrate).
    const Value json = state.to_value();
    ASSERT_EQ(json.get("queries").size(), 1u);
    EXPECT_EQ(json.get("queries").at(0).get("queryKey"), key({"plain"}));
  }
}

TEST_F(QueryNanKeyTest, AnObserverGivenAnEqualKeyAgainKeepsItsQuery) {
  QueryClient qc(rt);
  qc.set_query_data(nan_key(1, quiet_nan), 1);
  int calls = 0;
  QueryOptions o{.key = nan_key(1, quiet_nan)};
  o.enabled = false;
  AppQueryClient app = qc.make_app_client();
  QueryObserver observer(app, o);
  Subscription s = observer.subscribe([&](const QueryResult&) { ++calls; });
  rt.run_until_idle();
  const int before = calls;
  o.key = nan_key(1, payload_nan);
  observer.set_options(o);
  rt.run_until_idle();
  EXPECT_EQ(calls, before);  // the same query: nothing changed
  EXPECT_EQ(observer.get_current_result().data->as_int(), 1);
  qc.set_query_data(nan_key(1, negative_nan), 2);
  rt.run_until_idle();
  EXPECT_EQ(observer.get_current_result().data->as_int(), 2);
  EXPECT_EQ(qc.stats().entries, 1u);
}

TEST_F(QueryNanKeyTest, MutationKeysHoldingNanMatchTheirFilters) {
  QueryClient qc(rt);
  // Mutation functions that never answer: the mutations stay pending, to be found.
  std::vector<Completion> held;
  qc.set_mutation_defaults(key({"m"}), {.fn = [&held](const Value&, const AbortSignal&, Completion done) {
                             held.push_back(std::move(done));
                           }});
  for (double d : {quiet_nan, negative_nan})
    (void)qc.mutate({.mutation_key = key({"m", Value::object({{"x", d}})})}, 1);
  rt.run_until_idle();
  const Value filter = key({"m", Value::object({{"x", payload_nan}})});
  EXPECT_EQ(qc.mutation_cache().find_all({.mutation_key = filter, .exact = true}).size(), 2u);
  EXPECT_EQ(qc.mutation_cache().find_all({.mutation_key = key({"m"})}).size(), 2u);
  EXPECT_EQ(qc.mutation_cache().find_all({.mutation_key = key({"m", Value::object({{"x", 1}})})}).size(), 0u);
  EXPECT_TRUE(matches(key({"k", quiet_nan}), key({"k", payload_nan, 1})));
  EXPECT_TRUE(matches(key({"k", quiet_nan}), key({"k", payload_nan}), true));
  EXPECT_FALSE(matches(key({"k", quiet_nan}), key({"k", nullptr}), true));
}

TEST_F(QueryNanKeyTest, InfinitiesAndNegativeZeroAreOneKeyEach) {
  QueryClient qc(rt);
  const double inf = std::numeric_limits<double>::infinity();
  for (double d : {inf, -inf, -0.0}) {
    SCOPED_TRACE(d);
    for (int shape = 0; shape < shapes; ++shape) {
      qc.set_query_data(nan_key(shape, d), 1);
      qc.set_query_data(nan_key(shape, d), 2);
      EXPECT_EQ(qc.get_query_data(FlatKey(nan_key(shape, d)))->as_int(), 2);
    }
  }
  EXPECT_EQ(qc.get_query_data(nan_key(0, 0.0))->as_int(), 2);  // -0.0 is 0
  EXPECT_EQ(qc.stats().entries, 3u * shapes);
}

TEST(KeyEqual, NanEqualsNanAtAnyDepthAndTheHashAgrees) {
  for (int shape = 0; shape < shapes; ++shape) {
    const Value a = nan_key(shape, quiet_nan);
    const Value b = nan_key(shape, payload_nan);
    EXPECT_FALSE(a == b);  // Value's == stays IEEE's
    EXPECT_TRUE(detail::key_equal(a, b));
    EXPECT_EQ(a.hash(), b.hash());
    EXPECT_EQ(a.as_array().back().hash(), b.as_array().back().hash());
    EXPECT_FALSE(detail::key_equal(a, nan_key(shape, 1.5)));
  }
  EXPECT_EQ(Value(quiet_nan).hash(), Value(negative_nan).hash());
  EXPECT_FALSE(detail::key_equal(Value(quiet_nan), Value(nullptr)));
  EXPECT_FALSE(detail::key_equal(Value(quiet_nan), Value(std::numeric_limits<double>::infinity())));
}

}  // namespace

namespace {

TEST_F(QueryNanKeyTest, AFetchWithoutAQueryFnEndsInItsErrorThoughTheKeyHasNoText) {
  // "Missing queryFn: '<the key's text>'": a key holding NaN has none (JSON cannot spell it), and
  // the fetch still ends in that error, not in another thrown while spelling it.
  QueryClient qc(rt);
  Future f = qc.fetch_query({.key = key({"k", Value::object({{"x", quiet_nan}})}), .retry = false});
  rt.run_until_idle();
  ASSERT_TRUE(f.ready());
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error()->code(), ErrorCode::invalid_argument);
  EXPECT_NE(std::string(f.error()->what()).find("Missing queryFn"), std::string::npos) << f.error()->what();
  EXPECT_EQ(qc.get_query_state(key({"k", Value::object({{"x", negative_nan}})}))->status, QueryStatus::error);
}

}  // namespace
