// The query cache: workloads W3a, W3b, W3c, W4 and S1 of WORKLOADS.md, as query-core runs them in
// bench/js/peers.mjs (same keys, same data, keys built in the timed loop as a component would).
//
//   W3a  set_query_data(["user", {id: i}], {userId: i, name: "John Doe"}) for 100,000 i: ns per set
//   W3b  get_query_data of each of those keys: ns per get
//   W3c  invalidate_queries(["user"]) over those 100,000 inactive entries: ns per entry
//   W4   10,000 observers of ["user", {id: i}] (stale time infinite, a fetcher answering at once);
//        version = 1, invalidate ["user"], until every observer was told v = 1: ns per observer
//   S1   N = 10^4, 10^5, 10^6 entries ["user", i, "profile"]: µs per invalidation of ["user", r]
//        (mean of 200 r), ns per get, bytes per entry (mallinfo2: the heap in use before and after
//        filling, over N; also split into the cache's own bytes and the data's)
//
// Every figure is a counter ("ns_per_op", "us_per_invalidation", "bytes_per_entry", ...) in the
// Google Benchmark output; scripts/bench_query.sh prints them beside query-core's.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <time.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "mfstate/query.hpp"

namespace {

using mfstate::Millis;
using mfstate::QueryClient;
using mfstate::Runtime;
using mfstate::Value;

// Wall time, as the JS harness measures (process.hrtime). The machine is shared, so CPU time of
// this thread is reported beside it ("cpu_" counters) to show how much of the wall time was
// spent waiting for a core.
struct Clock {
  struct time_point {
    std::chrono::steady_clock::time_point wall;
    std::int64_t cpu_ns;
  };
  static time_point now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return {std::chrono::steady_clock::now(), static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec};
  }
};

double last_cpu_ns = 0;

double ns_since(Clock::time_point t0) {
  const Clock::time_point t1 = Clock::now();
  last_cpu_ns = static_cast<double>(t1.cpu_ns - t0.cpu_ns);
  return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(t1.wall - t0.wall).count());
}

std::size_t heap_in_use() {
  malloc_trim(0);
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

const Value& john() {
  static const Value v("John Doe");  // a string literal: interned in JS as well
  return v;
}

Value w3_key(std::int64_t i) { return Value::array({"user", Value::object({{"id", i}})}); }
Value w3_data(std::int64_t i) { return Value::object({{"userId", i}, {"name", john()}}); }

constexpr std::int64_t w3_n = 100'000;

void fill_w3(QueryClient& qc, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) qc.set_query_data(w3_key(i), w3_data(i));
}

void W3a(benchmark::State& state) {
  for (auto _ : state) {
    mfstate::ManualClock clock;
    Runtime rt(clock);
    {
      QueryClient warm(rt);  // warm-up on a client of its own, as the JS harness does
      fill_w3(warm, w3_n / 10);
    }
    QueryClient qc(rt);
    const auto t0 = Clock::now();
    fill_w3(qc, w3_n);
    const double ns = ns_since(t0);
    if (qc.stats().entries != static_cast<std::size_t>(w3_n)) state.SkipWithError("W3a entry count");
    state.counters["ns_per_op"] = ns / w3_n;
    state.counters["cpu_ns_per_op"] = last_cpu_ns / w3_n;
  }
}
BENCHMARK(W3a)->Name("query/W3a")->Iterations(1)->Unit(benchmark::kMillisecond);

void W3b(benchmark::State& state) {
  mfstate::ManualClock clock;
  Runtime rt(clock);
  QueryClient qc(rt);
  fill_w3(qc, w3_n);
  for (auto _ : state) {
    std::int64_t acc = 0;
    for (std::int64_t i = 0; i < w3_n / 10; ++i) acc += qc.get_query_data(w3_key(i))->get("userId").as_int();
    const auto t0 = Clock::now();
    acc = 0;
    for (std::int64_t i = 0; i < w3_n; ++i) acc += qc.get_query_data(w3_key(i))->get("userId").as_int();
    const double ns = ns_since(t0);
    if (acc != w3_n * (w3_n - 1) / 2) state.SkipWithError("W3b sum of userId");
    state.counters["ns_per_op"] = ns / w3_n;
    state.counters["cpu_ns_per_op"] = last_cpu_ns / w3_n;
  }
}
BENCHMARK(W3b)->Name("query/W3b")->Iterations(1)->Unit(benchmark::kMillisecond);

