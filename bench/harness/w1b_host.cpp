// W1b: three apps (Home, Profile, Cart), each with a W1-style store {count, user} that accepts INC
// from other apps; 10 subscribers on Home; Profile broadcasts INC to every app that accepts it
// (all three, Profile included, as redux-micro-frontend's global action reaches every store), n
// times. Peer: redux-micro-frontend DispatchAction.
//
// Floor: three apps by name, each a typed store {count, user}; a map from command name to the apps
// accepting it; a broadcast looks the name up, snapshots each target's state, reduces in each (on a
// throw every target is restored: all or nothing, as mfstate's transaction), then notifies each
// store once, after all of them changed.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "floor.hpp"
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
  const auto t0 = pass_begin();
  run(n);
  const auto t1 = pass_end("W1b", "mfstate", n);

  const std::uint64_t total = warm + n;
  check(reached == 3 * total, "W1b every send reached the three apps");
  for (const App& app : apps) {
    check(static_cast<std::uint64_t>(app.state().get("count").as_int()) == total, "W1b count of each app");
  }
  check(seen == 10 * (total * (total + 1)) / 2, "W1b Home subscribers saw every count");
  sink() += seen;
  ctx.emit({.workload = "W1b", .n = n, .ns_per_op = ns_between(t0, t1) / static_cast<double>(n)});
}

struct User {
  std::string user_id;
  std::string name;
};
struct State {
  std::int64_t count;
  fl::Rc<User> user;
};
struct Command {
  std::string type;
};
using AppStore = fl::Store<State, Command>;

struct FloorApp {
  std::string name;
  AppStore store;
};

struct FloorHost {
  std::vector<std::unique_ptr<FloorApp>> apps;
  fl::NameMap<std::vector<FloorApp*>> acceptors;  // command name -> the apps accepting it

  // Sends `c` to every app accepting it, all or nothing; each store notifies once, after all.
  std::size_t broadcast(const Command& c) {
    auto it = acceptors.find(std::string_view(c.type));
    if (it == acceptors.end()) return 0;
    const std::vector<FloorApp*>& targets = it->second;
    constexpr std::size_t max_targets = 8;
    check(targets.size() <= max_targets, "W1b floor targets fit the snapshot array");
    std::array<State, max_targets> before;
    std::size_t done = 0;
    try {
      for (; done < targets.size(); ++done) {
        before[done] = targets[done]->store.snapshot();
        targets[done]->store.apply(c);
      }
    } catch (...) {
      for (std::size_t i = 0; i < done; ++i) targets[i]->store.restore(std::move(before[i]));
      throw;
    }
    for (FloorApp* t : targets) t->store.flush();
    return targets.size();
  }
};

void run_w1b_floor(Context& ctx) {
  const std::uint64_t n = ctx.size(100'000);
  FloorHost host;
  for (const char* name : {"Home", "Profile", "Cart"}) {
    host.apps.push_back(std::make_unique<FloorApp>(
        FloorApp{name, AppStore(State{0, fl::Rc<User>::make("S6nRz7bZ8Cv1dfTm", "John Doe")},
                                [](const State& state, const Command& c) {
                                  if (c.type != "INC") return state;
                                  return State{state.count + 1, state.user};
                                })}));
    host.acceptors["INC"].push_back(host.apps.back().get());
  }
  FloorApp& home = *host.apps[0];
  std::uint64_t seen = 0;
  for (int s = 0; s < 10; ++s) {
    home.store.subscribe([&seen](const State& state) { seen += static_cast<std::uint64_t>(state.count); });
  }
  const Command inc{"INC"};
  std::uint64_t reached = 0;
  auto run = [&](std::uint64_t k) {
    for (std::uint64_t i = 0; i < k; ++i) reached += host.broadcast(inc);
  };

  const std::uint64_t warm = (n + 9) / 10;
  run(warm);
  const auto t0 = pass_begin();
  run(n);
  const auto t1 = pass_end("W1b", "floor", n);

  const std::uint64_t total = warm + n;
  check(reached == 3 * total, "W1b floor every send reached the three apps");
  for (const auto& app : host.apps) {
    check(static_cast<std::uint64_t>(app->store.state().count) == total, "W1b floor count of each app");
  }
  check(seen == 10 * (total * (total + 1)) / 2, "W1b floor Home subscribers saw every count");
  sink() += seen;
  ctx.emit(
      {.workload = "W1b", .impl = "floor", .n = n, .ns_per_op = ns_between(t0, t1) / static_cast<double>(n)});
}

}  // namespace

MFSTATE_BENCH_WORKLOAD(w1b_registered, .id = "W1b", .figures = {"W1b"}, .order = 2, .run = run_w1b,
                       .floor = run_w1b_floor);

}  // namespace mfstate::bench
