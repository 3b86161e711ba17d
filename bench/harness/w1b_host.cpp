// W1b: three apps (Home, Profile, Cart), each with a W1-style store {count, user} that accepts INC
// from other apps; 10 subscribers on Home; Profile broadcasts INC to every app that accepts it
// (all three, Profile included, as redux-micro-frontend's global action reaches every store), n
// times. Peer: redux-micro-frontend DispatchAction.
#include <cstdint>
#include <string>
#include <vector>

#include "harness.hpp"
#include "mfstate/host.hpp"
#include "mfstate/value.hpp"

namespace mfstate::bench {
namespace {

void run_w1b(Context& ctx) {
  const std::uint64_t n = ctx.size(100'000);
  Host host;
  std::vector<App> apps;
  for (const char* name : {"Home", "Profile", "Cart"}) {
    App app = host.mount(name);
    app.create_store(
        Value::object(
            {{"count", 0}, {"user", Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"}, {"name", "John Doe"}})}}),
        [](Value state, const Action& action) {
          if (action.type != "INC") return state;
          const std::int64_t count = state.get("count").as_int();
          return std::move(state).set("count", count + 1);
        });
    app.accept("INC");
    apps.push_back(std::move(app));
  }
  App& home = apps[0];
  App& profile = apps[1];
  std::uint64_t seen = 0;
  std::vector<Subscription> subscriptions;
  for (int s = 0; s < 10; ++s) {
    subscriptions.push_back(home.subscribe(
        [&seen](const Value& state) { seen += static_cast<std::uint64_t>(state.get("count").as_int()); }));
  }
  const Action inc{.type = "INC", .payload = {}, .meta = {}};
  std::uint64_t reached = 0;
  auto run = [&](std::uint64_t k) {
    for (std::uint64_t i = 0; i < k; ++i) reached += profile.broadcast(inc);
  };

  const std::uint64_t warm = (n + 9) / 10;
  run(warm);
  const auto t0 = now();
  run(n);
  const auto t1 = now();

  const std::uint64_t total = warm + n;
  check(reached == 3 * total, "W1b every send reached the three apps");
  for (const App& app : apps) {
    check(static_cast<std::uint64_t>(app.state().get("count").as_int()) == total, "W1b count of each app");
  }
  check(seen == 10 * (total * (total + 1)) / 2, "W1b Home subscribers saw every count");
  sink() += seen;
  ctx.emit({.workload = "W1b", .n = n, .ns_per_op = ns_between(t0, t1) / static_cast<double>(n)});
}

}  // namespace

MFSTATE_BENCH_WORKLOAD(w1b_registered, .id = "W1b", .figures = {"W1b"}, .order = 2, .run = run_w1b);

}  // namespace mfstate::bench
