// Query keys: workload W5 of WORKLOADS.md and the cost of key_from_url.
//
// W5 hashes ["user", {id: i, include: ["profile", "roles"], page: {size: 20, n: 1}}] for
// 1,000,000 values of i. query-core's hashKey receives the key array a component just wrote and
// returns a string, so every W5 variant here BUILDS the key in the loop (a key literal in a
// component is a fresh object each render) and then hashes it; none re-reads a cached hash:
//   W5/hash_key          build + hash_key (the design mfstate uses: Value::hash of the key)
//   W5/key_string        build + key_string (the same canonical text hashKey returns)
//   W5/xxh3_of_canonical build + XXH3 of key_string (the alternative design, for comparison)
//   W5/build_only        build alone, to show what the hash adds to it
//   W5/key_builder       KeyBuilder straight into a FlatKey (no Value tree), then its hash
//   W5/hash_key_cached   hash_key of one prebuilt key (what a second lookup with the same key costs)
// scripts/bench_w5.sh runs W5/hash_key and query-core's hashKey in one run and prints the ratio.
#include <benchmark/benchmark.h>
#include <xxhash.h>

#include <cstdint>

#include "mfstate/key.hpp"
#include "mfstate/key_builder.hpp"

namespace {

using mfstate::Value;

constexpr std::int64_t w5_keys = 1'000'000;

Value w5_key(std::int64_t i) {
  return Value::array({"user", Value::object({{"id", i},
                                              {"include", Value::array({"profile", "roles"})},
                                              {"page", Value::object({{"size", 20}, {"n", 1}})}})});
}

void W5_hash_key(benchmark::State& state) {
  std::int64_t i = 0;
  std::uint64_t acc = 0;
  for (auto _ : state) acc += mfstate::hash_key(w5_key(i++));
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(W5_hash_key)->Name("W5/hash_key")->Iterations(w5_keys)->Unit(benchmark::kNanosecond);

void W5_key_string(benchmark::State& state) {
  std::int64_t i = 0;
  std::size_t acc = 0;
  for (auto _ : state) acc += mfstate::key_string(w5_key(i++)).size();
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(W5_key_string)->Name("W5/key_string")->Iterations(w5_keys)->Unit(benchmark::kNanosecond);

void W5_xxh3_of_canonical(benchmark::State& state) {
  std::int64_t i = 0;
  std::uint64_t acc = 0;
  for (auto _ : state) {
    std::string text = mfstate::key_string(w5_key(i++));
    acc += XXH3_64bits(text.data(), text.size());
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(W5_xxh3_of_canonical)
    ->Name("W5/xxh3_of_canonical")
    ->Iterations(w5_keys)
    ->Unit(benchmark::kNanosecond);

void W5_key_builder(benchmark::State& state) {
  std::int64_t i = 0;
  std::uint64_t acc = 0;
  for (auto _ : state) {
    mfstate::KeyBuilder b;
    b.string("user").begin_object().member("id").integer(i++);
    b.member("include").begin_array().string("profile").string("roles").end_array();
    b.member("page").begin_object().member("size").integer(20).member("n").integer(1).end_object();
    b.end_object();
    acc += b.finish().hash();
  }
  benchmark::DoNotOptimize(acc);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(W5_key_builder)->Name("W5/key_builder")->Iterations(w5_keys)->Unit(benchmark::kNanosecond);

void W5_build_only(benchmark::State& state) {
  std::int64_t i = 0;
  for (auto _ : state) {
    Value key = w5_key(i++);
    benchmark::DoNotOptimize(key);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(W5_build_only)->Name("W5/build_only")->Iterations(w5_keys)->Unit(benchmark::kNanosecond);

void W5_hash_key_cached(benchmark::State& state) {
  Value key = w5_key(42);
  std::uint64_t acc = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(key);
    acc += mfstate::hash_key(key);
  }
  benchmark::DoNotOptimize(acc);
}
BENCHMARK(W5_hash_key_cached)->Name("W5/hash_key_cached")->Unit(benchmark::kNanosecond);

// key_from_url: a relative URL, a typical API call, and one that needs every normalisation.
void KeyFromUrl_relative(benchmark::State& state) {
  std::uint64_t acc = 0;
  for (auto _ : state) acc += mfstate::key_from_url("GET", "/api/users/me").size();
  benchmark::DoNotOptimize(acc);
}
BENCHMARK(KeyFromUrl_relative)->Name("key_from_url/relative")->Unit(benchmark::kNanosecond);

void KeyFromUrl_typical(benchmark::State& state) {
  Value params = Value::object({{"page", 2}, {"size", 20}});
  std::uint64_t acc = 0;
  for (auto _ : state) {
    acc +=
        mfstate::key_from_url("GET", "https://api.example.com/v1/users?sort=name&active=true", params).size();
  }
  benchmark::DoNotOptimize(acc);
}
BENCHMARK(KeyFromUrl_typical)->Name("key_from_url/typical")->Unit(benchmark::kNanosecond);

void KeyFromUrl_messy(benchmark::State& state) {
  Value params = Value::object({{"include", Value::array({"roles", "profile"})}, {"page", 2}});
  std::uint64_t acc = 0;
  for (auto _ : state) {
    acc += mfstate::key_from_url(
               "get", "HTTPS://Api.Example.COM:443/v1/./users/%7Eadmin/../42/?q=caf%c3%a9+au+lait&b=1#top",
               params)
               .size();
  }
  benchmark::DoNotOptimize(acc);
}
BENCHMARK(KeyFromUrl_messy)->Name("key_from_url/messy")->Unit(benchmark::kNanosecond);

// key_from_url then hash_key: what a component pays to find its cache entry from a URL.
void KeyFromUrl_then_hash(benchmark::State& state) {
  Value params = Value::object({{"page", 2}, {"size", 20}});
  std::uint64_t acc = 0;
  for (auto _ : state) {
    acc +=
        mfstate::hash_key(mfstate::key_from_url("GET", "https://api.example.com/v1/users?sort=name", params));
  }
  benchmark::DoNotOptimize(acc);
}
BENCHMARK(KeyFromUrl_then_hash)->Name("key_from_url/typical+hash_key")->Unit(benchmark::kNanosecond);

}  // namespace
