// W3a/W3b/W3c: one QueryClient, n distinct keys ["user", {id: i}].
//   W3a set_query_data(["user", {id: i}], {userId: i, name: "John Doe"}) for n distinct i.
//   W3b get_query_data of each of those keys.
//   W3c invalidate_queries(["user"]) once over those n inactive entries: ns per entry.
// Peer: @tanstack/query-core. Keys and data are built inside the timed loops, as in the JS harness.
// The client runs with TanStack's defaults (gc_time 5 minutes), so each inactive entry holds its
// garbage-collection timer, as query-core's do in a browser.
#include <cstdint>

#include "harness.hpp"
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
  auto t0 = now();
  fill_users(client, n);
  auto t1 = now();
  check(client.stats().entries == static_cast<std::size_t>(n), "W3a entry count");
  if (ctx.wants("W3a")) {
    ctx.emit({.workload = "W3a", .n = static_cast<std::uint64_t>(n), .ns_per_op = ns_between(t0, t1) / n});
  }

  sink() += static_cast<std::uint64_t>(read_users(client, (n + 9) / 10));
  t0 = now();
  const std::int64_t acc = read_users(client, n);
  t1 = now();
  check(acc == n * (n - 1) / 2, "W3b sum of userId");
  sink() += static_cast<std::uint64_t>(acc);
  if (ctx.wants("W3b")) {
    ctx.emit({.workload = "W3b", .n = static_cast<std::uint64_t>(n), .ns_per_op = ns_between(t0, t1) / n});
  }

  // No observers: every entry is inactive, so nothing refetches (refetch_type active, the default).
  t0 = now();
  const Future invalidated = client.invalidate_queries({.key = Value::array({"user"})});
  rt.run_until_idle();
  t1 = now();
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

}  // namespace

MFSTATE_BENCH_WORKLOAD(w3_registered, .id = "W3", .figures = {"W3a", "W3b", "W3c"}, .order = 4,
                       .run = run_w3);

}  // namespace mfstate::bench
