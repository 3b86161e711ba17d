// The query cache's calls for keys given as canonical bytes (FlatKey): get_query_data,
// get_query_state and set_query_data find an entry through the key index without the key's
// Value, each trie level probed by the hash its element's Value would have and the hit confirmed
// against the element. They must answer as the Value calls do in every respect: a seeded run of
// random operations on two clients, one driven with Value keys and one with FlatKeys (spelled
// differently: integers as doubles, object members reversed), must see the same data, states,
// cache events and observer notifications; and on the FlatKey client the two lookups must agree
// after every operation (set, remove, gc, clear, reset, hydrate). Keys cover every path of the
// lookup: scalars, short and long strings, objects, nested containers, two-level leaves and their
// splits, and elements the index cannot probe as bytes (too deep, an object of 17 members, beyond
// the 256 bytes Value::hash hashes as bytes), which fall back to the Value.
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "mfstate/key_builder.hpp"
#include "query_test_support.hpp"
#include "value_respell.hpp"

using namespace mfstate;
using namespace mfstate::testing;

namespace {

class QueryFlatKeyTest : public QueryTest {};

Value nested_arrays(int depth, Value inner) {
  for (int i = 0; i < depth; ++i) inner = Value::array({std::move(inner)});
  return inner;
}

Value wide_object(int members) {
  std::vector<Member> m;
  for (int i = 0; i < members; ++i) m.push_back({"m" + std::to_string(i), i});
  return Value::object(std::move(m));
}

// Keys that pass every way through the index's exact lookup.
std::vector<Value> key_space() {
  std::vector<Value> keys;
  keys.push_back(Value::array());
  keys.push_back(key({"user"}));
  for (std::int64_t i = 0; i < 4; ++i) {
    keys.push_back(key({"user", i}));
    keys.push_back(key({"user", i, "profile"}));  // a two-level leaf until ["user", i] comes
    keys.push_back(key({"user", i, "posts", i * 10}));
    keys.push_back(key({"user", Value::object({{"id", i}})}));
    keys.push_back(key({"user", Value::object({{"id", i}, {"page", 2}})}));
    keys.push_back(key({"strings", "a string longer than eight bytes #" + std::to_string(i)}));
  }
  keys.push_back(key({"d", 1.5}));
  keys.push_back(key({"d", 2.5, "x"}));
  keys.push_back(key({"d", -0.0}));
  // NaN, which respell gives other bits: one key element all the same.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  keys.push_back(key({"nan", nan}));
  keys.push_back(key({"nan", Value::object({{"x", nan}, {"y", 1}})}));
  keys.push_back(key({"nan", Value::array({1, Value::array({nan})})}));
  keys.push_back(key({"nan", 3, nan}));  // a two-level leaf whose last element is NaN
  keys.push_back(key({"scalars", nullptr, true, false}));
  keys.push_back(key({"scalars", nullptr, false}));
  keys.push_back(key({"nested", Value::array({1, Value::array({2, Value::object({{"x", "yy"}})})})}));
  keys.push_back(key({"nested", Value::array({1, Value::array({2, Value::object({{"x", "yz"}})})})}));
  keys.push_back(key({"deep", nested_arrays(40, 1)}));  // beyond canonical_read_depth
  keys.push_back(key({"deep", nested_arrays(40, 2)}));
  keys.push_back(key({"deep", nested_arrays(20, 1)}));  // within it
  keys.push_back(key({"wide", wide_object(17)}));       // hashed by its members' hashes
  keys.push_back(key({"wide", wide_object(16)}));       // hashed as bytes
  keys.push_back(key({"big", Value::object({{"s", std::string(300, 'b')}})}));  // beyond 256 bytes
  keys.push_back(key({"big", std::string(300, 'c')}));  // a long string: hashed as a string
  return keys;
}

// JSON, or for a value JSON cannot spell (a NaN in a key) its canonical bytes in hex.
std::string json(const Value& v) {
  try {
    return v.to_json();
  } catch (const Error&) {
    std::string hex;
    const FlatKey bytes(v);  // named: a temporary's bytes would be gone before the loop reads them
    for (unsigned char c : bytes.bytes())
      hex += "0123456789abcdef"[c >> 4], hex += "0123456789abcdef"[c & 15];
    return "bytes " + hex;
  }
}

std::string text(const std::optional<Value>& v) { return v ? json(*v) : "none"; }

// A key as hashKey spells it, or for a key holding NaN (which has no text) its canonical bytes.
std::string key_text(const Value& k) {
  try {
    return key_string(k);
  } catch (const Error&) {
    return json(k);
  }
}

std::string text(const std::optional<QueryState>& s) {
  if (!s) return "none";
  return std::to_string(static_cast<int>(s->status)) + " " +
         std::to_string(static_cast<int>(s->fetch_status)) + " " + text(s->data) + " " +
         std::to_string(s->data_updated_at.count()) + " " + (s->error ? s->error->what() : "-") + " " +
         std::to_string(s->is_invalidated) + " " + std::to_string(s->data_update_count) + " " +
         std::to_string(s->failure_count);
}

// Records what a client tells: its cache events and its observers' results.
struct Log {
  std::vector<std::string> lines;
  std::vector<Subscription> subscriptions;