void W3c(benchmark::State& state) {
  for (auto _ : state) {
    mfstate::ManualClock clock;
    Runtime rt(clock);
    QueryClient qc(rt);
    fill_w3(qc, w3_n);
    const auto t0 = Clock::now();
    mfstate::Future f = qc.invalidate_queries({.key = Value::array({"user"})});
    const double ns = ns_since(t0);
    if (!f.ready() || !qc.get_query_state(w3_key(w3_n - 1))->is_invalidated) state.SkipWithError("W3c");
    state.counters["ns_per_op"] = ns / w3_n;
    state.counters["cpu_ns_per_op"] = last_cpu_ns / w3_n;
  }
}
BENCHMARK(W3c)->Name("query/W3c")->Iterations(1)->Unit(benchmark::kMillisecond);

double w4_once(std::int64_t n) {
  mfstate::ManualClock clock;
  Runtime rt(clock);
  QueryClient qc(rt);
  auto version = std::make_shared<std::int64_t>(0);
  std::int64_t waiting_for = 0;
  std::int64_t remaining = n;
  std::vector<std::int64_t> last_seen(static_cast<std::size_t>(n), -1);
  std::vector<mfstate::Subscription> subs;
  subs.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    subs.push_back(qc.observe(
        {.key = w3_key(i),
         .fetcher =
             [version, i](const mfstate::FetchContext&, mfstate::Completion done) {
               done.resolve(Value::object({{"id", i}, {"v", *version}}));
             },
         .stale_time = mfstate::never_expires},
        [&, i](const mfstate::QueryResult& r) {
          if (!r.data) return;
          const std::int64_t v = r.data->get("v").as_int();
          if (v == waiting_for && last_seen[static_cast<std::size_t>(i)] != waiting_for) {
            last_seen[static_cast<std::size_t>(i)] = waiting_for;
            --remaining;
          }
        }));
  }
  rt.run_until_idle();
  if (remaining != 0) return -1;
  remaining = n;
  waiting_for = 1;
  const auto t0 = Clock::now();
  *version = 1;
  mfstate::Future f = qc.invalidate_queries({.key = Value::array({"user"})});
  while (remaining > 0 && rt.run_until_idle() > 0) {
  }
  const double ns = ns_since(t0);
  if (remaining != 0 || !f.ready()) return -1;
  return ns;
}

void W4(benchmark::State& state) {
  const std::int64_t n = 10'000;
  for (auto _ : state) {
    w4_once(n / 10);
    const double ns = w4_once(n);
    if (ns < 0) state.SkipWithError("W4: not every observer saw v = 1");
    state.counters["ns_per_op"] = ns / static_cast<double>(n);
    state.counters["cpu_ns_per_op"] = last_cpu_ns / static_cast<double>(n);
  }
}
BENCHMARK(W4)->Name("query/W4")->Iterations(1)->Unit(benchmark::kMillisecond);

// ---- S1 ----

Value s1_key(std::int64_t i) { return Value::array({"user", i, "profile"}); }

