// Workloads W1, W1b, W2 and W6 of WORKLOADS.md on the store, the host and the bus.
// One benchmark iteration is one operation (a dispatch, a send, a read, a publish), run the
// workload's number of times after a warm-up of a tenth, so "Time" is ns per operation.
// The peers' figures come from bench/js (node bench/js/dist/peers.mjs --json --workload W1 ...).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "mfstate/mfstate.hpp"

using namespace mfstate;

namespace {

constexpr std::int64_t kW1 = 1'000'000;
constexpr std::int64_t kW1b = 100'000;
constexpr std::int64_t kW2 = 10'000;
constexpr std::int64_t kW6 = 1'000'000;

Value w1_state() {
  std::vector<Value> items;
  items.reserve(100);
  for (int i = 0; i < 100; ++i) items.push_back(Value::object({{"id", i}, {"v", i}}));
  return Value::object({{"count", 0},
                        {"user", Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"}, {"name", "John Doe"}})},
                        {"items", Value::array(std::move(items))}});
}

// The reducer as an mfstate user writes it: noexcept, so the store hands over the state and
// `count + 1` updates the root in place.
Value inc_reducer(Value s, const Action& a) noexcept {
  if (a.type == "INC") {
    const std::int64_t n = s.find("count")->as_int();
    return std::move(s).set("count", n + 1);
  }
  return s;
}

// The same reducer without noexcept: the store keeps the old state for a rollback, so each
// dispatch copies the root object (the cost of a reducer that may throw).
Value inc_reducer_may_throw(Value s, const Action& a) {
  if (a.type == "INC") return s.set("count", s.get("count").as_int() + 1);
  return s;
}

void check(bool ok, const char* what) {
  if (!ok) throw std::logic_error(what);
}

template <typename R>
void run_w1(benchmark::State& state, R reducer) {
  Store store(w1_state(), reducer);
  const Value items = store.state().get("items");
  std::int64_t seen = 0;
  std::vector<Subscription> subs;
  for (int s = 0; s < 10; ++s) {
    subs.push_back(store.subscribe([&seen](const Value& st) { seen += st.find("count")->as_int(); }));
  }
  const std::int64_t warm = state.max_iterations / 10;
  for (std::int64_t i = 0; i < warm; ++i) store.dispatch(Action{"INC", {}, {}});
  for (auto _ : state) store.dispatch(Action{"INC", {}, {}});
  const std::int64_t total = warm + static_cast<std::int64_t>(state.iterations());
  check(store.state().get("count").as_int() == total, "W1 count");
  check(store.state().get("items").same_node(items), "W1 items kept");
  check(seen == 10 * (total * (total + 1)) / 2, "W1 subscribers saw every count");
  benchmark::DoNotOptimize(seen);
  state.counters["n"] = static_cast<double>(state.iterations());
}

void BM_W1_dispatch(benchmark::State& state) { run_w1(state, inc_reducer); }
void BM_W1_dispatch_reducer_may_throw(benchmark::State& state) { run_w1(state, inc_reducer_may_throw); }

template <typename R>
void run_w1b(benchmark::State& state, R reducer) {
  Host host;
  App home = host.mount("home");
  App profile = host.mount("profile");
  App cart = host.mount("cart");
  for (App* app : {&home, &profile, &cart}) {
    app->create_store(Value::object({{"count", 0},
                                     {"user", Value::object({{"userId", "S6nRz7bZ8Cv1dfTm"},
                                                             {"name", "John Doe"}})}}),
                      reducer);
    app->accept("INC");
  }
  std::int64_t seen = 0;
  std::vector<Subscription> subs;
  for (int s = 0; s < 10; ++s) {
    subs.push_back(home.subscribe([&seen](const Value& st) { seen += st.find("count")->as_int(); }));
  }
  const std::int64_t warm = state.max_iterations / 10;
  for (std::int64_t i = 0; i < warm; ++i) profile.broadcast(Action{"INC", {}, {}});
  for (auto _ : state) profile.broadcast(Action{"INC", {}, {}});
  const std::int64_t total = warm + static_cast<std::int64_t>(state.iterations());
  for (App* app : {&home, &profile, &cart}) check(app->state().get("count").as_int() == total, "W1b count");
  check(seen == 10 * (total * (total + 1)) / 2, "W1b Home subscribers saw every count");
  state.counters["n"] = static_cast<double>(state.iterations());
}

void BM_W1b_broadcast(benchmark::State& state) { run_w1b(state, inc_reducer); }
void BM_W1b_broadcast_reducer_may_throw(benchmark::State& state) { run_w1b(state, inc_reducer_may_throw); }

void BM_W2_read(benchmark::State& state) {
  Host host;
  App catalog = host.mount("catalog");
  App checkout = host.mount("checkout");
  std::vector<Value> items;
  items.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    items.push_back(Value::object({{"id", i}, {"name", "item" + std::to_string(i)},
                                   {"tags", Value::array({"a", "b"})}}));
  }
  catalog.create_store(Value::object({{"items", Value::array(std::move(items))}}),
                       [](Value s, const Action&) noexcept { return s; });
  catalog.expose("state", [](const Value& s) { return s; });
  checkout.create_store(Value::object({{"lines", Value::array()}}), [](Value s, const Action&) noexcept { return s; });
  std::int64_t acc = 0;
  const std::int64_t warm = std::max<std::int64_t>(1, state.max_iterations / 10);
  for (std::int64_t i = 0; i < warm; ++i) {
    acc += static_cast<std::int64_t>(checkout.read("catalog", "state").get("items").size());
  }
  acc = 0;
  for (auto _ : state) {
    acc += static_cast<std::int64_t>(checkout.read("catalog", "state").get("items").size());
  }
  check(acc == 1000 * static_cast<std::int64_t>(state.iterations()), "W2 items.length");
  benchmark::DoNotOptimize(acc);
  state.counters["n"] = static_cast<double>(state.iterations());
}

void BM_W6_publish(benchmark::State& state) {
  Bus bus;
  std::int64_t acc = 0;
  std::vector<Subscription> subs;
  for (int s = 0; s < 100; ++s) {
    subs.push_back(bus.subscribe("t", [&acc](std::string_view, const Value& v) { acc += v.find("n")->as_int(); }));
  }
  std::int64_t i = 0;
  const std::int64_t warm = state.max_iterations / 10;
  for (; i < warm; ++i) bus.publish("t", Value::object({{"n", i}}));
  std::int64_t sum = 0;
  for (auto _ : state) {
    bus.publish("t", Value::object({{"n", i}}));
    sum += i;
    ++i;
  }
  check(acc == 100 * (warm * (warm - 1) / 2 + sum), "W6 subscribers saw every message");
  benchmark::DoNotOptimize(acc);
  state.counters["n"] = static_cast<double>(state.iterations());
}

// Diagnostics (not workloads): the same loops with subscribers that touch the value without a
// member lookup, to split the time between mfstate's own path and Value::find in the subscribers.
void BM_diag_W1_subscribers_without_lookup(benchmark::State& state) {
  Store store(w1_state(), inc_reducer);
  std::int64_t seen = 0;
  std::vector<Subscription> subs;
  for (int s = 0; s < 10; ++s) {
    subs.push_back(store.subscribe([&seen](const Value& st) { seen += static_cast<std::int64_t>(st.size()); }));
  }
  for (auto _ : state) store.dispatch(Action{"INC", {}, {}});
  check(seen == 30 * static_cast<std::int64_t>(state.iterations()), "diag W1");
}

void BM_diag_W6_subscribers_without_lookup(benchmark::State& state) {
  Bus bus;
  std::int64_t acc = 0;
  std::vector<Subscription> subs;
  for (int s = 0; s < 100; ++s) {
    subs.push_back(bus.subscribe("t", [&acc](std::string_view, const Value& v) { acc += static_cast<std::int64_t>(v.size()); }));
  }
  std::int64_t i = 0;
  for (auto _ : state) bus.publish("t", Value::object({{"n", i++}}));
  check(acc == 100 * static_cast<std::int64_t>(state.iterations()), "diag W6");
}

void BM_diag_find_one_member(benchmark::State& state) {
  const Value v = Value::object({{"n", 42}});
  std::int64_t acc = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(&v);
    acc += v.find("n")->as_int();
  }
  benchmark::DoNotOptimize(acc);
}

}  // namespace

BENCHMARK(BM_W1_dispatch)->Iterations(kW1);
BENCHMARK(BM_W1_dispatch_reducer_may_throw)->Iterations(kW1);
BENCHMARK(BM_W1b_broadcast)->Iterations(kW1b);
BENCHMARK(BM_W1b_broadcast_reducer_may_throw)->Iterations(kW1b);
BENCHMARK(BM_W2_read)->Iterations(kW2);
BENCHMARK(BM_W6_publish)->Iterations(kW6);
BENCHMARK(BM_diag_W1_subscribers_without_lookup)->Iterations(kW1);
BENCHMARK(BM_diag_W6_subscribers_without_lookup)->Iterations(kW6);
BENCHMARK(BM_diag_find_one_member);