  void attach(QueryClient& qc, const std::vector<Value>& observed) {
    subscriptions.push_back(qc.query_cache().subscribe([this](const QueryCacheEvent& e) {
      // The key as hashKey spells it: an entry made through bytes holds its key as the bytes
      // spell it (1.0 as 1, -0.0 as 0, members by name), an equal key.
      lines.push_back("event " + std::to_string(static_cast<int>(e.type)) + " " + key_text(e.key));
    }));
    for (const Value& k : observed) {
      QueryOptions o{.key = k};
      o.enabled = false;  // observes without fetching: what it is told comes from the calls
      subscriptions.push_back(qc.observe(o, [this, k](const QueryResult& r) {
        lines.push_back("observer " + json(k) + " " + text(r.data) + " " +
                        std::to_string(r.data_updated_at.count()));
      }));
    }
  }
};

// Both lookups on one client agree for every key of the space.
void expect_lookups_agree(const QueryClient& qc, const std::vector<Value>& keys, const std::string& after) {
  for (const Value& k : keys) {
    const FlatKey f(respell(k));
    ASSERT_EQ(text(qc.get_query_state(f)), text(qc.get_query_state(k))) << json(k) << " after " << after;
    ASSERT_EQ(text(qc.get_query_data(f)), text(qc.get_query_data(k))) << json(k) << " after " << after;
  }
}

void run_seeded(Runtime& rt, std::uint64_t seed) {
  const std::vector<Value> keys = key_space();
  QueryClient by_value(rt);
  QueryClient by_bytes(rt);
  std::vector<Value> observed = {keys[1], keys[3], keys[5], keys[8]};
  for (const Value& k : keys) {
    if (k.size() > 1 && k.as_array()[0] == Value("nan")) observed.push_back(k);  // told of sets by any NaN
  }
  Log value_log;
  Log bytes_log;
  value_log.attach(by_value, observed);
  bytes_log.attach(by_bytes, observed);
  std::mt19937_64 rng(seed);
  std::optional<DehydratedState> saved;
  auto pick = [&] { return keys[rng() % keys.size()]; };
  auto prefix_of = [&](const Value& k) {
    const auto items = k.as_array();
    const std::size_t n = items.empty() ? 0 : 1 + rng() % items.size();
    return Value::array(std::vector<Value>(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(n)));
  };
  for (int step = 0; step < 600; ++step) {
    const Value k = pick();
    const FlatKey f(respell(k));
    std::string op;
    switch (rng() % 12) {
      case 0:
      case 1:
      case 2: {
        // New data, or the same again (structural sharing: nothing changes, nobody is told).
        const Value data = Value::object({{"v", static_cast<std::int64_t>(rng() % 3)}});
        op = "set " + json(k);
        ASSERT_EQ(by_bytes.set_query_data(f, data).to_json(), by_value.set_query_data(k, data).to_json())
            << op;
        break;
      }
      case 3: {
        const SetDataOptions at{.updated_at = Millis{static_cast<std::int64_t>(rng() % 5'000'000)}};
        op = "set at " + json(k);
        ASSERT_EQ(by_bytes.set_query_data(f, Value(step), at).to_json(),
                  by_value.set_query_data(k, Value(step), at).to_json())
            << op;
        break;
      }
      case 4: {
        op = "get " + json(k);
        ASSERT_EQ(text(by_bytes.get_query_data(f)), text(by_value.get_query_data(k))) << op;
        ASSERT_EQ(text(by_bytes.get_query_state(f)), text(by_value.get_query_state(k))) << op;
        break;
      }
      case 5: {
        const Value p = prefix_of(k);
        op = "remove " + json(p);
        by_value.remove_queries({.key = p});
        by_bytes.remove_queries({.key = p});
        break;
      }
      case 6: {
        const Value p = prefix_of(k);
        op = "invalidate " + json(p);
        (void)by_value.invalidate_queries({.key = p});
        (void)by_bytes.invalidate_queries({.key = p});
        rt.run_until_idle();
        break;
      }
      case 7: {
        const Value p = prefix_of(k);
        op = "reset " + json(p);
        (void)by_value.reset_queries({.key = p});
        (void)by_bytes.reset_queries({.key = p});
        rt.run_until_idle();
        break;
      }
      case 8: {
        op = "advance";  // past gc_time (5 minutes) now and then: unobserved entries are collected
        rt.advance(Millis{rng() % 2 ? 400'000 : 1'000});
        break;
      }
      case 9: {
        op = "dehydrate or hydrate";
        if (!saved || rng() % 2) {
          saved = by_value.dehydrate();
        } else {
          by_value.hydrate(*saved);
          by_bytes.hydrate(*saved);
          rt.run_until_idle();
        }
        break;
      }
      case 10: {
        op = "update through the Value call on the FlatKey client";
        const Value data = Value::object({{"u", step}});
        ASSERT_EQ(by_bytes.set_query_data(k, data).to_json(), by_value.set_query_data(k, data).to_json());
        break;
      }
      default: {
        if (rng() % 8 != 0) {
          op = "get state " + json(k);
          ASSERT_EQ(text(by_bytes.get_query_state(f)), text(by_value.get_query_state(k))) << op;
          break;
        }
        op = "clear";
        by_value.clear();
        by_bytes.clear();
      }
    }
    rt.run_until_idle();
    expect_lookups_agree(by_bytes, keys, op);
    if (::testing::Test::HasFatalFailure()) return;
    for (const Value& each : keys) {
      ASSERT_EQ(text(by_bytes.get_query_state(each)), text(by_value.get_query_state(each)))
          << json(each) << " after " << op;
    }
    ASSERT_EQ(by_bytes.stats().entries, by_value.stats().entries) << op;
    ASSERT_EQ(by_bytes.stats().trie_nodes, by_value.stats().trie_nodes) << op;
  }
  const std::size_t both = std::min(bytes_log.lines.size(), value_log.lines.size());
  for (std::size_t i = 0; i < both; ++i) {
    ASSERT_EQ(bytes_log.lines[i], value_log.lines[i]) << "line " << i << " of what the clients told";
  }
  EXPECT_EQ(bytes_log.lines.size(), value_log.lines.size());
  EXPECT_GT(value_log.lines.size(), 100u);
}

}  // namespace

