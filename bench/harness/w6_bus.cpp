// W6: one topic, 100 subscribers, n publishes of {n: i}. Peer: rxjs Subject.
// The payload is built inside the timed loop, as the JS harness builds {n: i}.
#include <cstdint>

#include "harness.hpp"
#include "mfstate/bus.hpp"
#include "mfstate/value.hpp"

namespace mfstate::bench {
namespace {

void run_w6(Context& ctx) {
  const std::uint64_t n = ctx.size(1'000'000);
  Bus bus;
  std::uint64_t acc = 0;
  std::vector<Subscription> subscriptions;
  for (int s = 0; s < 100; ++s) {
    subscriptions.push_back(bus.subscribe("ticks", [&acc](std::string_view, const Value& payload) {
      acc += static_cast<std::uint64_t>(payload.get("n").as_int());
    }));
  }
  auto run = [&](std::uint64_t k) {
    for (std::uint64_t i = 0; i < k; ++i)
      bus.publish("ticks", Value::object({{"n", static_cast<std::int64_t>(i)}}));
  };

  const std::uint64_t warm = (n + 9) / 10;
  run(warm);
  check(acc == 100 * (warm * (warm - 1)) / 2, "W6 warm-up delivered");
  acc = 0;
  const auto t0 = now();
  run(n);
  const auto t1 = now();
  check(acc == 100 * (n * (n - 1)) / 2, "W6 every subscriber saw every publish");
  sink() += acc;
  ctx.emit({.workload = "W6", .n = n, .ns_per_op = ns_between(t0, t1) / static_cast<double>(n)});
}

}  // namespace

MFSTATE_BENCH_WORKLOAD(w6_registered, .id = "W6", .figures = {"W6"}, .order = 9, .run = run_w6);

}  // namespace mfstate::bench
