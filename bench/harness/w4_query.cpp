// W4: n observers, one per key ["user", {id: i}], stale time infinite, a fetcher answering at once
// with {id: i, v: version}. Once every observer has v = 0: set version = 1, invalidate ["user"],
// and time until every observer has been told v = 1 (the runtime run until idle). Figure: the total
// over n. Peer: @tanstack/query-core QueryObserver.
//
// Floor: the cache of the W3 floor with a fetcher and observers on each entry. Invalidating
// ["user"] walks the entries under the prefix, refetches each observed one (the fetcher answers
// at once), then tells each entry's observers, once, after every refetch.
#include <cstdint>
#include <memory>
#include <vector>

#include "floor.hpp"
#include "harness.hpp"
#include "mfstate/query.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"

namespace mfstate::bench {
namespace {

double w4_once(std::int64_t n, bool measured) {
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
  const auto t0 = pass_begin();
  version = 1;
  const Future invalidated = client.invalidate_queries({.key = Value::array({"user"})});
  while (remaining > 0 && rt.run_until_idle() > 0) {
  }
  const auto t1 = pass_end(measured ? "W4" : "W4-warm-up", "mfstate", static_cast<std::uint64_t>(n));
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
  w4_once(std::max<std::int64_t>(100, (n + 9) / 10), false);
  const double ns = w4_once(n, true);
  ctx.emit({.workload = "W4", .n = static_cast<std::uint64_t>(n), .ns_per_op = ns / static_cast<double>(n)});
}

struct Versioned {
  std::int64_t id;
  std::int64_t v;
};
using VersionCache = fl::Cache<Versioned>;

fl::KeyBytes floor_key(std::int64_t i) {
  fl::KeyBytes k;
  k.str("user").object().key("id").num(i).end();
  return k;
}

// Refetches every observed entry under `filter` (marking every entry invalidated first), then tells
// the observers of each refetched entry.
void floor_invalidate(VersionCache& cache, const fl::KeyBytes& filter,
                      std::vector<VersionCache::Entry*>& fetched) {
  fetched.clear();
  cache.for_each_under(filter, [&](VersionCache::Entry& e) {
    e.invalidated = true;
    if (e.observed) fetched.push_back(&e);
  });
  for (VersionCache::Entry* e : fetched) {
    e->data = fl::Rc<Versioned>::make(e->observed->fetcher());
    e->invalidated = false;
  }
  for (VersionCache::Entry* e : fetched) {
    for (const auto& l : e->observed->listeners) l(*e->data);
  }
}

double w4_floor_once(std::int64_t n, bool measured) {
  VersionCache cache;
  std::int64_t version = 0;
  std::int64_t waiting_for = 0;
  std::int64_t remaining = n;
  std::vector<std::int64_t> last_seen(static_cast<std::size_t>(n), -1);
  std::vector<VersionCache::Entry*> fetched;
  for (std::int64_t i = 0; i < n; ++i) {
    VersionCache::Entry& e = cache.ensure(floor_key(i));
    e.observed = std::make_unique<VersionCache::Observed>();
    e.observed->fetcher = [&version, i] { return Versioned{i, version}; };
    e.observed->listeners.push_back([&, i](const Versioned& d) {
      auto& seen = last_seen[static_cast<std::size_t>(i)];
      if (d.v == waiting_for && seen != waiting_for) {
        check(d.id == i, "W4 floor data belongs to its observer");
        seen = waiting_for;
        --remaining;
      }
    });
    // An observer of an entry without data fetches at once.
    e.data = fl::Rc<Versioned>::make(e.observed->fetcher());
    for (const auto& l : e.observed->listeners) l(*e.data);
  }
  check(remaining == 0, "W4 floor every observer saw v = 0");

  fl::KeyBytes user;
  user.str("user");
  remaining = n;
  waiting_for = 1;
  const auto t0 = pass_begin();
  version = 1;
  floor_invalidate(cache, user, fetched);
  const auto t1 = pass_end(measured ? "W4" : "W4-warm-up", "floor", static_cast<std::uint64_t>(n));

  check(remaining == 0, "W4 floor every observer saw v = 1");
  for (const auto v : last_seen) check(v == 1, "W4 floor every observer saw v = 1");
  sink() += static_cast<std::uint64_t>(n);
  return ns_between(t0, t1);
}

void run_w4_floor(Context& ctx) {
  const auto n = static_cast<std::int64_t>(ctx.size(10'000));
  w4_floor_once(std::max<std::int64_t>(100, (n + 9) / 10), false);
  const double ns = w4_floor_once(n, true);
  ctx.emit({.workload = "W4",
            .impl = "floor",
            .n = static_cast<std::uint64_t>(n),
            .ns_per_op = ns / static_cast<double>(n)});
}

}  // namespace

MFSTATE_BENCH_WORKLOAD(w4_registered, .id = "W4", .figures = {"W4"}, .order = 7, .run = run_w4,
                       .floor = run_w4_floor);

}  // namespace mfstate::bench