TEST_F(QueryFlatKeyTest, SeededOperationsSeeTheSameCacheThroughBytesAsThroughValues) {
  for (std::uint64_t seed : {1ull, 2ull, 3ull, 20261206ull}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_seeded(rt, seed);
    if (HasFatalFailure()) return;
  }
}

TEST_F(QueryFlatKeyTest, KeysEqualUpToTheLastByteAreDifferentEntries) {
  QueryClient qc(rt);
  // Long strings (probed as bytes, not as an inline Value) and objects, differing in the last
  // byte of the key's last element only; and integers one apart.
  const std::string stem(40, 'x');
  const Value a = key({"s", stem + "A"});
  const Value b = key({"s", stem + "B"});
  const Value oa = key({"o", Value::object({{"id", stem + "A"}})});
  const Value ob = key({"o", Value::object({{"id", stem + "B"}})});
  qc.set_query_data(a, 1);
  qc.set_query_data(oa, 3);
  qc.set_query_data(key({"i", 256}), 5);
  EXPECT_EQ(FlatKey(a).bytes().substr(0, FlatKey(a).bytes().size() - 2),
            FlatKey(b).bytes().substr(0, FlatKey(b).bytes().size() - 2));
  EXPECT_FALSE(qc.get_query_data(FlatKey(b)));
  EXPECT_FALSE(qc.get_query_data(FlatKey(ob)));
  EXPECT_FALSE(qc.get_query_state(FlatKey(key({"i", 257}))));
  EXPECT_FALSE(qc.get_query_data(FlatKey(key({"i", 256.5}))));
  EXPECT_EQ(qc.get_query_data(FlatKey(key({"i", 256.0})))->as_int(), 5);
  // Set through bytes: new entries beside the near-equal ones, not over them.
  qc.set_query_data(FlatKey(b), 2);
  qc.set_query_data(FlatKey(ob), 4);
  EXPECT_EQ(qc.get_query_data(a)->as_int(), 1);
  EXPECT_EQ(qc.get_query_data(b)->as_int(), 2);
  EXPECT_EQ(qc.get_query_data(FlatKey(oa))->as_int(), 3);
  EXPECT_EQ(qc.get_query_data(FlatKey(ob))->as_int(), 4);
  EXPECT_EQ(qc.stats().entries, 5u);
  // A prefix of a key, or a key one element longer, is not the key.
  EXPECT_FALSE(qc.get_query_data(FlatKey(key({"s"}))));
  EXPECT_FALSE(qc.get_query_data(FlatKey(key({"s", stem + "A", 1}))));
  EXPECT_FALSE(qc.get_query_data(FlatKey(key({"o", Value::object({{"id", stem + "A"}, {"x", 1}})}))));
  EXPECT_FALSE(qc.get_query_data(FlatKey(key({"o", Value::object()}))));
  EXPECT_FALSE(qc.get_query_data(FlatKey(key({"o", Value::array({stem + "A"})}))));
  // A NaN is one key element whatever its bits (the bytes hold one NaN): its key is found
  // through bytes as through the Value, and a set through either finds the entry.
  const Value nan = key({"nan", std::numeric_limits<double>::quiet_NaN()});
  qc.set_query_data(nan, 6);
  EXPECT_EQ(qc.get_query_data(nan)->as_int(), 6);
  EXPECT_EQ(qc.get_query_data(FlatKey(respell(nan)))->as_int(), 6);
  qc.set_query_data(FlatKey(nan), 7);
  EXPECT_EQ(qc.get_query_data(respell(nan))->as_int(), 7);
  EXPECT_EQ(qc.stats().entries, 6u);
}

