// W5: hash the key ["user", {id: i, include: ["profile", "roles"], page: {size: 20, n: 1}}] for
// n values of i. As in the JS harness, the key is built inside the timed loop, as a caller would
// write it; the figure is build + hash_key, the 64-bit hash the query cache indexes by (query-core's
// hashKey builds the JSON string it indexes by).
//
// W5-builder: the same keys written with KeyBuilder straight into a FlatKey (no Value tree), its
// members in the order the Value row writes them (so end_object sorts "page"), then its hash.
//
// Floor (of both figures): the key written as canonical bytes (members in sorted order, by hand)
// into a buffer on the stack, then XXH3 of the bytes.
#include <cstdint>
#include <unordered_set>

#include "floor.hpp"
#include "harness.hpp"
#include "mfstate/key.hpp"
#include "mfstate/key_builder.hpp"
#include "mfstate/value.hpp"

namespace mfstate::bench {
namespace {

Value w5_key(std::int64_t i) {
  return Value::array({"user", Value::object({{"id", i},
                                              {"include", Value::array({"profile", "roles"})},
                                              {"page", Value::object({{"size", 20}, {"n", 1}})}})});
}

// The timed pass of each row: `hash(i)` summed over i in [0, n) after a warm-up of a tenth.
template <typename Hash>
void time_hashes(Context& ctx, const char* id, const char* impl, std::int64_t n, Hash hash) {
  const auto sum = [&hash](std::int64_t from, std::int64_t to) {
    std::uint64_t acc = 0;
    for (std::int64_t i = from; i < to; ++i) acc += hash(i);
    return acc;
  };
  sink() += sum(0, n / 10);
  const auto t0 = pass_begin();
  const std::uint64_t acc = sum(0, n);
  const auto t1 = pass_end(id, impl, static_cast<std::uint64_t>(n));
  keep(acc);
  sink() += acc;
  ctx.emit({.workload = id,
            .impl = impl,
            .n = static_cast<std::uint64_t>(n),
            .ns_per_op = ns_between(t0, t1) / n});
}

void run_w5(Context& ctx) {
  const auto n = static_cast<std::int64_t>(ctx.size(1'000'000));

  // The hash is the cache's identity: member order must not matter, i must.
  const Value reordered =
      Value::array({"user", Value::object({{"page", Value::object({{"n", 1}, {"size", 20}})},
                                           {"include", Value::array({"profile", "roles"})},
                                           {"id", 0}})});
  check(hash_key(w5_key(0)) == hash_key(reordered), "W5 hash ignores member order");
  check(
      key_string(w5_key(0)) == R"(["user",{"id":0,"include":["profile","roles"],"page":{"n":1,"size":20}}])",
      "W5 canonical key as query-core's hashKey");
  {
    std::unordered_set<std::uint64_t> distinct;
    for (std::int64_t i = 0; i < 10'000; ++i) distinct.insert(hash_key(w5_key(i)));
    check(distinct.size() == 10'000, "W5 distinct keys hash apart");
  }

  time_hashes(ctx, "W5", "mfstate", n, [](std::int64_t i) { return hash_key(w5_key(i)); });
}

std::uint64_t built_hash(std::int64_t i) {
  KeyBuilder b;
  b.string("user").begin_object().member("id").integer(i);
  b.member("include").begin_array().string("profile").string("roles").end_array();
  b.member("page").begin_object().member("size").integer(20).member("n").integer(1).end_object();
  b.end_object();
  return b.finish().hash();
}

void run_w5_builder(Context& ctx) {
  const auto n = static_cast<std::int64_t>(ctx.size(1'000'000));
  for (std::int64_t i : {0, 1, -7, 123456789}) {
    check(built_hash(i) == hash_key(w5_key(i)), "W5-builder hash equals hash_key of the Value key");
  }
  time_hashes(ctx, "W5-builder", "mfstate", n, [](std::int64_t i) { return built_hash(i); });
}

std::uint64_t floor_hash(std::int64_t i) {
  fl::KeyBytes k;
  k.str("user").object();
  k.key("id").num(i);
  k.key("include").array().str("profile").str("roles").end();
  k.key("page").object().key("n").num(1).key("size").num(20).end();
  k.end();
  return k.hash();
}

void run_floor(Context& ctx, const char* id) {
  const auto n = static_cast<std::int64_t>(ctx.size(1'000'000));
  {
    std::unordered_set<std::uint64_t> distinct;
    for (std::int64_t i = 0; i < 10'000; ++i) distinct.insert(floor_hash(i));
    check(distinct.size() == 10'000, "W5 floor distinct keys hash apart");
  }
  time_hashes(ctx, id, "floor", n, [](std::int64_t i) { return floor_hash(i); });
}

void run_w5_floor(Context& ctx) { run_floor(ctx, "W5"); }
void run_w5_builder_floor(Context& ctx) { run_floor(ctx, "W5-builder"); }

}  // namespace

MFSTATE_BENCH_WORKLOAD(w5_registered, .id = "W5", .figures = {"W5"}, .order = 8, .run = run_w5,
                       .floor = run_w5_floor);
MFSTATE_BENCH_WORKLOAD(w5_builder_registered, .id = "W5-builder", .figures = {"W5-builder"}, .order = 9,
                       .run = run_w5_builder, .floor = run_w5_builder_floor);

}  // namespace mfstate::bench
