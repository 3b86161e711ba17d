// W6: one topic, 100 subscribers, n publishes of {n: i}. Peer: rxjs Subject.
// The payload is built inside the timed loop, as the JS harness builds {n: i}.
//
// Floor: topics by name, each a vector of std::function subscribers; the payload a typed struct
// behind an Rc (a subscriber may keep it), built per publish; a publish looks the topic up by
// name and calls each subscriber (a throwing one is reported and the others still run).
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string_view>
#include <vector>

#include "floor.hpp"
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
  const auto t0 = pass_begin();
  run(n);
  const auto t1 = pass_end("W6", "mfstate", n);
  check(acc == 100 * (n * (n - 1)) / 2, "W6 every subscriber saw every publish");
  sink() += acc;
  ctx.emit({.workload = "W6", .n = n, .ns_per_op = ns_between(t0, t1) / static_cast<double>(n)});
}

struct Tick {
  std::int64_t n;
};
using TickListener = std::function<void(std::string_view, const Tick&)>;

struct FloorBus {
  fl::NameMap<std::vector<TickListener>> topics;

  void publish(std::string_view topic, const fl::Rc<Tick>& payload) {
    auto it = topics.find(topic);
    if (it == topics.end()) return;
    const std::vector<TickListener>& listeners = it->second;
    const std::size_t count = listeners.size();  // one added meanwhile waits for the next
    for (std::size_t i = 0; i < count; ++i) {
      try {
        listeners[i](topic, *payload);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "subscriber threw: %s\n", e.what());
      }
    }
  }
};

void run_w6_floor(Context& ctx) {
  const std::uint64_t n = ctx.size(1'000'000);
  FloorBus bus;
  std::uint64_t acc = 0;
  for (int s = 0; s < 100; ++s) {
    bus.topics["ticks"].push_back(
        [&acc](std::string_view, const Tick& payload) { acc += static_cast<std::uint64_t>(payload.n); });
  }
  auto run = [&](std::uint64_t k) {
    for (std::uint64_t i = 0; i < k; ++i)
      bus.publish("ticks", fl::Rc<Tick>::make(static_cast<std::int64_t>(i)));
  };

  const std::uint64_t warm = (n + 9) / 10;
  run(warm);
  check(acc == 100 * (warm * (warm - 1)) / 2, "W6 floor warm-up delivered");
  acc = 0;
  const auto t0 = pass_begin();
  run(n);
  const auto t1 = pass_end("W6", "floor", n);
  check(acc == 100 * (n * (n - 1)) / 2, "W6 floor every subscriber saw every publish");
  sink() += acc;
  ctx.emit(
      {.workload = "W6", .impl = "floor", .n = n, .ns_per_op = ns_between(t0, t1) / static_cast<double>(n)});
}

}  // namespace

MFSTATE_BENCH_WORKLOAD(w6_registered, .id = "W6", .figures = {"W6"}, .order = 10, .run = run_w6,
                       .floor = run_w6_floor);

}  // namespace mfstate::bench
