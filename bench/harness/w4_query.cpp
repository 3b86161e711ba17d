// W4: n observers, one per key ["user", {id: i}], stale time infinite, a fetcher answering at once
// with {id: i, v: version}. Once every observer has v = 0: set version = 1, invalidate ["user"],
// and time until every observer has been told v = 1 (the runtime run until idle). Figure: the total
// over n. Peer: @tanstack/query-core QueryObserver.
#include <cstdint>
#include <vector>

#include "harness.hpp"
#include "mfstate/query.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"

namespace mfstate::bench {
namespace {

double w4_once(std::int64_t n) {
  Runtime rt;
  QueryClient client(rt);
  std::int64_t version = 0;
  std::int64_t waiting_for = 0;
  std::int64_t remaining = n;
  std::vector<std::int64_t> last_seen(static_cast<std::size_t>(n), -1);
  std::vector<Subscription> subscriptions;
  subscriptions.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    subscriptions.push_back(client.observe({.key = Value::array({"user", Value::object({{"id", i}})}),
                                            .fetcher = sync_fetcher([&version, i](const Value&) {
                                              return Value::object({{"id", i}, {"v", version}});
                                            }),
                                            .stale_time = never_expires},
                                           [&, i](const QueryResult& result) {
                                             if (!result.data) return;
                                             const Value& d = *result.data;
                                             auto& seen = last_seen[static_cast<std::size_t>(i)];
                                             if (d.get("v").as_int() == waiting_for && seen != waiting_for) {
                                               check(d.get("id").as_int() == i,
                                                     "W4 data belongs to its observer");
                                               seen = waiting_for;
                                               --remaining;
                                             }
                                           }));
  }
  rt.run_until_idle();
  check(remaining == 0, "W4 every observer saw v = 0");

  remaining = n;
  waiting_for = 1;
  const auto t0 = now();
  version = 1;
  const Future invalidated = client.invalidate_queries({.key = Value::array({"user"})});
  while (remaining > 0 && rt.run_until_idle() > 0) {
  }
  const auto t1 = now();
  rt.run_until_idle();

  check(remaining == 0, "W4 every observer saw v = 1");
  check(invalidated.ready() && invalidated.ok(), "W4 invalidation settled");
  for (const auto v : last_seen) check(v == 1, "W4 every observer saw v = 1");
  sink() += static_cast<std::uint64_t>(n);
  subscriptions.clear();
  client.clear();
  return ns_between(t0, t1);
}

void run_w4(Context& ctx) {
  const auto n = static_cast<std::int64_t>(ctx.size(10'000));
  w4_once(std::max<std::int64_t>(100, (n + 9) / 10));
  const double ns = w4_once(n);
  ctx.emit({.workload = "W4", .n = static_cast<std::uint64_t>(n), .ns_per_op = ns / static_cast<double>(n)});
}

}  // namespace

MFSTATE_BENCH_WORKLOAD(w4_registered, .id = "W4", .figures = {"W4"}, .order = 7, .run = run_w4);

}  // namespace mfstate::bench
