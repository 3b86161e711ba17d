// W3a/W3b/W3c: one QueryClient, n distinct keys ["user", {id: i}].
//   W3a set_query_data(["user", {id: i}], {userId: i, name: "John Doe"}) for n distinct i.
//   W3b get_query_data of each of those keys.
//   W3b-builder the same gets with the keys written by KeyBuilder (a FlatKey, no Value tree).
//   W3c invalidate_queries(["user"]) once over those n inactive entries: ns per entry.
// Peer: @tanstack/query-core. Keys and data are built inside the timed loops, as in the JS harness.
// The client runs with TanStack's defaults (gc_time 5 minutes), so each inactive entry holds its
// garbage-collection timer, as query-core's do in a browser.
//
// Floor: the key written as canonical bytes and hashed once; entries in an open-addressing table,
// each linked under the prefix ["user"] and put on the gc list; the data a typed struct behind an
// Rc; the time of the update read from the system clock, as mfstate's runtime does.
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

Value user_key(std::int64_t i) { return Value::array({"user", Value::object({{"id", i}})}); }

void fill_users(QueryClient& client, std::int64_t k) {
  for (std::int64_t i = 0; i < k; ++i) {
    client.set_query_data(user_key(i), Value::object({{"userId", i}, {"name", "John Doe"}}));
  }
}

std::int64_t read_users(const QueryClient& client, std::int64_t k) {
  std::int64_t acc = 0;
  for (std::int64_t i = 0; i < k; ++i) acc += client.get_query_data(user_key(i))->get("userId").as_int();
  return acc;
}

FlatKey built_user_key(std::int64_t i) {
  KeyBuilder b;
  b.string("user").begin_object().member("id").integer(i).end_object();
  return b.finish();
}

std::int64_t read_users_built(const QueryClient& client, std::int64_t k) {
  std::int64_t acc = 0;
  for (std::int64_t i = 0; i < k; ++i)
    acc += client.get_query_data(built_user_key(i))->get("userId").as_int();
  return acc;
}

// Runs the runtime until `f` settles (what awaiting the promise does in JS).
void await_future(Runtime& rt, const Future& f) {
  rt.run_until_idle();
  check(f.ready(), "W3 future settled once the runtime is idle");
  check(f.ok(), "W3 future succeeded");
}

