// Mutations leaving a long line: 65,536 mutations of one scope (all pending, one running, the
// rest waiting their turn), then
//
//   clear   QueryClient::clear removes them all, oldest first: ns per mutation removed
//   drain   each answers in turn and, settled and unobserved (gc_time 0), is collected before the
//           next runs (a queue of saves draining): ns per mutation, run to collected
//
//   one     the common case beside them: one mutation of a scope at a time, built, run,
//           settled and collected, ns per mutation
//
// Counters ns_per_op (wall) and cpu_ns_per_op (this thread's CPU time).
#include <benchmark/benchmark.h>

#include <time.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>

#include "mfstate/query.hpp"

namespace {

using mfstate::Completion;
using mfstate::ManualClock;
using mfstate::Millis;
using mfstate::MutationOptions;
using mfstate::QueryClient;
using mfstate::Runtime;
using mfstate::Value;

constexpr std::int64_t line_n = 65'536;

struct Timer {
  std::chrono::steady_clock::time_point wall = std::chrono::steady_clock::now();
  std::int64_t cpu = cpu_ns();
  static std::int64_t cpu_ns() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
  }
  void report(benchmark::State& state, std::int64_t n) const {
    const auto wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - wall);
    state.counters["ns_per_op"] = static_cast<double>(wall_ns.count()) / static_cast<double>(n);
    state.counters["cpu_ns_per_op"] = static_cast<double>(cpu_ns() - cpu) / static_cast<double>(n);
  }
};

/// A client holding `line_n` mutations of scope "save" whose function answers only when told.
struct Line {
  ManualClock clock{Millis{1'000'000}};
  Runtime rt{clock};
  QueryClient qc{rt};
  std::shared_ptr<std::deque<Completion>> calls = std::make_shared<std::deque<Completion>>();
  Line() {
    auto held = calls;
    MutationOptions o{.fn = [held](const Value&, const mfstate::AbortSignal&, Completion c) { held->push_back(std::move(c)); },
                      .scope = "save",
                      .gc_time = Millis{0}};
    for (std::int64_t i = 0; i < line_n; ++i) (void)qc.mutate(o, Value(i));
    rt.run_until_idle();
  }
};

void MutationLineClear(benchmark::State& state) {
  for (auto _ : state) {
    Line line;
    const Timer t;
    line.qc.clear();
    t.report(state, line_n);
    if (line.qc.mutation_cache().find_all().size() != 0) state.SkipWithError("clear left mutations");
  }
}
BENCHMARK(MutationLineClear)->Name("query/mutation-line/clear")->Iterations(1)->Unit(benchmark::kMillisecond);

void MutationLineDrain(benchmark::State& state) {
  for (auto _ : state) {
    Line line;
    const Timer t;
    std::int64_t settled = 0;
    while (!line.calls->empty()) {
      Completion c = std::move(line.calls->front());
      line.calls->pop_front();
      c.resolve(Value(settled++));
      line.rt.run_until_idle();  // the gc timer (0 ms) runs: the settled one leaves the cache
    }
    t.report(state, line_n);
    if (settled != line_n || line.qc.mutation_cache().find_all().size() != 0) state.SkipWithError("the line did not drain");
  }
}
BENCHMARK(MutationLineDrain)->Name("query/mutation-line/drain")->Iterations(1)->Unit(benchmark::kMillisecond);

void MutationOne(benchmark::State& state) {
  ManualClock clock{Millis{1'000'000}};
  Runtime rt{clock};
  QueryClient qc{rt};
  const MutationOptions o{.fn = mfstate::sync_mutation([](const Value& v) { return v; }), .scope = "save", .gc_time = Millis{0}};
  std::int64_t i = 0;
  for (auto _ : state) {
    (void)qc.mutate(o, Value(i++));
    rt.run_until_idle();
  }
  if (qc.mutation_cache().find_all().size() != 0) state.SkipWithError("a mutation was not collected");
}
BENCHMARK(MutationOne)->Name("query/mutation-line/one");

}  // namespace
