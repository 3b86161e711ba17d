// S1: a cache of N entries ["user", i, "profile"] (set_query_data; inactive, no observers) for
// N = 10^4, 10^5, 10^6 (a tenth with --quick).
//   S1-invalidate  invalidate_queries(["user", r]) for 200 values of r spread over the cache, each
//                  run until settled (as the JS harness awaits each call): ns per invalidation.
//   S1-get         get_query_data(["user", r, "profile"]) for r = 7919·k mod N: ns per get.
//   S1-get-builder the same gets with the keys written by KeyBuilder (a FlatKey, no Value tree).
//   bytes_per_entry  malloc's bytes in use after building the cache minus before, over N
//                  (measured by mallinfo2, chunk headers included; see memory.cpp).
// Peer: @tanstack/query-core, which scans every entry per invalidation.
//
// Floor: the W3 floor's cache (canonical key bytes hashed once, an open-addressing table, every
// entry linked under each prefix of its key), the data a typed struct behind an Rc.
#include <chrono>
#include <cstdint>
#include <string>

#include "floor.hpp"
#include "harness.hpp"
#include "mfstate/key_builder.hpp"
#include "mfstate/query.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"

namespace mfstate::bench {
namespace {

Value profile_key(std::int64_t i) { return Value::array({"user", i, "profile"}); }

void fill_profiles(QueryClient& client, std::int64_t k) {
  for (std::int64_t i = 0; i < k; ++i) {
    client.set_query_data(profile_key(i), Value::object({{"userId", i}, {"name", "John Doe"}}));
  }
}

void invalidate_spread(Runtime& rt, QueryClient& client, std::int64_t entries, std::int64_t count,
                       std::int64_t offset) {
  const double step = static_cast<double>(entries) / static_cast<double>(count);
  for (std::int64_t k = 0; k < count; ++k) {
    const auto r = static_cast<std::int64_t>(static_cast<double>(k) * step) + offset;
    const Future f = client.invalidate_queries({.key = Value::array({"user", r})});
    rt.run_until_idle();
    keep(f);
  }
}

std::int64_t get_spread(const QueryClient& client, std::int64_t entries, std::int64_t gets) {
  std::int64_t acc = 0;
  for (std::int64_t k = 0; k < gets; ++k) {
    const std::int64_t r = (k * 7919) % entries;
    acc += client.get_query_data(profile_key(r))->get("userId").as_int();
  }
  return acc;
}

FlatKey built_profile_key(std::int64_t i) {
  KeyBuilder b;
  b.string("user").integer(i).string("profile");
  return b.finish();
}

std::int64_t get_spread_built(const QueryClient& client, std::int64_t entries, std::int64_t gets) {
  std::int64_t acc = 0;
  for (std::int64_t k = 0; k < gets; ++k) {
    const std::int64_t r = (k * 7919) % entries;
    acc += client.get_query_data(built_profile_key(r))->get("userId").as_int();
  }
  return acc;
}

struct S1Result {
  double invalidate_ns;
  double get_ns;
  double get_builder_ns;
  double bytes_per_entry;
  double allocations_per_entry;
};

// The figure a pass counts for (the warm-up's passes are labelled apart).
const char* label(const char* figure, bool measured) { return measured ? figure : "S1-warm-up"; }

S1Result s1_once(std::int64_t entries, std::int64_t invalidations, std::int64_t gets, bool measured) {
  Runtime rt;
  QueryClient client(rt);

  count_allocations(true);
  const HeapReading before = read_heap();
  fill_profiles(client, entries);
  const HeapReading after = read_heap();
  count_allocations(false);
  check(client.stats().entries == static_cast<std::size_t>(entries), "S1 entry count");
  S1Result result{};
  result.bytes_per_entry = (static_cast<double>(after.live_bytes) - static_cast<double>(before.live_bytes)) /
                           static_cast<double>(entries);
  result.allocations_per_entry =
      static_cast<double>(after.allocations - before.allocations) / static_cast<double>(entries);

  // Warm-up on keys the measured pass does not touch (offset 1), as the JS harness does.
  const std::int64_t warmed = std::min<std::int64_t>(5, invalidations);
  invalidate_spread(rt, client, entries, warmed, 1);
  auto t0 = pass_begin();
  invalidate_spread(rt, client, entries, invalidations, 0);
  auto t1 = pass_end(label("S1-invalidate", measured), "mfstate", static_cast<std::uint64_t>(invalidations),
                     static_cast<std::uint64_t>(entries));
  result.invalidate_ns = ns_between(t0, t1) / static_cast<double>(invalidations);

  const double step = static_cast<double>(entries) / static_cast<double>(invalidations);
  for (std::int64_t k = 0; k < invalidations; ++k) {
    const auto r = static_cast<std::int64_t>(static_cast<double>(k) * step);
    check(client.get_query_state(profile_key(r))->is_invalidated, "S1 prefix invalidated");
  }
  std::int64_t invalidated = 0;
  for (std::int64_t i = 0; i < entries; ++i)
    invalidated += client.get_query_state(profile_key(i))->is_invalidated;
  check(invalidated == invalidations + warmed, "S1 each invalidation hit exactly its own entry");

  sink() += static_cast<std::uint64_t>(get_spread(client, entries, (gets + 9) / 10));
  t0 = pass_begin();
  const std::int64_t acc = get_spread(client, entries, gets);
  t1 = pass_end(label("S1-get", measured), "mfstate", static_cast<std::uint64_t>(gets),
                static_cast<std::uint64_t>(entries));
  sink() += static_cast<std::uint64_t>(acc);
  result.get_ns = ns_between(t0, t1) / static_cast<double>(gets);

  sink() += static_cast<std::uint64_t>(get_spread_built(client, entries, (gets + 9) / 10));
  t0 = pass_begin();
  const std::int64_t built = get_spread_built(client, entries, gets);
  t1 = pass_end(label("S1-get-builder", measured), "mfstate", static_cast<std::uint64_t>(gets),
                static_cast<std::uint64_t>(entries));
  check(built == acc, "S1-get-builder reads what S1-get read");
  sink() += static_cast<std::uint64_t>(built);
  result.get_builder_ns = ns_between(t0, t1) / static_cast<double>(gets);
  client.clear();
  return result;
}

void emit_s1(Context& ctx, const char* impl, std::int64_t entries, std::int64_t invalidations,
             std::int64_t gets, const S1Result& r) {
  Figure f{.workload = "S1-invalidate",
           .impl = impl,
           .n = static_cast<std::uint64_t>(invalidations),
           .ns_per_op = r.invalidate_ns,
           .entries = static_cast<std::uint64_t>(entries),
           .bytes_per_entry = r.bytes_per_entry,
           .allocations_per_entry = r.allocations_per_entry};
  if (ctx.wants("S1-invalidate")) ctx.emit(f);
  f.workload = "S1-get";
  f.n = static_cast<std::uint64_t>(gets);
  f.ns_per_op = r.get_ns;
  if (ctx.wants("S1-get")) ctx.emit(f);
  f.workload = "S1-get-builder";
  f.ns_per_op = r.get_builder_ns;
  if (ctx.wants("S1-get-builder")) ctx.emit(f);
}

void run_s1(Context& ctx) {
  const std::int64_t invalidations = static_cast<std::int64_t>(ctx.size(200));
  const std::int64_t gets = static_cast<std::int64_t>(ctx.size(100'000));
  s1_once(1000, 200, 10'000, false);  // warm-up, as the JS harness (code and allocator paths)
  for (std::uint64_t full : {10'000ull, 100'000ull, 1'000'000ull}) {
    const auto entries = static_cast<std::int64_t>(ctx.size(full));
    const S1Result r = s1_once(entries, invalidations, gets, true);
    emit_s1(ctx, "mfstate", entries, invalidations, gets, r);
  }
}

struct Profile {
  std::int64_t user_id;
  std::string name;
};
using ProfileCache = fl::Cache<Profile>;

fl::KeyBytes floor_profile_key(std::int64_t i) {
  fl::KeyBytes k;
  k.str("user").num(i).str("profile");
  return k;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::int64_t floor_invalidate_spread(ProfileCache& cache, std::int64_t entries, std::int64_t count,
                                     std::int64_t offset) {
  const double step = static_cast<double>(entries) / static_cast<double>(count);
  std::int64_t hit = 0;
  for (std::int64_t k = 0; k < count; ++k) {
    const auto r = static_cast<std::int64_t>(static_cast<double>(k) * step) + offset;
    fl::KeyBytes filter;
    filter.str("user").num(r);
    cache.for_each_under(filter, [&](ProfileCache::Entry& e) {
      e.invalidated = true;
      ++hit;
    });
  }
  return hit;
}

std::int64_t floor_get_spread(const ProfileCache& cache, std::int64_t entries, std::int64_t gets) {
  std::int64_t acc = 0;
  for (std::int64_t k = 0; k < gets; ++k) {
    const std::int64_t r = (k * 7919) % entries;
    acc += cache.find(floor_profile_key(r))->data->user_id;
  }
  return acc;
}

S1Result s1_floor_once(std::int64_t entries, std::int64_t invalidations, std::int64_t gets, bool measured) {
  ProfileCache cache;
  count_allocations(true);
  const HeapReading before = read_heap();
  for (std::int64_t i = 0; i < entries; ++i) {
    cache.set(floor_profile_key(i), fl::Rc<Profile>::make(i, "John Doe"), wall_ms());
  }
  const HeapReading after = read_heap();
  count_allocations(false);
  check(cache.size() == static_cast<std::size_t>(entries), "S1 floor entry count");
  S1Result result{};
  result.bytes_per_entry = (static_cast<double>(after.live_bytes) - static_cast<double>(before.live_bytes)) /
                           static_cast<double>(entries);
  result.allocations_per_entry =
      static_cast<double>(after.allocations - before.allocations) / static_cast<double>(entries);

  const std::int64_t warmed = std::min<std::int64_t>(5, invalidations);
  floor_invalidate_spread(cache, entries, warmed, 1);
  auto t0 = pass_begin();
  const std::int64_t hit = floor_invalidate_spread(cache, entries, invalidations, 0);
  auto t1 = pass_end(label("S1-invalidate", measured), "floor", static_cast<std::uint64_t>(invalidations),
                     static_cast<std::uint64_t>(entries));
  result.invalidate_ns = ns_between(t0, t1) / static_cast<double>(invalidations);
  check(hit == invalidations, "S1 floor each invalidation hit exactly its own entry");

  sink() += static_cast<std::uint64_t>(floor_get_spread(cache, entries, (gets + 9) / 10));
  t0 = pass_begin();
  const std::int64_t acc = floor_get_spread(cache, entries, gets);
  t1 = pass_end(label("S1-get", measured), "floor", static_cast<std::uint64_t>(gets),
                static_cast<std::uint64_t>(entries));
  sink() += static_cast<std::uint64_t>(acc);
  result.get_ns = ns_between(t0, t1) / static_cast<double>(gets);

  // S1-get-builder's floor is S1-get's (its keys are canonical bytes already), timed again.
  t0 = pass_begin();
  const std::int64_t again = floor_get_spread(cache, entries, gets);
  t1 = pass_end(label("S1-get-builder", measured), "floor", static_cast<std::uint64_t>(gets),
                static_cast<std::uint64_t>(entries));
  check(again == acc, "S1-get-builder floor reads what S1-get's read");
  sink() += static_cast<std::uint64_t>(again);
  result.get_builder_ns = ns_between(t0, t1) / static_cast<double>(gets);
  return result;
}

void run_s1_floor(Context& ctx) {
  const std::int64_t invalidations = static_cast<std::int64_t>(ctx.size(200));
  const std::int64_t gets = static_cast<std::int64_t>(ctx.size(100'000));
  s1_floor_once(1000, 200, 10'000, false);
  for (std::uint64_t full : {10'000ull, 100'000ull, 1'000'000ull}) {
    const auto entries = static_cast<std::int64_t>(ctx.size(full));
    emit_s1(ctx, "floor", entries, invalidations, gets, s1_floor_once(entries, invalidations, gets, true));
  }
}

}  // namespace

MFSTATE_BENCH_WORKLOAD(s1_registered, .id = "S1", .figures = {"S1-invalidate", "S1-get", "S1-get-builder"},
                       .order = 11, .run = run_s1, .floor = run_s1_floor);

}  // namespace mfstate::bench