TEST_F(QueryFlatKeyTest, ManyKeysUnderOnePrefixAreEachFoundAndRemovedThroughBytes) {
  QueryClient qc(rt);
  constexpr std::int64_t n = 5'000;  // past the small child list: the level's hash set
  for (std::int64_t i = 0; i < n; ++i) {
    KeyBuilder b;
    b.string("user").begin_object().member("id").integer(i).end_object();
    qc.set_query_data(b.finish(), i);
  }
  EXPECT_EQ(qc.stats().entries, static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    KeyBuilder b;
    b.string("user").begin_object().member("id").integer(i).end_object();
    const FlatKey f = b.finish();
    ASSERT_EQ(qc.get_query_data(f)->as_int(), i);
    ASSERT_EQ(qc.get_query_data(key({"user", Value::object({{"id", i}})}))->as_int(), i);
  }
  // Every other one removed, by exact filters: the others still found, the removed not.
  for (std::int64_t i = 0; i < n; i += 2) {
    qc.remove_queries({.key = key({"user", Value::object({{"id", i}})}), .exact = true});
  }
  for (std::int64_t i = 0; i < n; ++i) {
    KeyBuilder b;
    b.string("user").begin_object().member("id").integer(i).end_object();
    ASSERT_EQ(text(qc.get_query_data(b.finish())), i % 2 ? std::to_string(i) : "none") << i;
  }
}