void S1(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  const int invalidations = 200;
  const std::int64_t gets = 100'000;
  for (auto _ : state) {
    // What the data values alone cost (they are the caller's, built the same way).
    std::size_t data_bytes = 0;
    {
      const std::size_t h0 = heap_in_use();
      std::vector<Value> values;
      values.reserve(static_cast<std::size_t>(n));
      const std::size_t h1 = heap_in_use();
      for (std::int64_t i = 0; i < n; ++i) values.push_back(w3_data(i));
      data_bytes = heap_in_use() - h1;
      (void)h0;
    }
    mfstate::ManualClock clock;
    Runtime rt(clock);
    auto qc = std::make_unique<QueryClient>(rt);
    const std::size_t before = heap_in_use();
    for (std::int64_t i = 0; i < n; ++i) qc->set_query_data(s1_key(i), w3_data(i));
    const std::size_t after = heap_in_use();
    const double bytes_per_entry = static_cast<double>(after - before) / static_cast<double>(n);
    const double data_per_entry = static_cast<double>(data_bytes) / static_cast<double>(n);

    const double step = static_cast<double>(n) / invalidations;
    for (int k = 0; k < 5; ++k) {  // warm-up on keys the measured pass does not touch
      qc->invalidate_queries({.key = Value::array({"user", static_cast<std::int64_t>(k * step) + 1})});
    }
    const auto t0 = Clock::now();
    for (int k = 0; k < invalidations; ++k) {
      qc->invalidate_queries({.key = Value::array({"user", static_cast<std::int64_t>(k * step)})});
    }
    const double inv_ns = ns_since(t0) / invalidations;
    const double inv_cpu_ns = last_cpu_ns / invalidations;
    for (int k = 0; k < invalidations; ++k) {
      if (!qc->get_query_state(s1_key(static_cast<std::int64_t>(k * step)))->is_invalidated) {
        state.SkipWithError("S1: prefix not invalidated");
      }
    }
    std::int64_t acc = 0;
    for (std::int64_t k = 0; k < gets / 10; ++k) acc += qc->get_query_data(s1_key((k * 7919) % n))->get("userId").as_int();
    const auto t1 = Clock::now();
    acc = 0;
    for (std::int64_t k = 0; k < gets; ++k) acc += qc->get_query_data(s1_key((k * 7919) % n))->get("userId").as_int();
    const double get_ns = ns_since(t1) / static_cast<double>(gets);
    const double get_cpu_ns = last_cpu_ns / static_cast<double>(gets);
    benchmark::DoNotOptimize(acc);
    state.counters["entries"] = static_cast<double>(n);
    state.counters["us_per_invalidation"] = inv_ns / 1000.0;
    state.counters["ns_per_get"] = get_ns;
    state.counters["cpu_us_per_invalidation"] = inv_cpu_ns / 1000.0;
    state.counters["cpu_ns_per_get"] = get_cpu_ns;
    state.counters["bytes_per_entry"] = bytes_per_entry;
    state.counters["data_bytes_per_entry"] = data_per_entry;
    state.counters["cache_bytes_per_entry"] = bytes_per_entry - data_per_entry;
    state.counters["trie_nodes_per_entry"] =
        static_cast<double>(qc->stats().trie_nodes) / static_cast<double>(n);
  }
}
BENCHMARK(S1)->Name("query/S1")->Arg(10'000)->Arg(100'000)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

namespace {

// Where a get's time goes: building the key (two string nodes, an array node and its buffer)
// versus the lookup itself (three trie levels) on a cache of 10^5 entries.
struct GetFixture {
  mfstate::ManualClock clock;
  Runtime rt{clock};
  QueryClient qc{rt};
  std::vector<Value> keys;
  explicit GetFixture(std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) qc.set_query_data(s1_key(i), w3_data(i));
    for (std::int64_t i = 0; i < n; ++i) keys.push_back(s1_key((i * 7919) % n));
  }
};

void S1_get_build_key(benchmark::State& state) {
  GetFixture f(100'000);
  std::int64_t k = 0;
  for (auto _ : state) {
    Value key = s1_key((k++ * 7919) % 100'000);
    benchmark::DoNotOptimize(key);
  }
}
BENCHMARK(S1_get_build_key)->Name("query/S1-get/build_key_only");

void S1_get_prebuilt(benchmark::State& state) {
  GetFixture f(100'000);
  std::size_t k = 0;
  std::int64_t acc = 0;
  for (auto _ : state) {
    acc += f.qc.get_query_data(f.keys[k])->get("userId").as_int();
    if (++k == f.keys.size()) k = 0;
  }
  benchmark::DoNotOptimize(acc);
}
BENCHMARK(S1_get_prebuilt)->Name("query/S1-get/lookup_prebuilt_key");

void S1_get_full(benchmark::State& state) {
  GetFixture f(100'000);
  std::int64_t k = 0;
  std::int64_t acc = 0;
  for (auto _ : state) acc += f.qc.get_query_data(s1_key((k++ * 7919) % 100'000))->get("userId").as_int();
  benchmark::DoNotOptimize(acc);
}
BENCHMARK(S1_get_full)->Name("query/S1-get/build_and_lookup");

}  // namespace

namespace {
void S1_get_hot(benchmark::State& state) {
  GetFixture f(100'000);
  std::int64_t acc = 0;
  const Value& key = f.keys[17];
  for (auto _ : state) acc += f.qc.get_query_data(key)->get("userId").as_int();
  benchmark::DoNotOptimize(acc);
}
BENCHMARK(S1_get_hot)->Name("query/S1-get/lookup_same_key_hot_cache");
}  // namespace
