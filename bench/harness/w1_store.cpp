// W1: one store holding {count, user, items: 100 × {id, v}}; INC returns a new state with
// count + 1; 10 subscribers each read count; n dispatches. Peer: redux createStore.
//
// The reducer is written as a user would write it (not declared noexcept), so the store hands it a
// shared copy and `set` builds a new root object, as the JS reducer's `{...state, count + 1}` does;
// user and items are shared, not copied.
//
// Floor: the state is a struct {count, user, items} whose user and items are shared (Rc); the
// reducer copies it with count + 1 (two reference-count increments); the subscribers read
// state.count.
#include <cstdint>
#include <string>
#include <vector>

#include "floor.hpp"
#include "harness.hpp"
#include "mfstate/store.hpp"
#include "mfstate/value.hpp"

namespace mfstate::bench {
namespace {

Value w1_initial() {
  std::vector<Value> items;
  items.reserve(100);
  for (int i = 0; i < 100; ++i) items.push_back(Value::object({{"id", i}, {"v", i}}));
  return Value::object({{"count", 0},
                        {"user", Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"}, {"name", "John Doe"}})},
                        {"items", Value::array(std::move(items))}});
}

void run_w1(Context& ctx) {
  const std::uint64_t n = ctx.size(1'000'000);
  const Value initial = w1_initial();
  Store store(initial, [](Value state, const Action& action) {
    if (action.type != "INC") return state;
    const std::int64_t count = state.get("count").as_int();
    return std::move(state).set("count", count + 1);
  });
  std::uint64_t seen = 0;
  std::vector<Subscription> subscriptions;
  for (int s = 0; s < 10; ++s) {
    subscriptions.push_back(store.subscribe(
        [&seen](const Value& state) { seen += static_cast<std::uint64_t>(state.get("count").as_int()); }));
  }
  const Action inc{.type = "INC", .payload = {}, .meta = {}};
  auto run = [&](std::uint64_t k) {
    for (std::uint64_t i = 0; i < k; ++i) store.dispatch(inc);
  };

  const std::uint64_t warm = (n + 9) / 10;
  run(warm);
  const auto t0 = pass_begin();
  run(n);
  const auto t1 = pass_end("W1", "mfstate", n);

  const std::uint64_t total = warm + n;
  check(static_cast<std::uint64_t>(store.state().get("count").as_int()) == total, "W1 count");
  check(store.state().get("items").same_node(initial.get("items")), "W1 items kept");
  check(seen == 10 * (total * (total + 1)) / 2, "W1 subscribers saw every count");
  sink() += seen;
  ctx.emit({.workload = "W1", .n = n, .ns_per_op = ns_between(t0, t1) / static_cast<double>(n)});
}

struct User {
  std::string user_id;
  std::string name;
};
struct Item {
  std::int64_t id;
  std::int64_t v;
};
struct State {
  std::int64_t count;
  fl::Rc<User> user;
  fl::Rc<std::vector<Item>> items;
};
struct FloorAction {
  std::string_view type;
};

void run_w1_floor(Context& ctx) {
  const std::uint64_t n = ctx.size(1'000'000);
  std::vector<Item> items;
  items.reserve(100);
  for (int i = 0; i < 100; ++i) items.push_back(Item{i, i});
  const State initial{0, fl::Rc<User>::make("S6nRz7bZ8Cv1dfTm", "John Doe"),
                      fl::Rc<std::vector<Item>>::make(std::move(items))};
  fl::Store<State, FloorAction> store(initial, [](const State& state, const FloorAction& action) {
    if (action.type != "INC") return state;
    return State{state.count + 1, state.user, state.items};
  });
  std::uint64_t seen = 0;
  for (int s = 0; s < 10; ++s) {
    store.subscribe([&seen](const State& state) { seen += static_cast<std::uint64_t>(state.count); });
  }
  const FloorAction inc{"INC"};
  auto run = [&](std::uint64_t k) {
    for (std::uint64_t i = 0; i < k; ++i) store.dispatch(inc);
  };

  const std::uint64_t warm = (n + 9) / 10;
  run(warm);
  const auto t0 = pass_begin();
  run(n);
  const auto t1 = pass_end("W1", "floor", n);

  const std::uint64_t total = warm + n;
  check(static_cast<std::uint64_t>(store.state().count) == total, "W1 floor count");
  check(store.state().items.same(initial.items), "W1 floor items kept");
  check(seen == 10 * (total * (total + 1)) / 2, "W1 floor subscribers saw every count");
  sink() += seen;
  ctx.emit(
      {.workload = "W1", .impl = "floor", .n = n, .ns_per_op = ns_between(t0, t1) / static_cast<double>(n)});
}

}  // namespace

MFSTATE_BENCH_WORKLOAD(w1_registered, .id = "W1", .figures = {"W1"}, .order = 1, .run = run_w1,
                       .floor = run_w1_floor);

}  // namespace mfstate::bench