TEST_F(QueryFlatKeyTest, ElementsTheIndexCannotProbeAsBytesAreFoundThroughTheirValue) {
  QueryClient qc(rt);
  const std::vector<Value> keys = {key({"deep", nested_arrays(40, 1)}), key({"wide", wide_object(17)}),
                                   key({"big", Value::object({{"s", std::string(300, 'b')}})})};
  for (std::size_t i = 0; i < keys.size(); ++i)
    qc.set_query_data(FlatKey(keys[i]), static_cast<std::int64_t>(i));
  EXPECT_EQ(qc.stats().entries, keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(qc.get_query_data(keys[i])->as_int(), static_cast<std::int64_t>(i));
    EXPECT_EQ(qc.get_query_data(FlatKey(respell(keys[i])))->as_int(), static_cast<std::int64_t>(i));
    qc.set_query_data(FlatKey(keys[i]), static_cast<std::int64_t>(i + 10));  // found, not made again
  }
  EXPECT_EQ(qc.stats().entries, keys.size());
  EXPECT_FALSE(qc.get_query_data(FlatKey(key({"deep", nested_arrays(40, 2)}))));
  EXPECT_FALSE(qc.get_query_data(FlatKey(key({"wide", wide_object(18)}))));
}

TEST_F(QueryFlatKeyTest, SetOnAnExistingEntryNotifiesAndDatesAsTheValueCall) {
  QueryClient qc(rt);
  const Value k = key({"user", Value::object({{"id", 7}})});
  qc.set_query_data(k, Value::object({{"name", "a"}}));
  std::vector<std::string> seen;
  QueryOptions o{.key = k};
  o.enabled = false;
  Subscription s = qc.observe(o, [&](const QueryResult& r) { seen.push_back(text(r.data)); });
  rt.run_until_idle();
  const std::size_t first = seen.size();
  advance(50);
  const Value kept = *qc.get_query_data(k);
  // Equal data: structural sharing keeps the old node, and no observer is told.
  const Value out = qc.set_query_data(FlatKey(k), Value::object({{"name", "a"}}));
  rt.run_until_idle();
  EXPECT_TRUE(out.same_node(kept));
  EXPECT_EQ(seen.size(), first);
  EXPECT_EQ(qc.get_query_state(FlatKey(k))->data_updated_at, rt.now());
  qc.set_query_data(FlatKey(k), Value::object({{"name", "b"}}));
  rt.run_until_idle();
  ASSERT_EQ(seen.size(), first + 1);
  EXPECT_EQ(seen.back(), R"({"name":"b"})");
  EXPECT_EQ(qc.get_query_state(FlatKey(k))->data_update_count, 3u);
}

TEST_F(QueryFlatKeyTest, AnEndedAppHandleRefusesFlatKeysAsValueKeys) {
  QueryClient qc(rt);
  AppQueryClient app = qc.make_app_client();
  const Value k = key({"user", 1});
  app.set_query_data(FlatKey(k), 1);
  EXPECT_EQ(qc.get_query_data(k)->as_int(), 1);
  app.end();
  auto code = [](auto&& call) {
    try {
      call();
    } catch (const Error& e) {
      return e.code();
    }
    return ErrorCode::invalid_argument;  // not thrown: no call here refuses its key
  };
  EXPECT_EQ(code([&] { (void)app.get_query_data(FlatKey(k)); }), ErrorCode::app_unmounted);
  EXPECT_EQ(code([&] { (void)app.get_query_state(FlatKey(k)); }), ErrorCode::app_unmounted);
  EXPECT_EQ(code([&] { app.set_query_data(FlatKey(k), 2); }), ErrorCode::app_unmounted);
  EXPECT_EQ(code([&] { app.set_query_data(k, 2); }), ErrorCode::app_unmounted);
  EXPECT_EQ(qc.get_query_data(k)->as_int(), 1);
}
