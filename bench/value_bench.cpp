// Value micro-benchmarks: parse, serialise, canonical serialise, hash, set_in (shared vs the
// in-place transient path) and deep equality, on the W1 state and the W2 catalog of WORKLOADS.md.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "mfstate/value.hpp"

using mfstate::Path;
using mfstate::Value;

namespace {

// W1: {count, user: {userId, name}, items: [100 x {id, v}]}.
std::string w1_json() {
  std::string s = R"({"count":0,"user":{"userId":"S6nRz7bZ8Cv1dfTm","name":"John Doe"},"items":[)";
  for (int i = 0; i < 100; ++i) {
    if (i) s += ',';
    s += R"({"id":)" + std::to_string(i) + R"(,"v":)" + std::to_string(i) + "}";
  }
  return s + "]}";
}

// W2's catalog: {items: [1000 x {id, name: "item"+i, tags: ["a","b"]}]}.
std::string catalog_json() {
  std::string s = R"({"items":[)";
  for (int i = 0; i < 1000; ++i) {
    if (i) s += ',';
    s += R"({"id":)" + std::to_string(i) + R"(,"name":"item)" + std::to_string(i) + R"(","tags":["a","b"]})";
  }
  return s + "]}";
}

const std::string& text_for(int which) {
  static const std::string w1 = w1_json();
  static const std::string catalog = catalog_json();
  return which == 0 ? w1 : catalog;
}

void label(benchmark::State& state) {
  state.SetLabel(state.range(0) == 0 ? "W1 state" : "1000-item catalog");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(text_for(static_cast<int>(state.range(0))).size()));
}

void BM_ValueParse(benchmark::State& state) {
  const std::string& text = text_for(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(mfstate::parse_json(text));
  label(state);
}
BENCHMARK(BM_ValueParse)->Arg(0)->Arg(1);

void BM_ValueToJson(benchmark::State& state) {
  Value v = mfstate::parse_json(text_for(static_cast<int>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(v.to_json());
  label(state);
}
BENCHMARK(BM_ValueToJson)->Arg(0)->Arg(1);

void BM_ValueToCanonicalJson(benchmark::State& state) {
  Value v = mfstate::parse_json(text_for(static_cast<int>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(v.to_canonical_json());
  label(state);
}
BENCHMARK(BM_ValueToCanonicalJson)->Arg(0)->Arg(1);

// The hash is cached in each node after the first call: time it on fresh values, built in
// batches with the timer paused.
void BM_ValueHashUncached(benchmark::State& state) {
  const std::string& text = text_for(static_cast<int>(state.range(0)));
  std::vector<Value> batch;
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == batch.size()) {
      state.PauseTiming();
      batch.assign(64, Value());
      for (Value& v : batch) v = mfstate::parse_json(text);
      next = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(batch[next++].hash());
  }
  label(state);
}
BENCHMARK(BM_ValueHashUncached)->Arg(0)->Arg(1);

void BM_ValueHashCached(benchmark::State& state) {
  Value v = mfstate::parse_json(text_for(0));
  (void)v.hash();
  for (auto _ : state) benchmark::DoNotOptimize(v.hash());
}
BENCHMARK(BM_ValueHashCached);

// W1's INC: count + 1, everything else shared. The const& path copies the root (3 handles).
void BM_ValueSetCountShared(benchmark::State& state) {
  Value s = mfstate::parse_json(text_for(0));
  std::int64_t n = 0;
  for (auto _ : state) {
    Value next = s.set("count", ++n);
    benchmark::DoNotOptimize(next);
  }
}
BENCHMARK(BM_ValueSetCountShared);

// The reducer's transient path: the state has one owner, so the root is updated in place.
void BM_ValueSetCountInPlace(benchmark::State& state) {
  Value s = mfstate::parse_json(text_for(0));
  std::int64_t n = 0;
  for (auto _ : state) {
    s = std::move(s).set("count", ++n);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_ValueSetCountInPlace);

// A deep update: items[42].v. Shared copies the root, the 100-element array and the item.
void BM_ValueSetInShared(benchmark::State& state) {
  Value s = mfstate::parse_json(text_for(0));
  const Path path{"items", 42, "v"};
  std::int64_t n = 0;
  for (auto _ : state) {
    Value next = s.set_in(path, ++n);
    benchmark::DoNotOptimize(next);
  }
}
BENCHMARK(BM_ValueSetInShared);

void BM_ValueSetInInPlace(benchmark::State& state) {
  Value s = mfstate::parse_json(text_for(0));
  const Path path{"items", 42, "v"};
  std::int64_t n = 0;
  for (auto _ : state) {
    s = std::move(s).set_in(path, ++n);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_ValueSetInInPlace);

// Two equal values built apart: a full deep comparison (no shared nodes, no cached hashes).
void BM_ValueEqualityDeep(benchmark::State& state) {
  Value a = mfstate::parse_json(text_for(static_cast<int>(state.range(0))));
  Value b = mfstate::parse_json(text_for(static_cast<int>(state.range(0))));
  for (auto _ : state) benchmark::DoNotOptimize(a == b);
  label(state);
}
BENCHMARK(BM_ValueEqualityDeep)->Arg(0)->Arg(1);

// After a shared update only the changed path is compared; the rest is pointer-equal.
void BM_ValueEqualityAfterSharedUpdate(benchmark::State& state) {
  Value a = mfstate::parse_json(text_for(0));
  Value b = a.set_in({"items", 42, "v"}, 42);  // equal value, new nodes on the path
  for (auto _ : state) benchmark::DoNotOptimize(a == b);
}
BENCHMARK(BM_ValueEqualityAfterSharedUpdate);

void BM_ValueGetIn(benchmark::State& state) {
  Value s = mfstate::parse_json(text_for(0));
  const Path path{"items", 42, "v"};
  for (auto _ : state) benchmark::DoNotOptimize(s.get_in(path));
}
BENCHMARK(BM_ValueGetIn);

}  // namespace
