// W2: app Catalog holds {items: 1000 × {id, name: "item" + i, tags: ["a", "b"]}} and exposes it;
// another app reads it n times and takes items.length. Peer: redux-micro-frontend
// GetPartnerState (which returns a shallow copy of the partner's state on every read).
//
// Catalog exposes its whole state (the selector is the identity), so each read is what a
// redux-micro-frontend user gets: the partner's state — here immutable and shared, not copied.
//
// Floor: apps by name, each with its exports by name; an export holds the shared state (Rc); a read
// looks up the app and the export by name and copies the Rc (one increment, one decrement).
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

void run_w2(Context& ctx) {
  const std::uint64_t n = ctx.size(10'000);
  Host host;
  App catalog = host.mount("Catalog");
  App checkout = host.mount("Checkout");
  std::vector<Value> items;
  items.reserve(1000);
  for (int i = 0; i < 1000; ++i) {
    items.push_back(
        Value::object({{"id", i}, {"name", "item" + std::to_string(i)}, {"tags", Value::array({"a", "b"})}}));
  }
  catalog.create_store(Value::object({{"items", Value::array(std::move(items))}}),
                       [](Value state, const Action&) { return state; });
  catalog.expose("state", [](const Value& state) { return state; });
  checkout.create_store(Value::object({{"lines", Value::array()}}),
                        [](Value state, const Action&) { return state; });

  auto run = [&](std::uint64_t k) {
    std::uint64_t acc = 0;
    for (std::uint64_t i = 0; i < k; ++i) acc += checkout.read("Catalog", "state").get("items").size();
    return acc;
  };

  sink() += run(std::max<std::uint64_t>(1, (n + 9) / 10));
  const auto t0 = pass_begin();
  const std::uint64_t acc = run(n);
  const auto t1 = pass_end("W2", "mfstate", n);
  check(acc == 1000 * n, "W2 items.length");
  sink() += acc;
  ctx.emit({.workload = "W2", .n = n, .ns_per_op = ns_between(t0, t1) / static_cast<double>(n)});
}

struct Item {
  std::int64_t id;
  std::string name;
  fl::Rc<std::vector<std::string>> tags;
};
struct CatalogState {
  std::vector<Item> items;
};
struct FloorApp {
  fl::NameMap<fl::Rc<CatalogState>> exports;
};

// A read by name: nullptr-free because the bench only reads what exists; a missing app or export
// is an error, as in mfstate.
fl::Rc<CatalogState> read(const fl::NameMap<std::unique_ptr<FloorApp>>& apps, std::string_view app,
                          std::string_view name) {
  auto a = apps.find(app);
  check(a != apps.end(), "W2 floor app mounted");
  auto e = a->second->exports.find(name);
  check(e != a->second->exports.end(), "W2 floor export exposed");
  return e->second;
}

void run_w2_floor(Context& ctx) {
  const std::uint64_t n = ctx.size(10'000);
  fl::NameMap<std::unique_ptr<FloorApp>> apps;
  apps["Catalog"] = std::make_unique<FloorApp>();
  apps["Checkout"] = std::make_unique<FloorApp>();
  const auto tags = fl::Rc<std::vector<std::string>>::make(std::vector<std::string>{"a", "b"});
  std::vector<Item> items;
  items.reserve(1000);
  for (int i = 0; i < 1000; ++i) items.push_back(Item{i, "item" + std::to_string(i), tags});
  apps["Catalog"]->exports["state"] = fl::Rc<CatalogState>::make(std::move(items));

  auto run = [&](std::uint64_t k) {
    std::uint64_t acc = 0;
    for (std::uint64_t i = 0; i < k; ++i) acc += read(apps, "Catalog", "state")->items.size();
    return acc;
  };

  sink() += run(std::max<std::uint64_t>(1, (n + 9) / 10));
  const auto t0 = pass_begin();
  const std::uint64_t acc = run(n);
  const auto t1 = pass_end("W2", "floor", n);
  check(acc == 1000 * n, "W2 floor items.length");
  sink() += acc;
  ctx.emit(
      {.workload = "W2", .impl = "floor", .n = n, .ns_per_op = ns_between(t0, t1) / static_cast<double>(n)});
}

}  // namespace

MFSTATE_BENCH_WORKLOAD(w2_registered, .id = "W2", .figures = {"W2"}, .order = 3, .run = run_w2,
                       .floor = run_w2_floor);

}  // namespace mfstate::bench