void run_w3(Context& ctx) {
  const auto n = static_cast<std::int64_t>(ctx.size(100'000));
  Runtime rt;
  // Warm-up on a client of its own: inserting distinct keys is a one-shot measurement.
  {
    QueryClient warm(rt);
    const std::int64_t k = (n + 9) / 10;
    fill_users(warm, k);
    sink() += static_cast<std::uint64_t>(read_users(warm, k));
    await_future(rt, warm.invalidate_queries({.key = Value::array({"user"})}));
    warm.clear();
  }

  QueryClient client(rt);
  auto t0 = pass_begin();
  fill_users(client, n);
  auto t1 = pass_end("W3a", "mfstate", static_cast<std::uint64_t>(n));
  check(client.stats().entries == static_cast<std::size_t>(n), "W3a entry count");
  if (ctx.wants("W3a")) {
    ctx.emit({.workload = "W3a", .n = static_cast<std::uint64_t>(n), .ns_per_op = ns_between(t0, t1) / n});
  }

  sink() += static_cast<std::uint64_t>(read_users(client, (n + 9) / 10));
  t0 = pass_begin();
  const std::int64_t acc = read_users(client, n);
  t1 = pass_end("W3b", "mfstate", static_cast<std::uint64_t>(n));
  check(acc == n * (n - 1) / 2, "W3b sum of userId");
  sink() += static_cast<std::uint64_t>(acc);
  if (ctx.wants("W3b")) {
    ctx.emit({.workload = "W3b", .n = static_cast<std::uint64_t>(n), .ns_per_op = ns_between(t0, t1) / n});
  }

  sink() += static_cast<std::uint64_t>(read_users_built(client, (n + 9) / 10));
  t0 = pass_begin();
  const std::int64_t built = read_users_built(client, n);
  t1 = pass_end("W3b-builder", "mfstate", static_cast<std::uint64_t>(n));
  check(built == acc, "W3b-builder sum of userId");
  sink() += static_cast<std::uint64_t>(built);
  if (ctx.wants("W3b-builder")) {
    ctx.emit(
        {.workload = "W3b-builder", .n = static_cast<std::uint64_t>(n), .ns_per_op = ns_between(t0, t1) / n});
  }

  // No observers: every entry is inactive, so nothing refetches (refetch_type active, the default).
  t0 = pass_begin();
  const Future invalidated = client.invalidate_queries({.key = Value::array({"user"})});
  rt.run_until_idle();
  t1 = pass_end("W3c", "mfstate", static_cast<std::uint64_t>(n));
  check(invalidated.ready() && invalidated.ok(), "W3c invalidation settled");
  std::int64_t stale = 0;
  for (std::int64_t i = 0; i < n; ++i) stale += client.get_query_state(user_key(i))->is_invalidated ? 1 : 0;
  check(stale == n, "W3c every entry invalidated");
  check(client.is_fetching() == 0, "W3c nothing refetched");
  if (ctx.wants("W3c")) {
    ctx.emit({.workload = "W3c", .n = static_cast<std::uint64_t>(n), .ns_per_op = ns_between(t0, t1) / n});
  }
  client.clear();
}

struct UserData {
  std::int64_t user_id;
  std::string name;
};
using UserCache = fl::Cache<UserData>;

fl::KeyBytes floor_user_key(std::int64_t i) {
  fl::KeyBytes k;
  k.str("user").object().key("id").num(i).end();
  return k;
}
fl::KeyBytes floor_user_prefix() {
  fl::KeyBytes k;
  k.str("user");
  return k;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void floor_fill(UserCache& cache, std::int64_t k) {
  for (std::int64_t i = 0; i < k; ++i) {
    cache.set(floor_user_key(i), fl::Rc<UserData>::make(i, "John Doe"), wall_ms());
  }
}

std::int64_t floor_read(const UserCache& cache, std::int64_t k) {
  std::int64_t acc = 0;
  for (std::int64_t i = 0; i < k; ++i) {
    const UserCache::Entry* e = cache.find(floor_user_key(i));
    check(e != nullptr && e->data, "W3b floor entry has data");
    acc += e->data->user_id;
  }
  return acc;
}

// invalidateQueries over inactive entries: mark each; none is observed, so nothing refetches.
std::size_t floor_invalidate(UserCache& cache, const fl::KeyBytes& filter) {
  std::size_t refetched = 0;
  cache.for_each_under(filter, [&](UserCache::Entry& e) {
    e.invalidated = true;
    if (e.observed) ++refetched;
  });
  return refetched;
}

void run_w3_floor(Context& ctx) {
  const auto n = static_cast<std::int64_t>(ctx.size(100'000));
  {
    UserCache warm;
    const std::int64_t k = (n + 9) / 10;
    floor_fill(warm, k);
    sink() += static_cast<std::uint64_t>(floor_read(warm, k));
    floor_invalidate(warm, floor_user_prefix());
  }

  UserCache cache;
  auto t0 = pass_begin();
  floor_fill(cache, n);
  auto t1 = pass_end("W3a", "floor", static_cast<std::uint64_t>(n));
  check(cache.size() == static_cast<std::size_t>(n), "W3a floor entry count");
  if (ctx.wants("W3a")) {
    ctx.emit({.workload = "W3a",
              .impl = "floor",
              .n = static_cast<std::uint64_t>(n),
              .ns_per_op = ns_between(t0, t1) / n});
  }

  sink() += static_cast<std::uint64_t>(floor_read(cache, (n + 9) / 10));
  t0 = pass_begin();
  const std::int64_t acc = floor_read(cache, n);
  t1 = pass_end("W3b", "floor", static_cast<std::uint64_t>(n));
  check(acc == n * (n - 1) / 2, "W3b floor sum of userId");
  sink() += static_cast<std::uint64_t>(acc);
  if (ctx.wants("W3b")) {
    ctx.emit({.workload = "W3b",
              .impl = "floor",
              .n = static_cast<std::uint64_t>(n),
              .ns_per_op = ns_between(t0, t1) / n});
  }

  // W3b-builder's floor is W3b's (its keys are canonical bytes already), timed again.
  t0 = pass_begin();
  const std::int64_t again = floor_read(cache, n);
  t1 = pass_end("W3b-builder", "floor", static_cast<std::uint64_t>(n));
  check(again == acc, "W3b-builder floor sum of userId");
  sink() += static_cast<std::uint64_t>(again);
  if (ctx.wants("W3b-builder")) {
    ctx.emit({.workload = "W3b-builder",
              .impl = "floor",
              .n = static_cast<std::uint64_t>(n),
              .ns_per_op = ns_between(t0, t1) / n});
  }

  t0 = pass_begin();
  const std::size_t refetched = floor_invalidate(cache, floor_user_prefix());
  t1 = pass_end("W3c", "floor", static_cast<std::uint64_t>(n));
  check(refetched == 0, "W3c floor nothing refetched");
  std::int64_t stale = 0;
  for (std::int64_t i = 0; i < n; ++i) stale += cache.find(floor_user_key(i))->invalidated ? 1 : 0;
  check(stale == n, "W3c floor every entry invalidated");
  if (ctx.wants("W3c")) {
    ctx.emit({.workload = "W3c",
              .impl = "floor",
              .n = static_cast<std::uint64_t>(n),
              .ns_per_op = ns_between(t0, t1) / n});
  }
}

}  // namespace

MFSTATE_BENCH_WORKLOAD(w3_registered, .id = "W3", .figures = {"W3a", "W3b", "W3b-builder", "W3c"}, .order = 4,
                       .run = run_w3, .floor = run_w3_floor);

}  // namespace mfstate::bench
